"""The agent console (``/console``) and the buyer web chat (``/chat``): one sanic app.

App factory: ``create_app(settings=None)``; ``kefu up`` serves it on ``KEFU_WEB_PORT``.
Resources (stores, Rasa client, guard) live on ``app.ctx`` and are opened in
``before_server_start``; a background task syncs the buyer's messages of open
tickets from Rasa's tracker every few seconds (Rasa tells nobody about
messages it receives while a conversation is paused).

Security model (docs/handoff.md):
- every path except ``/login``, ``/static``, ``/chat*`` and ``/health`` needs an
  agent session (pages -> 302 to /login, ``/api`` -> 401 JSON), enforced once in
  a request middleware rather than per route, so a new route cannot forget it;
- every POST carries the session's CSRF token (header ``X-CSRF-Token`` or form
  field ``csrf_token``); cookies are HttpOnly and SameSite=Strict;
- ``/chat/callback`` accepts loopback callers, or anyone presenting the shared
  secret as ``?secret=``;
- templates autoescape, the JS writes data with ``textContent`` only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import itertools
import json
import logging
import re
import secrets
import time
from datetime import date, datetime
from ipaddress import ip_address
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from kefu.handoff.auth import AgentStore, Session
from kefu.handoff.chatlog import ChatLog
from kefu.handoff.rasa_client import RasaClient, RasaError
from kefu.handoff.replies import reply
from kefu.handoff.tickets import Ticket, TicketError, TicketStore, transcript_from_events
from kefu.platforms import canonical_platform
from kefu.settings import PLATFORMS, Settings

log = logging.getLogger("kefu.handoff.web")

HERE = Path(__file__).parent
SESSION_COOKIE = "kefu_session"
LOGIN_COOKIE = "kefu_login"
CHAT_COOKIE = "kefu_chat"
PUBLIC_PREFIXES = ("/login", "/static/", "/chat", "/health")
MAX_BODY_BYTES = 64 * 1024
MAX_REPLY_CHARS = 1000
MAX_CHAT_CHARS = 1000
SYNC_SECONDS = 3.0
PHONE = re.compile(r"(?<!\d)((?:\+?86[-\s]?)?1[3-9]\d)([-\s]?\d{4})[-\s]?(\d{4})(?!\d)")
_app_names = itertools.count(1)


class ApiError(SanicException):
    """An error answered as JSON ``{"error": code, "message": ...}`` with its status."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message, status_code=status)
        self.code = code
        self.extra = extra


def mask_phones(text: str) -> str:
    """138 1234 5678 -> 138****5678 (the console shows masked numbers unless revealed)."""
    return PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def jsonr(body: Any, status: int = 200) -> response.HTTPResponse:
    return response.json(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False, default=_json_default))


