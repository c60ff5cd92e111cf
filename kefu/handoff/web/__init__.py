"""The agent workbench (``/console``) and the buyer web chat (``/chat``): one sanic app.

``create_app(settings=None)`` builds it from blueprints, one module per area:

- ``auth_routes``: login (throttled per account and address), logout;
- ``console``: the workbench pages (chats, history, tasks, agents, reports);
- ``api``: the workbench's JSON API and its live Server-Sent-Events stream;
- ``admin``: agent management (supervisors only);
- ``reports``: 质检 and analytics (page and JSON);
- ``chat``: the buyer web chat and Rasa's callback channel;
- ``media``: images from buyers and agents, product and order cards;
- ``static``: the console's CSS and JS.

Shared resources live on ``app.ctx`` and are opened in ``before_server_start``;
the ticket sync task (``kefu.handoff.sync``) follows the event feed Rasa's broker publishes and
publishes live events. Security model (docs/workbench.md): every path except
``/login``, ``/static``, ``/chat*`` and ``/health`` needs an agent session, enforced
once in a request middleware; every POST carries the session's CSRF token;
cookies are HttpOnly, SameSite=Strict, and Secure behind HTTPS.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from kefu.handoff.rasa_client import RasaClient, RasaError
from kefu.tickets.store import TicketError
from kefu.handoff.web.common import MAX_BODY_BYTES, SESSION_COOKIE, ApiError, guard_check, is_loopback, jsonr
from kefu.settings import Settings
from kefu.handoff.web import admin, api, assign, auth_routes, chat, console, media, reports, static
from kefu.tickets.assignment import Assigner, AssignmentStore
from kefu.handoff.auth import AgentStore
from kefu.handoff.chatlog import ChatLog
from kefu.handoff.live import LiveHub
from kefu.handoff.media import MediaStore
from kefu.handoff.outbox import Outbox
from kefu.handoff.phrases import PhraseStore, load_phrases
from kefu.handoff.profile import ProfileStore
from kefu.handoff.satisfaction import SatisfactionStore
from kefu.tickets.response_rules import load_response_rules
from kefu.feed import EventFeed
from kefu.handoff.sync import TicketSync
from kefu.handoff.throttle import LoginThrottle
from kefu.tickets.store import TicketStore
from kefu.edge.texts import reply as edge_reply
from kefu.handoff.web.chat import callback_secret, guarded_for_page, secret_key
from kefu.inbox.webchat import WebChatInbox
from kefu.orders.ownership import ProofAttempts
from kefu.tasks.store import TaskStore
from kefu.tokens import same_secret

log = logging.getLogger("kefu.handoff.web")

HERE = Path(__file__).resolve().parent.parent
PUBLIC_PREFIXES = ("/login", "/static/", "/chat", "/health")
SYNC_SECONDS = 1.0
_app_names = itertools.count(1)

__all__ = ["create_app", "is_loopback"]


def create_app(
    settings: Optional[Settings] = None,
    *,
    rasa: Optional[RasaClient] = None,
    sync_seconds: float = SYNC_SECONDS,
    checker: Callable[[str, str], Dict[str, Any]] = guard_check,
) -> Sanic:
    """Build the web app. ``rasa`` defaults to a client for ``settings.rasa_url``."""
    settings = settings or Settings.from_env()
    app = Sanic(f"kefu_web_{next(_app_names)}")
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.RESPONSE_TIMEOUT = 3600  # the live event stream stays open
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 3  # ...so stopping must not wait for open consoles
    app.ctx.settings = settings
    app.ctx.checker = checker
    app.ctx.templates = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                                    autoescape=select_autoescape(default=True, default_for_string=True))
    for blueprint in (auth_routes.bp, console.bp, api.bp, assign.bp, admin.bp, reports.bp, chat.bp, media.bp, static.bp):
        app.blueprint(blueprint)

    @app.before_server_start
    async def open_resources(app: Sanic, _loop: Any) -> None:
        _open_resources(app, settings, rasa)

    @app.after_server_start
    async def start_sync(app: Sanic, _loop: Any) -> None:
        if sync_seconds > 0:
            app.add_task(api.sync_loop(app, sync_seconds))
        app.add_task(app.ctx.webchat.run())  # web-chat messages that wait for Rasa

    @app.get("/health")
    async def health(request: Request) -> response.HTTPResponse:
        """503 ``degraded`` when buyer messages cannot be stored now (a full disk: kept in memory meanwhile)."""
        webchat = getattr(request.app.ctx, "webchat", None)
        problems = [p for p in (webchat.inbox.degraded if webchat else None,
                                f"web chat: {webchat.lines.waiting} chat line(s) kept in memory"
                                if webchat and webchat.lines.waiting else None) if p]
        if problems:
            return jsonr({"status": "degraded", "service": "kefu-web", "detail": "; ".join(problems)}, 503)
        return jsonr({"status": "ok", "service": "kefu-web"})

    @app.get("/")
    async def root(_request: Request) -> response.HTTPResponse:
        return response.redirect("/console")

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> response.HTTPResponse:
        return _error_response(request, exc)

    @app.on_request
    async def authenticate(request: Request) -> Optional[response.HTTPResponse]:
        return _authenticate(app, request)

    return app


def _open_resources(app: Sanic, settings: Settings, rasa: Optional[RasaClient]) -> None:
    app.ctx.tickets = TicketStore(settings.db_path)
    app.ctx.agents = AgentStore(settings.db_path)
    app.ctx.chat = ChatLog(settings.db_path)
    app.ctx.tasks = TaskStore(settings.db_path)
    app.ctx.proofs = ProofAttempts(settings.db_path)  # order-proof attempts: the audit of lock-outs
    app.ctx.rasa = rasa or RasaClient.from_settings(settings)
    app.ctx.secret = secret_key(settings)
    app.ctx.callback_secret = callback_secret(app.ctx.secret)
    app.ctx.shop = _open_shop(settings)
    # Both files are validated here, so a bad shop.yml section or phrase stops the start with its reason.
    app.ctx.rules = load_response_rules(settings.shop_config_path)
    app.ctx.phrases = load_phrases(settings.phrases_path)
    app.ctx.hub = LiveHub()
    app.ctx.ratings = SatisfactionStore(settings.db_path)
    app.ctx.profiles = ProfileStore(settings.db_path)
    app.ctx.outbox = Outbox(settings.db_path)
    app.ctx.media = MediaStore(settings.db_path, settings.state_dir / "media")
    app.ctx.phrase_store = PhraseStore(settings.db_path)
    app.ctx.assignments = AssignmentStore(settings.db_path)
    app.ctx.assigner = Assigner(app.ctx.tickets, app.ctx.assignments, app.ctx.agents, app.ctx.rules,
                                shop=_shop_name(settings))
    app.ctx.sync = TicketSync(app.ctx.tickets, EventFeed(settings.db_path))
    app.ctx.throttle = LoginThrottle()
    app.ctx.chat_platforms = {}  # web-chat conversation -> the platform its buyer picked
    app.ctx.webchat = WebChatInbox(settings, chat=app.ctx.chat, tickets=app.ctx.tickets,
                                   holding=lambda conv: guarded_for_page(app.ctx, conv, edge_reply("holding")))


def _shop_name(settings: Settings) -> Optional[str]:
    """The shop's name, which skill groups may name (``shops:``); None when shop.yml has none."""
    try:
        from kefu.shop.config import load_shop_config

        return load_shop_config(settings.shop_config_path).name
    except Exception:
        return None


