"""What kefu's internal service (the action server) requires of every caller but /health.

Rasa is their only client. It sends the shared token from ``endpoints.yml``
(``token:`` -> ``?token=``); the token is generated once into the state folder
(``service-token``, 0600) by :func:`ensure_service_token`, and each service reads
it from there. Bodies are limited and validated (:mod:`kefu.edge.validation`)
before any handler, so a hostile request gets a 4xx JSON error, never a trace.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Callable, Collection, Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json as json_response

from kefu.edge.validation import EdgeError, Unauthorized, parse_json_body
from kefu.settings import Settings
from kefu.tokens import same_secret

TOKEN_NAME = "service-token"
TOKEN_ENV = "KEFU_SERVICE_TOKEN"
# A tracker of a long conversation is a few hundred kilobytes; nothing legitimate is near this.
MAX_SERVICE_BODY_BYTES = 4 * 1024 * 1024
MAX_SERVICE_JSON_DEPTH = 48


def service_token_file(settings: Settings) -> Path:
    return settings.state_dir / TOKEN_NAME


def write_private(path: Path, text: str) -> None:
    """Create or replace ``path`` readable by its owner only (0600 from the first byte)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_service_token(settings: Settings) -> str:
    """The shared token of the internal services: generated on first run, then reused."""
    path = service_token_file(settings)
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token
    token = secrets.token_urlsafe(32)
    write_private(path, token + "\n")
    return token


def read_service_token(settings: Settings) -> str:
    """The token a service checks: from ``KEFU_SERVICE_TOKEN`` or the state folder (created if missing)."""
    return os.environ.get(TOKEN_ENV, "").strip() or ensure_service_token(settings)


def presented_token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.args.get("token", "") or ""


def protect(app: Sanic, token_source: Callable[[], str], *, open_paths: Collection[str] = ("/health",),
            max_bytes: int = MAX_SERVICE_BODY_BYTES, max_depth: int = MAX_SERVICE_JSON_DEPTH) -> None:
    """Token check, body limit and JSON validation before every route except ``open_paths``.

    A validated body is left in ``request.ctx.body``; handlers read it from there.
    """
    app.config.REQUEST_MAX_SIZE = max_bytes

    @app.on_request
    async def check(request: Request) -> Optional[HTTPResponse]:
        if request.path in open_paths:
            return None
        try:
            expected = app.ctx.service_token if hasattr(app.ctx, "service_token") else token_source()
            app.ctx.service_token = expected
            if not same_secret(presented_token(request), expected):
                raise Unauthorized("a valid service token is required")
            if request.method == "POST":
                if request.headers.get("content-encoding", "identity").lower() not in ("", "identity"):
                    raise EdgeError("compressed bodies are not accepted")
                request.ctx.body = parse_json_body(request.body, max_bytes=max_bytes, max_depth=max_depth)
        except EdgeError as exc:
            return json_response(exc.as_json(), status=exc.status_code)
        return None

    @app.exception(Exception)
    async def any_error(request: Request, exc: Exception) -> HTTPResponse:
        status = getattr(exc, "status_code", 500)
        if not isinstance(status, int) or status < 400:
            status = 500
        if status >= 500:
            import traceback

            from kefu.edge.redact import redact_log_text

            trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            app.ctx.logger.error("%s %s failed: %s", request.method, request.path, redact_log_text(trace))
            return json_response({"error": "internal_error", "message": "the service failed; see its log"},
                                 status=500)
        return json_response({"error": type(exc).__name__, "message": str(exc)[:200]}, status=status)


def attach_logger(app: Sanic, logger: Any) -> None:
    app.ctx.logger = logger