def _secret_key(settings: Settings) -> str:
    """The app's signing secret: KEFU_SECRET_KEY, else generated once into the state folder (0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.state_dir / "web-secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def _is_loopback(ip: str) -> bool:
    try:
        return ip_address(ip).is_loopback
    except ValueError:
        return False


def _set_cookie(resp: response.HTTPResponse, name: str, value: str, max_age: Optional[int] = None) -> None:
    resp.cookies[name] = value
    resp.cookies[name]["httponly"] = True
    resp.cookies[name]["samesite"] = "Strict"
    resp.cookies[name]["path"] = "/"
    if max_age is not None:
        resp.cookies[name]["max-age"] = max_age


def read_json(request: Request, required: tuple = ()) -> Dict[str, Any]:
    """The request body as a JSON object; 400 with a clear message otherwise."""
    if not request.body:
        raise ApiError(400, "empty_body", "请求内容为空（需要一个 JSON 对象）")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "请求内容必须是 JSON 对象")
    for key in required:
        if key not in data:
            raise ApiError(400, "missing_field", f"缺少字段 {key}")
    return data


def text_field(data: Dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "empty_text", f"{key} 不能为空")
    if len(value) > limit:
        raise ApiError(413, "too_long", f"{key} 有 {len(value)} 个字符，超过上限 {limit}")
    return value.strip()


def guard_check(platform: str, text: str) -> Dict[str, Any]:
    """The guard's verdict for ``text`` on ``platform`` as JSON-ready data."""
    from kefu.guard import Guard  # lazy: the guard builds its automata on first use

    result = Guard.for_platform(platform).check(text)
    return {
        "platform": platform,
        "text": text,
        "verdict": result.verdict,
        "rewritten": result.rewritten,
        "violations": [
            {"category": v.category, "term": v.term, "start": v.start, "end": v.end, "action": v.action}
            for v in result.violations
        ],
    }


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
    app.ctx.settings = settings
    app.ctx.checker = checker
    templates = Environment(
        loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True, default_for_string=True)
    )
    app.static("/static", str(HERE / "static"), name="static")

    @app.before_server_start
    async def open_resources(app: Sanic, _loop: Any) -> None:
        app.ctx.tickets = TicketStore(settings.db_path)
        app.ctx.agents = AgentStore(settings.db_path)
        app.ctx.chat = ChatLog(settings.db_path)
        app.ctx.rasa = rasa or RasaClient.from_settings(settings)
        app.ctx.secret = _secret_key(settings)
        app.ctx.callback_secret = hmac.new(app.ctx.secret.encode(), b"callback", hashlib.sha256).hexdigest()
        app.ctx.shop = _open_shop(settings)

    @app.after_server_start
    async def start_sync(app: Sanic, _loop: Any) -> None:
        if sync_seconds > 0:
            app.add_task(_sync_loop(app, sync_seconds))

    def render(name: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        html = templates.get_template(name).render(platforms=PLATFORMS, **context)
        return response.html(html, status=status)

    # --- errors: always a clear 4xx/5xx, never a traceback -----------------------------------------

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> response.HTTPResponse:
        if isinstance(exc, ApiError):
            return jsonr({"error": exc.code, "message": str(exc), **exc.extra}, exc.status_code)
        if isinstance(exc, (TicketError, RasaError)):
            code = "rasa_unavailable" if isinstance(exc, RasaError) else type(exc).__name__
            return jsonr({"error": code, "message": str(exc)}, exc.status_code)
        if isinstance(exc, SanicException):
            status = getattr(exc, "status_code", 500) or 500
            return jsonr({"error": type(exc).__name__, "message": str(exc) if status < 500 else "server error"}, status)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonr({"error": "server_error", "message": "internal error; see the web app's log"}, 500)

    # --- authentication and CSRF, for every route at once ---------------------------------------

    @app.on_request
    async def authenticate(request: Request) -> Optional[response.HTTPResponse]:
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
            if not sent or not hmac.compare_digest(str(sent), session.csrf):
                return jsonr({"error": "csrf", "message": "页面已过期，请刷新后重试"}, 403)
        request.ctx.session = session
        return None

    def agent_of(request: Request) -> Session:
        return request.ctx.session

    # --- health, login, logout --------------------------------------------------------------------

    @app.get("/health")
    async def health(_request: Request) -> response.HTTPResponse:
        return jsonr({"status": "ok", "service": "kefu-web"})

    @app.get("/login")
    async def login_page(request: Request) -> response.HTTPResponse:
        # Reuse the browser's login token: a parallel GET (e.g. favicon -> redirect here)
        # must not replace the token the visible form carries.
        existing = request.cookies.get(LOGIN_COOKIE) or ""
        token = existing if 20 <= len(existing) <= 64 else secrets.token_urlsafe(24)
        resp = render("login.html", csrf_token=token, error=None)
        _set_cookie(resp, LOGIN_COOKIE, token, max_age=3600)
        return resp

    @app.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        form = request.form or {}
        sent, expected = form.get("csrf_token"), request.cookies.get(LOGIN_COOKIE)
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            return jsonr({"error": "csrf", "message": "页面已过期，请刷新登录页后重试"}, 403)
        name, password = form.get("name") or "", form.get("password") or ""
        result = await asyncio.to_thread(app.ctx.agents.login, name, password)
        if result is None:
            log.info("console login failed for an agent name of %d characters", len(name))
            resp = render("login.html", status=401, csrf_token=expected, error="用户名或密码不正确")
            return resp
        token, session = result
        log.info("agent %s logged in", session.agent)
        resp = response.redirect("/console")
        _set_cookie(resp, SESSION_COOKIE, token, max_age=app.ctx.agents.session_seconds)
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> response.HTTPResponse:
        app.ctx.agents.logout(request.cookies.get(SESSION_COOKIE))
        resp = response.redirect("/login")
        del resp.cookies[SESSION_COOKIE]
        return resp

    # --- console pages ----------------------------------------------------------------------------

    @app.get("/")
    async def root(_request: Request) -> response.HTTPResponse:
        return response.redirect("/console")

    @app.get("/console")
    async def console(request: Request) -> response.HTTPResponse:
        session = agent_of(request)
        return render("queue.html", agent=session.agent, csrf_token=session.csrf)

    @app.get("/console/tickets/<ticket_id:int>")
    async def ticket_page(request: Request, ticket_id: int) -> response.HTTPResponse:
        session = agent_of(request)
        ticket = app.ctx.tickets.get(ticket_id)
        return render("ticket.html", agent=session.agent, csrf_token=session.csrf, ticket=ticket)

    # --- console API ------------------------------------------------------------------------------

    @app.get("/api/tickets")
    async def api_queue(request: Request) -> response.HTTPResponse:
        now = time.time()
        tickets = [_ticket_summary(t, now) for t in app.ctx.tickets.queue()]
        return jsonr({"tickets": tickets, "agent": agent_of(request).agent})

    @app.get("/api/tickets/<ticket_id:int>")
    async def api_ticket(request: Request, ticket_id: int) -> response.HTTPResponse:
        ticket = app.ctx.tickets.get(ticket_id)
        if ticket.status != "closed":
            await _sync_ticket(app, ticket)
        return jsonr(_ticket_detail(app, app.ctx.tickets.get(ticket_id), reveal=False))

    @app.post("/api/tickets/<ticket_id:int>/claim")
    async def api_claim(request: Request, ticket_id: int) -> response.HTTPResponse:
        ticket = app.ctx.tickets.claim(ticket_id, agent_of(request).agent)
        log.info("agent %s claimed ticket %s", ticket.agent, ticket_id)
        return jsonr(_ticket_detail(app, ticket, reveal=False))

    @app.post("/api/tickets/<ticket_id:int>/release")
    async def api_release(request: Request, ticket_id: int) -> response.HTTPResponse:
        ticket = app.ctx.tickets.release(ticket_id, agent_of(request).agent)
        return jsonr(_ticket_detail(app, ticket, reveal=False))

    @app.post("/api/tickets/<ticket_id:int>/reveal")
    async def api_reveal(request: Request, ticket_id: int) -> response.HTTPResponse:
        agent = agent_of(request).agent
        ticket = app.ctx.tickets.require_holder(ticket_id, agent)
        app.ctx.tickets.audit("reveal_personal_data", agent=agent, ticket_id=ticket_id)
        log.info("agent %s revealed personal data of ticket %s", agent, ticket_id)
        return jsonr(_ticket_detail(app, ticket, reveal=True))

    @app.post("/api/check")
    async def api_check(request: Request) -> response.HTTPResponse:
        data = read_json(request, required=("text",))
        text = text_field(data, "text", MAX_REPLY_CHARS)
        platform = _platform_for(app, data)
        return jsonr(app.ctx.checker(platform, text))

    @app.post("/api/tickets/<ticket_id:int>/reply")
    async def api_reply(request: Request, ticket_id: int) -> response.HTTPResponse:
        agent = agent_of(request).agent
        data = read_json(request, required=("text",))
        text = text_field(data, "text", MAX_REPLY_CHARS)
        ticket = app.ctx.tickets.require_holder(ticket_id, agent)
        check = app.ctx.checker(ticket.platform, text)
        if check["verdict"] == "blocked":
            raise ApiError(422, "blocked", "这条回复违反平台规则，没有发送，请修改后再发", check=check)
        if check["verdict"] == "rewritten":
            if data.get("accept_rewrite") is not True:
                raise ApiError(422, "rewrite_required", "请先接受建议的改写，再发送", check=check)
            text = check["rewritten"]
            recheck = app.ctx.checker(ticket.platform, text)
            if recheck["verdict"] != "pass":
                raise ApiError(422, "blocked", "改写后仍违反平台规则，请修改回复", check=recheck)
        await asyncio.to_thread(app.ctx.rasa.push_agent_reply, ticket.conversation_id, text, agent)
        app.ctx.tickets.add_agent_reply(ticket_id, agent, text)
        log.info("agent %s replied on ticket %s (%d chars)", agent, ticket_id, len(text))
        return jsonr({"sent": text, "verdict": check["verdict"]})

    @app.post("/api/tickets/<ticket_id:int>/close")
    async def api_close(request: Request, ticket_id: int) -> response.HTTPResponse:
        agent = agent_of(request).agent
        data = read_json(request)
        outcome = data.get("outcome", "resolved")
        if not isinstance(outcome, str) or not outcome.strip() or len(outcome) > 200:
            raise ApiError(400, "bad_outcome", "请选择处理结果")
        ticket = app.ctx.tickets.require_holder(ticket_id, agent)
        handback = reply("handback")
        check = app.ctx.checker(ticket.platform, handback)
        if check["verdict"] == "rewritten":
            handback = check["rewritten"]
        elif check["verdict"] == "blocked":
            handback = None  # never send a non-compliant line; resume silently
        await asyncio.to_thread(app.ctx.rasa.resume, ticket.conversation_id, handback)
        ticket = app.ctx.tickets.close(ticket_id, agent, outcome.strip())
        log.info("agent %s closed ticket %s: %s", agent, ticket_id, ticket.outcome)
        return jsonr(_ticket_detail(app, ticket, reveal=False))

    @app.get("/api/conversations/<conversation_id:str>/delivered")
    async def api_delivered(request: Request, conversation_id: str) -> response.HTTPResponse:
        """Messages Rasa called back with for a conversation (what the buyer was sent)."""
        after = _int_arg(request, "after")
        return jsonr({"messages": app.ctx.chat.after(conversation_id, after)})

    # --- buyer web chat ---------------------------------------------------------------------------

    def chat_identity(request: Request) -> tuple:
        token = request.cookies.get(CHAT_COOKIE)
        if not token or len(token) > 100:
            raise ApiError(403, "no_chat_session", "请先打开聊天页面")
        conv = "web-" + hashlib.sha256(token.encode()).hexdigest()[:20]
        csrf = hmac.new(app.ctx.secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        return conv, csrf

    @app.get("/chat")
    async def chat_page(request: Request) -> response.HTTPResponse:
        token = request.cookies.get(CHAT_COOKIE)
        fresh = not token or len(token) > 100 or request.args.get("new") == "1"
        if fresh:
            token = secrets.token_urlsafe(24)
        conv = "web-" + hashlib.sha256(token.encode()).hexdigest()[:20]
        csrf = hmac.new(app.ctx.secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        products = _products(app)
        resp = render("chat.html", conversation_id=conv, csrf_token=csrf, products=products)
        if fresh:
            _set_cookie(resp, CHAT_COOKIE, token, max_age=7 * 24 * 3600)
        return resp

    @app.post("/chat/send")
    async def chat_send(request: Request) -> response.HTTPResponse:
        conv, csrf = chat_identity(request)
        sent = request.headers.get("x-csrf-token") or ""
        if not hmac.compare_digest(sent, csrf):
            raise ApiError(403, "csrf", "页面已过期，请刷新后重试")
        data = read_json(request, required=("text",))
        text = text_field(data, "text", MAX_CHAT_CHARS)
        metadata: Dict[str, Any] = {}
        platform = canonical_platform(data.get("platform"))
        if data.get("platform") and not platform:
            raise ApiError(400, "bad_platform", f"platform must be one of {', '.join(PLATFORMS)}")
        if platform:
            metadata["platform"] = platform
        product_id = data.get("product_id")
        if product_id:
            if not isinstance(product_id, str) or len(product_id) > 64:
                raise ApiError(400, "bad_product", "product_id must be a short string")
            metadata["product_id"] = product_id
        message_id = app.ctx.chat.add(conv, "buyer", text)
        await asyncio.to_thread(app.ctx.rasa.send_buyer_message, conv, text, metadata)
        return jsonr({"id": message_id, "conversation_id": conv})

    @app.get("/chat/messages")
    async def chat_messages(request: Request) -> response.HTTPResponse:
        conv, _ = chat_identity(request)
        return jsonr({"conversation_id": conv, "messages": app.ctx.chat.after(conv, _int_arg(request, "after"))})

    @app.post("/chat/callback")
    async def chat_callback(request: Request) -> response.HTTPResponse:
        secret = request.args.get("secret")
        trusted = _is_loopback(request.ip) or (secret and hmac.compare_digest(secret, app.ctx.callback_secret))
        if not trusted:
            return jsonr({"error": "forbidden", "message": "callbacks are accepted from loopback or with the secret"}, 403)
        data = read_json(request, required=("recipient_id",))
        recipient = data.get("recipient_id")
        if not isinstance(recipient, str) or not recipient or len(recipient) > 200:
            raise ApiError(400, "bad_recipient", "recipient_id must be a non-empty string")
        text = data.get("text")
        if not isinstance(text, str) or not text:
            # Images/buttons-only messages: keep the payload, show a placeholder-free entry.
            text = ""
        extra = {k: v for k, v in data.items() if k not in ("recipient_id", "text")}
        app.ctx.chat.add(recipient, "bot", text[:10000], json.dumps(extra, ensure_ascii=False)[:10000] if extra else None)
        return jsonr({"stored": True})

    return app


# --- helpers used by the routes -------------------------------------------------------------------


def _int_arg(request: Request, name: str) -> int:
    raw = request.args.get(name, "0")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ApiError(400, "bad_argument", f"{name} must be a whole number") from None
    if value < 0:
        raise ApiError(400, "bad_argument", f"{name} must not be negative")
    return value


def _platform_for(app: Sanic, data: Dict[str, Any]) -> str:
    if data.get("ticket_id") is not None:
        try:
            return app.ctx.tickets.get(int(data["ticket_id"])).platform
        except (TypeError, ValueError):
            raise ApiError(400, "bad_ticket", "ticket_id must be a number") from None
    platform = canonical_platform(data.get("platform"))
    if not platform:
        raise ApiError(400, "bad_platform", f"give ticket_id or a platform ({', '.join(PLATFORMS)})")
    return platform


def _ticket_summary(ticket: Ticket, now: float) -> Dict[str, Any]:
    from kefu.handoff.triggers import REASON_LABELS

    return {
        "id": ticket.id,
        "conversation_id": ticket.conversation_id,
        "platform": ticket.platform,
        "reason": ticket.reason,
        "reason_label": REASON_LABELS.get(ticket.reason, ticket.reason),
        "detail": ticket.detail,
        "priority": ticket.priority,
        "status": ticket.status,
        "agent": ticket.agent,
        "waiting_seconds": round(ticket.waiting_seconds(now)),
        "answer_after": ticket.answer_after,
    }


def _ticket_detail(app: Sanic, ticket: Ticket, reveal: bool) -> Dict[str, Any]:
    data = _ticket_summary(ticket, time.time())
    data.update(product_id=ticket.product_id, order_id=ticket.order_id, outcome=ticket.outcome, revealed=reveal)
    data["transcript"] = [
        {
            "sender": line.sender,
            "text": line.text if reveal else mask_phones(line.text),
            "ts": line.ts,
            "agent": line.agent,
        }
        for line in ticket.transcript
    ]
    data["product"] = _lookup(app, "product", ticket.product_id)
    data["order"] = _lookup(app, "order", ticket.order_id)
    if data["order"] and not reveal:
        data["order"] = json.loads(mask_phones(json.dumps(data["order"], ensure_ascii=False, default=_json_default)))
    return data


def _open_shop(settings: Settings) -> Any:
    try:
        from kefu.shop.store import ShopStore
    except ImportError:
        return None
    try:
        return ShopStore(settings.db_path)
    except Exception:  # shop data not loaded: the console still works, without details
        log.warning("shop data unavailable; tickets show no product/order details")
        return None


def _lookup(app: Sanic, kind: str, key: Optional[str]) -> Optional[Dict[str, Any]]:
    if not key or app.ctx.shop is None:
        return None
    try:
        found = getattr(app.ctx.shop, kind)(key)
    except Exception:  # missing tables etc.: details are a convenience, never an error
        log.debug("shop %s lookup failed for %s", kind, key, exc_info=True)
        return None
    if found is None:
        return None
    return json.loads(json.dumps(found, ensure_ascii=False, default=_json_default))


def _products(app: Sanic) -> List[Dict[str, str]]:
    if app.ctx.shop is None:
        return []
    try:
        return [{"id": p.id, "name": p.name} for p in app.ctx.shop.products()]
    except Exception:
        log.debug("no products for the chat selector", exc_info=True)
        return []


async def _sync_ticket(app: Sanic, ticket: Ticket) -> int:
    """Append what Rasa logged for the conversation (buyer messages while paused) to the ticket."""
    try:
        tracker = await asyncio.to_thread(app.ctx.rasa.tracker, ticket.conversation_id)
    except RasaError as exc:
        log.debug("tracker sync for ticket %s skipped: %s", ticket.id, exc)
        return 0
    added = app.ctx.tickets.append(ticket.id, transcript_from_events(tracker.get("events") or []))
    slots = tracker.get("slots") or {}
    if (not ticket.product_id and slots.get("product_id")) or (not ticket.order_id and slots.get("order_id")):
        app.ctx.tickets.conn.execute(
            "UPDATE handoff_tickets SET product_id = COALESCE(product_id, ?), order_id = COALESCE(order_id, ?)"
            " WHERE id = ?",
            (slots.get("product_id"), slots.get("order_id"), ticket.id),
        )
    return added


async def _sync_loop(app: Sanic, every: float) -> None:
    while True:
        try:
            for ticket in app.ctx.tickets.queue():
                await _sync_ticket(app, ticket)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("ticket sync failed; retrying", exc_info=True)
        await asyncio.sleep(every)
