"""The NLG service: Rasa asks it to render every ``utter_*`` response; it renders per platform and guards.

Rasa 3.6 NLG endpoint contract: ``POST /nlg`` with
``{"response": name, "arguments": {...}, "tracker": {"sender_id", "slots", "latest_message": {"metadata"}},
"channel": {"name"}}`` → ``{"text", "buttons", "image", "elements", "attachments", "custom"}``.

Variation choice follows Rasa: variations whose ``condition`` (``type: slot``)
all match the tracker's slots first, else the unconditioned ones (random among
them), filtered by ``channel`` when a variation names one. ``{name}``
placeholders are filled from arguments, then slots; unknown ones stay as they
are. The rendered text and button titles then go through
:func:`kefu.guard.enforce.guard_outgoing` for the conversation's platform.

``GET /health`` answers 200 once the domain and rule packs are loaded and a row
can be written to kefu.db (the guard audits there); ``kefu up`` waits for it: if
the NLG service is down, Rasa sends empty messages. Every other route requires the
shared service token and a valid, limited JSON body (:mod:`kefu.servers.auth`);
``kefu serve nlg`` binds to loopback.
"""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union

import yaml
from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, json as json_response

from kefu.guard import Guard, GuardError
from kefu.guard.enforce import guard_outgoing
from kefu.platforms import canonical_platform
from kefu.shop.config import resolve_platform
from kefu.servers.auth import attach_logger, protect, read_service_token
from kefu.servers.health import probe_write
from kefu.settings import PLATFORMS, Settings

logger = logging.getLogger("kefu.servers.nlg")
_PLACEHOLDER = re.compile(r"\{([^{}\s]+)\}")


class NLGError(SanicException):
    """A request the service cannot answer; carries its HTTP status like sanic's own exceptions."""

    status_code = 400


class UnknownResponse(NLGError):
    status_code = 404


class NotReady(NLGError):
    status_code = 503


def load_responses(domain_path: Path) -> Dict[str, List[Dict[str, Any]]]:
    """``responses:`` of a domain file, or of every .yml in a domain directory (as Rasa allows)."""
    paths = sorted(domain_path.rglob("*.yml")) if domain_path.is_dir() else [domain_path]
    responses: Dict[str, List[Dict[str, Any]]] = {}
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a domain file must be a mapping")
        for name, variations in (data.get("responses") or {}).items():
            if not isinstance(variations, list):
                raise ValueError(f"{path}: response {name!r} must be a list of variations")
            responses.setdefault(name, []).extend(v for v in variations if isinstance(v, dict))
    return responses


def _condition_matches(condition: Any, slots: Mapping[str, Any]) -> bool:
    if not isinstance(condition, list):
        return False
    for item in condition:
        if not isinstance(item, dict) or item.get("type", "slot") != "slot":
            return False
        name, wanted = item.get("name"), item.get("value")
        actual = slots.get(name)
        if name == "platform":
            if canonical_platform(actual) != canonical_platform(wanted):
                return False
        elif actual != wanted:
            return False
    return True


