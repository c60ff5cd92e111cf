"""The buyer web chat (``/chat``) and Rasa's callback channel (``/chat/callback``).

The chat addresses its conversation by the id every edge uses
(``kefu.edge.ids.safe_conversation_id``), so the callback, the ticket and the
console agree. ``/chat/callback`` requires the shared secret, sent by Rasa as
``?secret=`` in the callback URL: :func:`callback_url` is what ``kefu up`` puts
into ``KEFU_CALLBACK_URL`` (credentials.yml). Loopback is not trusted: any local
process could otherwise write into a buyer's chat. What arrives is guarded once
more for the conversation's platform before the buyer's page shows it (the
page's single exit; a rewrite or block is audited with source ``callback``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from typing import Any, Dict, List, Tuple

from sanic import Blueprint, response
from sanic.request import Request

from kefu.edge.ids import safe_conversation_id
from kefu.edge.validation import normalise_text
from kefu.handoff.replies import reply
from kefu.handoff.web.common import CHAT_COOKIE, ApiError, clean_string, int_arg, internal_id, jsonr, read_json, \
    render, set_cookie, text_field
from kefu.platforms import canonical_platform
from kefu.settings import Settings
from kefu.guard.enforce import guard_outgoing
from kefu.shop.config import default_platform
from kefu.tokens import same_secret

log = logging.getLogger("kefu.handoff.web")
bp = Blueprint("chat", url_prefix="/chat")
MAX_CHAT_CHARS = 1000
MAX_CALLBACK_TEXT = 10_000


def secret_key(settings: Settings) -> str:
    """The app's signing secret: KEFU_SECRET_KEY, else generated once into the state folder (0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.state_dir / "web-secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def callback_secret(key: str) -> str:
    return hmac.new(key.encode(), b"callback", hashlib.sha256).hexdigest()


def callback_url(settings: Settings) -> str:
    """The URL Rasa's callback channel must POST to (KEFU_CALLBACK_URL), secret included."""
    return f"{settings.web_url}/chat/callback?secret={callback_secret(secret_key(settings))}"