def _open_shop(settings: Settings) -> Any:
    try:
        from kefu.shop.store import ShopStore

        return ShopStore(settings.db_path)
    except Exception:  # shop data not loaded: the console still works, without details
        log.warning("shop data unavailable; chats show no product/order details")
        return None


def _error_response(request: Request, exc: Exception) -> response.HTTPResponse:
    """Always a clear JSON 4xx (or a logged 500 without details), never a traceback."""
    if isinstance(exc, ApiError):
        return jsonr({"error": exc.code, "message": str(exc), **exc.extra}, exc.status_code)
    if isinstance(exc, (TicketError, RasaError)):
        code = "rasa_unavailable" if isinstance(exc, RasaError) else type(exc).__name__
        message = "暂时无法连接机器人服务，请稍后重试" if isinstance(exc, RasaError) else str(exc)
        return jsonr({"error": code, "message": message}, exc.status_code)
    if isinstance(exc, OverflowError):  # a path integer beyond SQLite's range: no such record
        return jsonr({"error": "not_found", "message": "记录不存在"}, 404)
    if isinstance(exc, SanicException):
        status = getattr(exc, "status_code", 500) or 500
        return jsonr({"error": type(exc).__name__, "message": str(exc) if status < 500 else "server error"}, status)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return jsonr({"error": "server_error", "message": "服务器内部错误，请查看 web 日志"}, 500)


def _authenticate(app: Sanic, request: Request) -> Optional[response.HTTPResponse]:
    request.ctx.session = None
    path = request.path
    if any(path == p.rstrip("/") or path.startswith(p) for p in PUBLIC_PREFIXES):
        return None
    session = app.ctx.agents.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        if path.startswith("/api/"):
            return jsonr({"error": "unauthorized", "message": "请先登录"}, 401)
        return response.redirect("/login")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("x-csrf-token") or (request.form.get("csrf_token") if request.form else None)
        if not same_secret(sent, session.csrf):
            return jsonr({"error": "csrf", "message": "页面已过期，请刷新后重试"}, 403)
    request.ctx.session = session
    return None