def choose_variation(variations: List[Dict[str, Any]], slots: Mapping[str, Any], channel: Optional[str],
                     rng: Optional[random.Random] = None) -> Dict[str, Any]:
    """Conditioned variations that match first, else unconditioned ones; channel-specific ones only on that channel."""
    usable = [v for v in variations if not v.get("channel") or v.get("channel") == channel]
    conditioned = [v for v in usable if v.get("condition") and _condition_matches(v.get("condition"), slots)]
    candidates = conditioned or [v for v in usable if not v.get("condition")]
    if not candidates:
        raise UnknownResponse("no variation of this response applies to the conversation")
    return (rng or random).choice(candidates)


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` from ``values``; names without a value stay as written (like Rasa)."""

    def replace(match: "re.Match[str]") -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(replace, template)


def render(body: Mapping[str, Any], responses: Mapping[str, List[Dict[str, Any]]], settings: Settings,
           rng: Optional[random.Random] = None) -> Dict[str, Any]:
    """The NLG answer for one request body: chosen, filled and guarded."""
    name = body.get("response") or body.get("template")
    if not isinstance(name, str) or not name:
        raise NLGError("the request needs a 'response' name")
    if name not in responses:
        raise UnknownResponse(f"unknown response {name!r}")
    tracker = body.get("tracker") or {}
    if not isinstance(tracker, dict):
        raise NLGError("'tracker' must be an object")
    slots = tracker.get("slots") or {}
    arguments = body.get("arguments") or {}
    if not isinstance(slots, dict) or not isinstance(arguments, dict):
        raise NLGError("'tracker.slots' and 'arguments' must be objects")
    latest = tracker.get("latest_message") or {}
    metadata = (latest.get("metadata") if isinstance(latest, dict) else None) or {}
    channel = (body.get("channel") or {}).get("name") if isinstance(body.get("channel"), dict) else None
    # The channel fixed the platform at the conversation's first message and writes it into every
    # message's metadata; a slot the buyer's words can set never outranks it.
    platform = resolve_platform((metadata if isinstance(metadata, dict) else {}).get("platform"),
                                {"platform": slots.get("platform")})
    slots = {**slots, "platform": platform}
    conversation_id = str(tracker.get("sender_id") or "unknown")
    variation = choose_variation(responses[name], slots, channel, rng)
    values = {**{k: v for k, v in slots.items() if v is not None}, **arguments}
    source = f"nlg:{name}"

    def guarded(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        return guard_outgoing(fill(text, values), platform=platform, conversation_id=conversation_id,
                              source=source, settings=settings).text

    buttons = [
        {**button, "title": guarded(button.get("title"))} if isinstance(button, dict) else button
        for button in variation.get("buttons") or []
    ]
    return {
        "text": guarded(variation.get("text")),
        "buttons": buttons,
        "image": variation.get("image"),
        "elements": variation.get("elements") or [],
        "attachments": variation.get("attachments") or [],
        "custom": _guard_custom(variation.get("custom") or {}, guarded),
    }


def _guard_custom(value: Any, guarded: Any) -> Any:
    if isinstance(value, str):
        return guarded(value)
    if isinstance(value, list):
        return [_guard_custom(item, guarded) for item in value]
    if isinstance(value, dict):
        return {key: _guard_custom(item, guarded) for key, item in value.items()}
    return value


def create_app(settings: Optional[Settings] = None, domain_path: Union[str, Path, None] = None,
               name: str = "kefu_nlg") -> Sanic:
    """The NLG app. Domain and rule packs are loaded in ``before_server_start``, not here."""
    settings = settings or Settings.from_env()
    domain = Path(domain_path) if domain_path is not None else settings.root / "domain.yml"
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    attach_logger(app, logger)
    protect(app, lambda: read_service_token(settings))

    @app.listener("before_server_start")
    async def load(app: Sanic, _loop: Any) -> None:
        app.ctx.settings = settings
        app.ctx.responses = None
        app.ctx.error = None
        try:
            app.ctx.responses = load_responses(domain)
            for platform in PLATFORMS:  # build every automaton now, not on the first message
                Guard.for_platform(platform, settings.rules_dir)
            logger.info("NLG service ready: %d responses from %s", len(app.ctx.responses), domain)
        except (OSError, ValueError, yaml.YAMLError, GuardError) as exc:
            app.ctx.error = f"cannot load {domain} or the rule packs: {exc}"
            logger.error(app.ctx.error)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        if request.app.ctx.error:
            return json_response({"status": "error", "detail": request.app.ctx.error}, status=503)
        problem = probe_write(request.app.ctx.settings.db_path, "nlg")
        if problem:
            return json_response({"status": "error", "detail": problem}, status=503)
        return json_response({"status": "ok", "responses": len(request.app.ctx.responses or {})})

    @app.post("/nlg")
    async def nlg(request: Request) -> HTTPResponse:
        if request.app.ctx.error or request.app.ctx.responses is None:
            raise NotReady(request.app.ctx.error or "not ready")
        body = request.ctx.body  # parsed and limited by kefu.servers.auth.protect
        if not isinstance(body, dict):
            raise NLGError("the body must be a JSON object")
        return json_response(render(body, request.app.ctx.responses, request.app.ctx.settings))

    @app.exception(NLGError)
    async def nlg_error(request: Request, exc: NLGError) -> HTTPResponse:
        return json_response({"error": type(exc).__name__, "message": str(exc)}, status=exc.status_code)

    return app
