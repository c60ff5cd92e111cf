"""Rich messages: images from buyers and agents, product and order cards from the console.

Uploads are the raw image bytes as the request body (``fetch(url, {body: file})``), read as a stream
so the web app's 64 KB limit for everything else stays; :data:`kefu.handoff.media.MAX_IMAGE_BYTES`
applies here. Images are served only to the conversation's own buyer (``/chat/media/<name>``, by the
chat cookie) and to logged-in agents (``/api/media/<name>``, by the session middleware); any other
caller gets 403/404, whatever name it knows.

Where an agent's image or card goes (docs/workbench.md, channel contract): Rasa's tracker records it
(no output channel is called); the web chat's page shows it (``payload.image`` / ``payload.card``);
a bridge buyer receives it on the signed callback (docs/bridge.md); a REST buyer gets its text form
with the answer to their next message (kefu.handoff.outbox).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Mapping, Optional

from sanic import Blueprint, response
from sanic.request import Request

from kefu.edge.outgoing import guard_message
from kefu.handoff.cards import card_for
from kefu.handoff.media import MAX_IMAGE_BYTES, PLACEHOLDER, Image, MediaRefused
from kefu.handoff.replies import reply
from kefu.handoff.web.api import deliver_elsewhere
from kefu.handoff.web.chat import chat_identity, guarded_for_page
from kefu.handoff.web.common import ApiError, jsonr, labelled, read_json
from kefu.tickets.store import Ticket, TranscriptLine
from kefu.tokens import same_secret

bp = Blueprint("media")


async def _upload(request: Request) -> bytes:
    """The streamed body, refused (413) as soon as it passes the image limit."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_IMAGE_BYTES:
        raise MediaRefused(413, f"图片不能超过 {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    chunks, size = [], 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            raise MediaRefused(413, f"图片不能超过 {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
        chunks.append(chunk)
    if not size:
        raise ApiError(400, "empty_body", "请选择一张图片")
    return b"".join(chunks)


def _served(request: Request, image: Optional[Image]) -> response.HTTPResponse:
    if image is None:
        raise ApiError(404, "not_found", "图片不存在")
    try:
        data = request.app.ctx.media.read(image)
    except FileNotFoundError:  # removed by `kefu purge` or by hand
        raise ApiError(404, "not_found", "图片已清除") from None
    return response.raw(data, content_type=image.mime, headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600",
        "Content-Security-Policy": "default-src 'none'; sandbox", "Content-Disposition": "inline"})


# --- buyers ------------------------------------------------------------------------------------------------


@bp.post("/chat/upload", stream=True)
async def chat_upload(request: Request) -> response.HTTPResponse:
    """A buyer's image: into the chat, and onto the open ticket (the agent sees it); with no person on the
    conversation, a polite note that the bot cannot read images (the buyer may ask for a person)."""
    ctx = request.app.ctx
    conv, csrf = chat_identity(request)
    if not same_secret(request.headers.get("x-csrf-token"), csrf):
        raise ApiError(403, "csrf", "页面已过期，请刷新后重试")
    image = await asyncio.to_thread(ctx.media.save, conv, await _upload(request), "buyer")
    payload = {"image": f"/chat/media/{image.name}", "mime": image.mime}
    ctx.chat.add(conv, "buyer", PLACEHOLDER, json.dumps(payload))
    ticket = ctx.tickets.active_for(conv)
    if ticket is not None:
        ctx.tickets.append(ticket.id, [TranscriptLine("buyer", image.marker, image.created_at, f"media:{image.name}")])
        ctx.hub.publish("message", ticket_id=ticket.id)
    else:
        note = await asyncio.to_thread(guarded_for_page, ctx, conv, reply("media.image_to_bot"))
        ctx.chat.add(conv, "bot", note)
    return jsonr({"image": payload, "size": image.size, "to_agent": ticket is not None})


@bp.get("/chat/media/<name:str>")
async def chat_media(request: Request, name: str) -> response.HTTPResponse:
    conv, _ = chat_identity(request)
    image = request.app.ctx.media.get(name)
    return _served(request, image if image is not None and image.conversation_id == conv else None)


# --- agents ------------------------------------------------------------------------------------------------


@bp.get("/api/media/<name:str>")
async def agent_media(request: Request, name: str) -> response.HTTPResponse:
    return _served(request, request.app.ctx.media.get(name))


async def _send_rich(request: Request, ticket: Ticket, agent: str, *, transcript: str, text: str,
                     page: Mapping[str, Any], bridge: Mapping[str, Any], rest_text: str,
                     rest_custom: Optional[Mapping[str, Any]] = None) -> None:
    """One rich message to the buyer on their channel, into the tracker and the ticket's transcript."""
    ctx = request.app.ctx
    await asyncio.to_thread(ctx.rasa.record_agent_message, ticket.conversation_id, text, agent, page)
    if ctx.chat.is_web_chat(ticket.conversation_id):
        ctx.chat.add(ticket.conversation_id, "bot", text, json.dumps(dict(page), ensure_ascii=False))
        channel = "web"
    else:
        channel = await deliver_elsewhere(request, ticket.conversation_id, text, agent, extra=bridge,
                                          rest_custom=rest_custom, rest_text=rest_text)
    ctx.tickets.audit("rich_message", agent=agent, ticket_id=ticket.id, detail=f"{bridge.get('type')}: {channel}")
    ctx.tickets.add_agent_reply(ticket.id, agent, transcript, now=time.time())
    ctx.hub.publish("ticket_changed", ticket_id=ticket.id)


@bp.post("/api/tickets/<ticket_id:int>/image", stream=True)
async def agent_image(request: Request, ticket_id: int) -> response.HTTPResponse:
    """The holder sends an image (raw bytes): shown in the buyer's page, carried inline over the bridge."""
    ctx = request.app.ctx
    agent = request.ctx.session.agent
    ticket = ctx.tickets.require_holder(ticket_id, agent)
    image = await asyncio.to_thread(ctx.media.save, ticket.conversation_id, await _upload(request), "agent", agent)
    page = {"image": f"/chat/media/{image.name}", "mime": image.mime}
    inline = {"type": "image", "image": {"mime": image.mime, "size": image.size,
                                         "data_base64": await asyncio.to_thread(ctx.media.as_base64, image)}}
    rest_text = guarded_for_page(ctx, ticket.conversation_id, reply("media.image_rest"))
    await _send_rich(request, ticket, agent, transcript=image.marker, text=PLACEHOLDER, page=page, bridge=inline,
                     rest_text=rest_text)
    return jsonr({"image": f"/api/media/{image.name}", "mime": image.mime, "size": image.size})


@bp.post("/api/tickets/<ticket_id:int>/card")
async def agent_card(request: Request, ticket_id: int) -> response.HTTPResponse:
    """``{"kind": "product"[, "product_id"]}`` (default: the chat's product) or ``{"kind": "order"}`` (the
    chat's own order, masked): every string guarded for the platform; a blocked text is refused (422)."""
    ctx = request.app.ctx
    agent = request.ctx.session.agent
    data = read_json(request, required=("kind",))
    ticket = ctx.tickets.require_holder(ticket_id, agent)
    product_id = data.get("product_id")
    if product_id is not None and (not isinstance(product_id, str) or len(product_id) > 64):
        raise ApiError(400, "bad_product", "商品编号无效")
    if product_id is None and ticket.product_id is None and ticket.order_id and ctx.shop is not None:
        order = await asyncio.to_thread(ctx.shop.order, ticket.order_id)
        product_id = order.product_id if order else None
    card = await asyncio.to_thread(card_for, ctx.shop, data["kind"], product_id or ticket.product_id, ticket.order_id)
    check = labelled(ctx.checker(ticket.platform, card["text"]))
    if check["verdict"] == "blocked":
        raise ApiError(422, "blocked", "这张卡片的内容违反平台规则，没有发送", check=check)
    guarded = await asyncio.to_thread(guard_message, {"text": card["text"], "card": card}, platform=ticket.platform,
                                      conversation_id=ticket.conversation_id, source=f"agent:{agent}",
                                      settings=ctx.settings)
    card = dict(guarded["card"], text=guarded["text"])
    await _send_rich(request, ticket, agent, transcript=card["text"], text=card["text"], page={"card": card},
                     bridge={"type": card["type"], "card": card}, rest_text=card["text"],
                     rest_custom={"kefu_card": card})
    return jsonr({"card": card})