def _identity(request: Request, token: str) -> Tuple[str, str]:
    conv = safe_conversation_id("web-" + hashlib.sha256(token.encode()).hexdigest()[:20])
    csrf = hmac.new(request.app.ctx.secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    return conv, csrf


def chat_identity(request: Request) -> Tuple[str, str]:
    token = request.cookies.get(CHAT_COOKIE)
    if not token or len(token) > 100:
        raise ApiError(403, "no_chat_session", "请先打开聊天页面")
    return _identity(request, token)


def _products(request: Request) -> List[Dict[str, str]]:
    shop = request.app.ctx.shop
    if shop is None:
        return []
    try:
        return [{"id": p.id, "name": p.name} for p in shop.products()]
    except Exception:
        log.debug("no products for the chat selector", exc_info=True)
        return []


def _guarded(request: Request, conversation_id: str, text: str) -> str:
    return guarded_for_page(request.app.ctx, conversation_id, text)


def guarded_for_page(ctx: Any, conversation_id: str, text: str) -> str:
    """``text`` guarded for the conversation's platform (its ticket's, else the one its buyer picked)."""
    try:
        ticket = ctx.tickets.active_for(conversation_id)
    except Exception:  # an unreadable ticket store: the platform the buyer picked
        ticket = None
    platform = ticket.platform if ticket else ctx.chat_platforms.get(conversation_id) or default_platform()
    return guard_outgoing(text, platform=platform, conversation_id=conversation_id, source="callback",
                          settings=ctx.settings).text


@bp.get("")
async def chat_page(request: Request) -> response.HTTPResponse:
    token = request.cookies.get(CHAT_COOKIE)
    fresh = not token or len(token) > 100 or request.args.get("new") == "1"
    if fresh:
        token = secrets.token_urlsafe(24)
    conv, csrf = _identity(request, token)
    resp = render(request, "chat.html", conversation_id=conv, csrf_token=csrf, products=_products(request))
    if fresh:
        set_cookie(request, resp, CHAT_COOKIE, token, max_age=7 * 24 * 3600)
    return resp


@bp.post("/send")
async def chat_send(request: Request) -> response.HTTPResponse:
    conv, csrf = chat_identity(request)
    if not same_secret(request.headers.get("x-csrf-token"), csrf):
        raise ApiError(403, "csrf", "页面已过期，请刷新后重试")
    data = read_json(request, required=("text",))
    # The one normalisation of buyer text (kefu.edge.validation): what the page shows is what Rasa reads.
    text = normalise_text(text_field(data, "text", MAX_CHAT_CHARS))
    if not text:
        raise ApiError(400, "empty", "消息不能为空")
    metadata: Dict[str, Any] = {}
    platform = canonical_platform(data.get("platform")) if isinstance(data.get("platform"), str) else None
    if data.get("platform") and not platform:
        raise ApiError(400, "bad_platform", "不支持的平台")
    if platform:
        metadata["platform"] = platform
    product_id = data.get("product_id")
    if product_id:
        if not isinstance(product_id, str) or len(product_id) > 64:
            raise ApiError(400, "bad_product", "商品编号无效")
        metadata["product_id"] = clean_string(product_id, "product_id")
    platforms = request.app.ctx.chat_platforms
    if platform:
        platforms[conv] = platform
        while len(platforms) > 10_000:  # bounded: the oldest conversations fall back to the default
            platforms.pop(next(iter(platforms)))
    if platform is None and conv in platforms:
        metadata["platform"] = platforms[conv]
    # Stored (inbox + chat log; in memory if the disk refuses) before the buyer is answered; then one
    # delivery attempt. Rasa away: the holding answer, a ticket, and delivery later (kefu.inbox.webchat).
    inbox = request.app.ctx.webchat
    receipt = await asyncio.to_thread(inbox.accept, conv, text, metadata)
    try:
        state = await asyncio.to_thread(inbox.deliver_now, receipt)
    except Exception:  # the message is stored; the redelivery loop takes it from here
        log.exception("web chat message of %s: delivery attempt failed; it waits in the inbox", conv)
        inbox.inbox.release(receipt.channel, receipt.message_id)
        state = "waiting"
    return jsonr({"id": receipt.message_id, "conversation_id": conv, "state": state, "stored": receipt.stored})


@bp.get("/messages")
async def chat_messages(request: Request) -> response.HTTPResponse:
    conv, _ = chat_identity(request)
    return jsonr({"conversation_id": conv, "messages": request.app.ctx.chat.after(conv, int_arg(request, "after")),
                  "rating": request.app.ctx.ratings.pending(conv),
                  "recalled": request.app.ctx.chat.recalled_ids(conv)})


@bp.post("/rate")
async def chat_rate(request: Request) -> response.HTTPResponse:
    """满意度 from the web chat: one score (1-5) for the chat an agent closed, from its own buyer."""
    conv, csrf = chat_identity(request)
    if not same_secret(request.headers.get("x-csrf-token"), csrf):
        raise ApiError(403, "csrf", "页面已过期，请刷新后重试")
    data = read_json(request, required=("ticket_id", "score"))
    rated = request.app.ctx.ratings.rate(conv, data["ticket_id"], data["score"], data.get("comment"), channel="web")
    request.app.ctx.chat.add(conv, "bot", reply("satisfaction.thanks"))
    return jsonr(rated)


@bp.post("/rest/rate")
async def rest_rate(request: Request) -> response.HTTPResponse:
    """满意度 from a REST buyer, posted by the shop's integration with the shop's API token (``?token=`` or
    ``Authorization: Bearer``): ``{"sender", "ticket_id", "score"[, "comment"]}``, the ticket id from the
    invitation's ``custom.kefu_rating`` (docs/workbench.md, channel contract)."""
    token = request.app.ctx.rasa.token
    presented = request.args.get("token") or (request.headers.get("authorization") or "").removeprefix("Bearer ")
    if not token or not same_secret(presented.strip(), token):
        return jsonr({"error": "forbidden", "message": "需要店铺的 API token"}, 403)
    data = read_json(request, required=("sender", "ticket_id", "score"))
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 200:
        raise ApiError(400, "bad_sender", "sender 须为买家的会话编号")
    conv = internal_id(clean_string(sender.strip(), "sender"))
    rated = request.app.ctx.ratings.rate(conv, data["ticket_id"], data["score"], data.get("comment"), channel="rest")
    platform = request.app.ctx.tickets.get(rated["ticket_id"]).platform
    thanks = guard_outgoing(reply("satisfaction.thanks"), platform=platform, conversation_id=conv, source="rest",
                            settings=request.app.ctx.settings).text
    return jsonr({**rated, "messages": [{"recipient_id": conv, "text": thanks}]})


@bp.post("/callback")
async def chat_callback(request: Request) -> response.HTTPResponse:
    secret = request.args.get("secret") or ""
    if not same_secret(secret, request.app.ctx.callback_secret):
        log.warning("refused a /chat/callback from %s without the shared secret", request.ip)
        return jsonr({"error": "forbidden", "message": "callbacks need the shared secret"}, 403)
    data = read_json(request, required=("recipient_id",))
    recipient = data.get("recipient_id")
    if not isinstance(recipient, str) or not recipient.strip() or len(recipient) > 200:
        raise ApiError(400, "bad_recipient", "recipient_id must be a non-empty string")
    recipient = internal_id(clean_string(recipient, "recipient_id"))
    text = data.get("text")
    # Images/buttons-only messages: keep the payload, store an empty text.
    text = clean_string(text, "text")[:MAX_CALLBACK_TEXT] if isinstance(text, str) else ""
    if text.strip():
        text = await asyncio.to_thread(_guarded, request, recipient, text)
    extra = {k: v for k, v in data.items() if k not in ("recipient_id", "text")}
    payload = json.dumps(extra, ensure_ascii=False)[:MAX_CALLBACK_TEXT] if extra else None
    request.app.ctx.webchat.lines.run(f"bot line for {recipient}",
                                       lambda: request.app.ctx.chat.add(recipient, "bot", text, payload))
    return jsonr({"stored": True})
