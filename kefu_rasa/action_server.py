"""The action server: rasa-sdk's app, private to Rasa.

``rasa_sdk`` has no authentication and listens on 0.0.0.0 by default, so anyone
who reached port 5055 could read tracking numbers and change addresses without
Rasa (issue 9 #3). :func:`create_app` wraps ``rasa_sdk.endpoint.create_app`` with
kefu's service protection (:func:`kefu.servers.auth.protect`: shared token, body
limit, strict JSON), checks the shape of an action call before rasa-sdk reads it,
replaces rasa-sdk's error handler (which echoed the whole tracker back and into the
log), and gives ``/health`` a real write to kefu.db. ``python -m kefu_rasa.action_server``
(what ``kefu up`` starts) binds it to loopback. It lives in kefu_rasa because it imports rasa-sdk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

from rasa_sdk.endpoint import create_app as sdk_create_app
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json as json_response

from kefu.edge.validation import EdgeError
from kefu.servers.auth import attach_logger, protect, read_service_token
from kefu.servers.health import probe_write
from kefu.settings import Settings
from kefu.stack import LOOPBACK

logger = logging.getLogger("kefu_rasa.action_server")
MAX_ACTION_NAME = 200


# Python types a slot of each Rasa slot type can hold (None: not set). ``any`` holds anything.
SLOT_TYPES = {"text": (str,), "categorical": (str,), "float": (int, float), "bool": (bool,), "list": (list,)}


def load_slot_types(domain_path: Path) -> Dict[str, str]:
    """``{slot: rasa type}`` from the domain file the actions were written for."""
    data = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    slots = data.get("slots") or {}
    return {name: str(spec.get("type", "any")) for name, spec in slots.items() if isinstance(spec, dict)}


def _check_slots(slots: Dict[str, Any], slot_types: Dict[str, str]) -> None:
    for name, value in slots.items():
        allowed = SLOT_TYPES.get(slot_types.get(name, "any"))
        if value is not None and allowed and (not isinstance(value, allowed) or isinstance(value, bool)
                                              and bool not in allowed):
            raise EdgeError(f"slot {str(name)[:40]!r} must be {slot_types[name]}, not {type(value).__name__}")


def validate_action_call(body: Any, slot_types: Optional[Dict[str, str]] = None) -> None:
    """The fields rasa-sdk reads without checking; an :class:`EdgeError` names the first one wrong.
    Slot values must have their domain type (Rasa's trackers always do; a forged call may not)."""
    if not isinstance(body, dict):
        raise EdgeError("an action call must be a JSON object")
    name = body.get("next_action")
    if not isinstance(name, str) or not name or len(name) > MAX_ACTION_NAME:
        raise EdgeError("'next_action' must be an action name")
    tracker = body.get("tracker")
    if not isinstance(tracker, dict):
        raise EdgeError("'tracker' must be an object")
    if not isinstance(tracker.get("sender_id"), str) or not tracker["sender_id"]:
        raise EdgeError("'tracker.sender_id' must be a string")
    # Rasa always sends these three; an action must not have to guess.
    for key, kind in (("slots", dict), ("latest_message", dict), ("events", list)):
        if not isinstance(tracker.get(key), kind):
            raise EdgeError(f"'tracker.{key}' must be {'an object' if kind is dict else 'a list'}")
    for event in tracker.get("events") or []:
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise EdgeError("every tracker event must be an object with an 'event' name")
        if event["event"] == "user":
            _check_user_message(event.get("parse_data") or {}, "a user event's parse_data")
    _check_user_message(tracker.get("latest_message") or {}, "'tracker.latest_message'")
    _check_slots(tracker["slots"], slot_types or {})
    if "domain" in body and body["domain"] is not None and not isinstance(body["domain"], dict):
        raise EdgeError("'domain' must be an object")
    if "version" in body and body["version"] is not None and not isinstance(body["version"], str):
        raise EdgeError("'version' must be a string")


def _check_user_message(message: Any, where: str) -> None:
    """The parts of a parsed user message actions read: as Rasa writes them, or refused."""
    if not isinstance(message, dict):
        raise EdgeError(f"{where} must be an object")
    expected = (("text", str), ("intent", dict), ("entities", list), ("metadata", dict))
    for key, kind in expected:
        if message.get(key) is not None and not isinstance(message[key], kind):
            raise EdgeError(f"{where}.{key} has the wrong type")
    if any(not isinstance(entity, dict) for entity in message.get("entities") or []):
        raise EdgeError(f"{where}.entities must be objects")
    intent = message.get("intent") or {}
    if intent.get("name") is not None and not isinstance(intent["name"], str):
        raise EdgeError(f"{where}.intent.name must be a string")


def create_app(settings: Optional[Settings] = None, action_package: str = "actions") -> Sanic:
    """rasa-sdk's action app with the token, limits, validation and a write-checking /health."""
    settings = settings or Settings.from_env()
    slot_types = load_slot_types(settings.root / "domain.yml")
    app = sdk_create_app(action_package, cors_origins=None)
    attach_logger(app, logger)
    protect(app, lambda: read_service_token(settings))

    @app.on_request
    async def check_call(request: Request) -> Optional[HTTPResponse]:
        if request.path == "/webhook" and request.method == "POST" and hasattr(request.ctx, "body"):
            try:
                validate_action_call(request.ctx.body, slot_types)
            except EdgeError as exc:
                return json_response(exc.as_json(), status=exc.status_code)
            request.parsed_json = request.ctx.body
        return None

    # rasa-sdk's /health says "ok" while kefu.db is read-only: its handler becomes a real write.
    async def health(request: Request) -> HTTPResponse:
        problem = probe_write(settings.db_path, "actions")
        if problem:
            return json_response({"status": "error", "detail": problem}, status=503)
        return json_response({"status": "ok"})

    for route in app.router.routes:
        if route.path.strip("/") == "health":
            route.handler = health
    return app


def main() -> int:
    """Serve the action app on loopback in the foreground (started by ``kefu up``)."""
    settings = Settings.from_env()
    create_app(settings).run(host=LOOPBACK, port=settings.action_port, access_log=False, motd=False, workers=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
