"""The workbench's JSON API (``/api``) and its live event stream (``/api/events``, SSE).

Every string a response carries is masked (phones, ID and bank cards) unless the
agent holding the ticket revealed it, which is audited. Agent replies pass the
guard live (``/api/check``) and again on send through ``guard_outgoing``, which
audits every rewrite and block in the one guard audit table.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import Any, Dict, Mapping, Optional
from urllib.parse import unquote

from sanic import Blueprint, Sanic, response
from sanic.request import Request

from kefu.bridge.push import push_to_bridge
from kefu.handoff import order_actions, workbench
from kefu.handoff.assist import suggestions
from kefu.handoff.live import sse_frame
from kefu.handoff.phrases import PhraseError, combined
from kefu.handoff.profile import profile as customer_profile
from kefu.handoff.satisfaction import SCORE_LABELS
from kefu.tickets.triggers import REASON_LABELS
from kefu.masking import mask_data
from kefu.handoff.replies import reply
from kefu.tickets.store import RECALL_SECONDS, Ticket
from kefu.handoff.web.assign import run_pass
from kefu.handoff.web.common import ApiError, int_arg, internal_id, jsonr, labelled, read_json, text_field
from kefu.platforms import canonical_platform
from kefu.settings import PLATFORMS
from kefu.guard.enforce import check_agent_reply, guard_outgoing
from kefu.tasks.store import TaskNotFound

log = logging.getLogger("kefu.handoff.web")
bp = Blueprint("api", url_prefix="/api")
MAX_REPLY_CHARS = 1000
PING_SECONDS = 15.0


def _session(request: Request) -> Any:
    return request.ctx.session


def _ticket(request: Request, ticket_id: int) -> Ticket:
    """The ticket, if the viewer may see it: supervisors all; agents the open queue, their own chats
    and closed history, not a chat a colleague is handling (403 naming the colleague)."""
    ticket = request.app.ctx.tickets.get(ticket_id)
    session = _session(request)
    if ticket.status == "claimed" and ticket.agent != session.agent and not session.supervisor:
        raise ApiError(403, "not_yours", f"会话 {ticket_id} 正由 {ticket.agent} 处理")
    return ticket


def _conversation_ticket(request: Request, conversation_id: str) -> Optional[Ticket]:
    """Every conversation route follows its ticket's access rules: supervisors read any conversation,
    agents one that has a ticket they may see (:func:`_ticket`); no ticket, nothing to read (404)."""
    found = request.app.ctx.tickets.latest_for(conversation_id)
    if found is None:
        if _session(request).supervisor:
            return None
        raise ApiError(404, "not_found", "没有这个会话的工单")
    return _ticket(request, found.id)


def _detail(request: Request, ticket: Ticket, reveal: bool = False) -> Dict[str, Any]:
    ctx = request.app.ctx
    return workbench.detail(ctx.tickets, ctx.shop, ctx.tasks, ticket, ctx.rules, _session(request).agent, reveal)


def _publish(request: Request, kind: str, ticket_id: Optional[int]) -> None:
    request.app.ctx.hub.publish(kind, ticket_id=ticket_id)


def _platform_arg(request: Request) -> Optional[str]:
    raw = request.args.get("platform")
    if not raw:
        return None
    platform = canonical_platform(raw)
    if platform not in PLATFORMS:
        raise ApiError(400, "bad_platform", f"platform 须为 {', '.join(PLATFORMS)} 之一")
    return platform


# --- queue, one chat, live events --------------------------------------------------------------------


@bp.get("/tickets")
async def queue(request: Request) -> response.HTTPResponse:
    session = _session(request)
    rows = workbench.queue(request.app.ctx.tickets, request.app.ctx.rules, session.agent, session.supervisor,
                           platform=_platform_arg(request))
    return jsonr({"tickets": rows, "agent": session.agent, "supervisor": session.supervisor})


@bp.get("/tickets/<ticket_id:int>")
async def ticket(request: Request, ticket_id: int) -> response.HTTPResponse:
    ticket = _ticket(request, ticket_id)
    return jsonr(_detail(request, ticket))


@bp.get("/events")
async def events(request: Request) -> response.HTTPResponse:
    """Server-Sent Events: ``ticket_new``, ``message``, ``ticket_changed`` (ids only; the page re-reads)."""
    hub = request.app.ctx.hub
    stream = await request.respond(content_type="text/event-stream",
                                   headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    queue = hub.subscribe()
    try:
        await stream.send("retry: 2000\n: connected\n\n")
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), PING_SECONDS)
            except asyncio.TimeoutError:
                await stream.send(": ping\n\n")
                continue
            await stream.send(sse_frame(item))
    finally:
        hub.unsubscribe(queue)
    return stream


# --- claiming, replying, transfer, close ---------------------------------------------------------------


@bp.post("/tickets/<ticket_id:int>/claim")
async def claim(request: Request, ticket_id: int) -> response.HTTPResponse:
    ticket = request.app.ctx.tickets.claim(ticket_id, _session(request).agent)
    log.info("agent %s claimed ticket %s", ticket.agent, ticket_id)
    _publish(request, "ticket_changed", ticket_id)
    return jsonr(_detail(request, ticket))


@bp.post("/tickets/<ticket_id:int>/release")
async def release(request: Request, ticket_id: int) -> response.HTTPResponse:
    ticket = request.app.ctx.tickets.release(ticket_id, _session(request).agent)
    _publish(request, "ticket_changed", ticket_id)
    await run_pass(request.app)  # back in the pool: to whoever has room now
    return jsonr(_detail(request, ticket))


@bp.post("/tickets/<ticket_id:int>/reveal")
async def reveal(request: Request, ticket_id: int) -> response.HTTPResponse:
    agent = _session(request).agent
    ticket = request.app.ctx.tickets.require_holder(ticket_id, agent)
    request.app.ctx.tickets.audit("reveal_personal_data", agent=agent, ticket_id=ticket_id)
    log.info("agent %s revealed personal data of ticket %s", agent, ticket_id)
    return jsonr(_detail(request, ticket, reveal=True))


@bp.post("/tickets/<ticket_id:int>/transfer")
async def transfer(request: Request, ticket_id: int) -> response.HTTPResponse:
    session = _session(request)
    data = read_json(request, required=("to",))
    to = text_field(data, "to", 64)
    note = text_field(data, "note", 200, required=False)
    target = request.app.ctx.agents.get(to)
    if target is None or target.disabled:
        raise ApiError(400, "bad_agent", f"没有可用的客服 {to}")
    ticket = request.app.ctx.tickets.transfer(ticket_id, session.agent, to, note, supervisor=session.supervisor)
    log.info("agent %s transferred ticket %s to %s", session.agent, ticket_id, to)
    _publish(request, "ticket_changed", ticket_id)
    return jsonr(_detail(request, ticket))


@bp.post("/check")
async def check(request: Request) -> response.HTTPResponse:
    data = read_json(request, required=("text",))
    text = text_field(data, "text", MAX_REPLY_CHARS)
    if data.get("ticket_id") is not None:
        if not isinstance(data["ticket_id"], int) or isinstance(data["ticket_id"], bool):
            raise ApiError(400, "bad_ticket", "ticket_id 必须是整数")
        platform = _ticket(request, data["ticket_id"]).platform
    else:
        platform = canonical_platform(data.get("platform")) if isinstance(data.get("platform"), str) else None
        if not platform:
            raise ApiError(400, "bad_platform", f"请提供 ticket_id 或 platform（{', '.join(PLATFORMS)}）")
    return jsonr(request.app.ctx.checker(platform, text))


@bp.post("/tickets/<ticket_id:int>/reply")
async def send_reply(request: Request, ticket_id: int) -> response.HTTPResponse:
    ctx = request.app.ctx
    agent = _session(request).agent
    data = read_json(request, required=("text",))
    text = text_field(data, "text", MAX_REPLY_CHARS)
    ticket = ctx.tickets.require_holder(ticket_id, agent)
    # Every attempt is checked and audited (agent:<name>), a blocked one too: 质检 sees what was refused.
    # Read with this agent's last replies on the ticket: three harmless lines can spell a contact.
    previous = [line.text for line in ctx.tickets.transcript(ticket_id) if line.sender == "agent" and line.agent == agent]
    check = labelled(await asyncio.to_thread(check_agent_reply, text, platform=ticket.platform,
                                             conversation_id=ticket.conversation_id, agent=agent,
                                             settings=ctx.settings, previous=previous))
    if check["verdict"] == "blocked":
        message = ("这条回复和您前几条回复连起来违反平台规则，没有发送，请修改后再发" if check.get("across_messages")
                   else "这条回复违反平台规则，没有发送，请修改后再发")
        raise ApiError(422, "blocked", message, check=check)
    if check["verdict"] == "rewritten" and data.get("accept_rewrite") is not True:
        raise ApiError(422, "rewrite_required", "请先接受建议的改写，再发送", check=check)
    # The one exit for agents' text: guarded again and audited as agent:<name>.
    decision = await asyncio.to_thread(guard_outgoing, text, platform=ticket.platform,
                                       conversation_id=ticket.conversation_id, source=f"agent:{agent}",
                                       settings=ctx.settings)
    if decision.result.verdict == "blocked":
        raise ApiError(422, "blocked", "改写后仍违反平台规则，请修改回复", check=check)
    sent = decision.text
    await asyncio.to_thread(ctx.rasa.push_agent_reply, ticket.conversation_id, sent, agent)
    await deliver_elsewhere(request, ticket.conversation_id, sent, agent)
    ctx.tickets.add_agent_reply(ticket_id, agent, sent)
    log.info("agent %s replied on ticket %s (%d chars)", agent, ticket_id, len(sent))
    _publish(request, "ticket_changed", ticket_id)
    return jsonr({"sent": sent, "verdict": check["verdict"]})


@bp.post("/tickets/<ticket_id:int>/close")
async def close(request: Request, ticket_id: int) -> response.HTTPResponse:
    ctx = request.app.ctx
    agent = _session(request).agent
    data = read_json(request)
    outcome = data.get("outcome", "resolved")
    if not isinstance(outcome, str) or outcome not in workbench.OUTCOME_LABELS or outcome == "assist_shadow":
        raise ApiError(400, "bad_outcome", "请选择处理结果")
    ticket = ctx.tickets.require_holder(ticket_id, agent)
    handback = _compliant(request, ticket.platform, reply("handback"))
    invite = _compliant(request, ticket.platform, reply("satisfaction.invite"))
    await asyncio.to_thread(ctx.rasa.resume, ticket.conversation_id, handback,
                            [(invite, "satisfaction")] if invite else [])
    ticket = ctx.tickets.close(ticket_id, agent, outcome)
    if invite:  # 满意度: the web chat draws the stars from this record
        ctx.ratings.invite(ticket)
    rating = {"ticket_id": ticket.id, "scores": {str(k): v for k, v in SCORE_LABELS.items()}}
    # The bridge and REST buyers get the handback and the invitation (with what a rating needs) too.
    for text, source, extra in ((handback, "handback", None),
                                (invite, "satisfaction", {"type": "rating_invite", "rating": rating})):
        if text:
            await deliver_elsewhere(request, ticket.conversation_id, text, None, source=source, extra=extra,
                                     rest_custom={"kefu_rating": rating} if extra else None)
    log.info("agent %s closed ticket %s: %s", agent, ticket_id, ticket.outcome)
    _publish(request, "ticket_changed", ticket_id)
    await run_pass(request.app)  # the agent has room again: a waiting chat is given now, not at the next tick
    return jsonr(_detail(request, ticket))


async def deliver_elsewhere(request: Request, conversation_id: str, text: str, agent: Optional[str], *,
                             source: str = "agent", extra: Optional[Mapping[str, Any]] = None,
                             rest_custom: Optional[Mapping[str, Any]] = None, rest_text: Optional[str] = None) -> str:
    """What a person sends (already guarded) also reaches buyers Rasa's callback does not: a bridge buyer on
    the signed callback (with ``extra``: an image, a card, a rating invitation), a REST buyer through the
    outbox, handed out with the answer to their next message (``rest_text`` when the text form differs: an
    image). The web chat's page has it already. Returns the channel: ``rest``, or the bridge's outcome."""
    ctx = request.app.ctx
    bridged = await push_to_bridge(conversation_id, text, source=source, extra=extra, settings=ctx.settings)
    if bridged.startswith("failed"):
        log.warning("%s message for %s not delivered to the bridge: %s", source, conversation_id, bridged)
    elif bridged == "not a bridge conversation" and not ctx.chat.is_web_chat(conversation_id):
        await asyncio.to_thread(ctx.outbox.put, conversation_id, rest_text or text, agent or source,
                                custom=rest_custom)
        return "rest"
    return bridged


def _compliant(request: Request, platform: str, text: str) -> Optional[str]:
    """A fixed sentence as the guard lets it out on ``platform``: rewritten if need be, None if blocked."""
    verdict = request.app.ctx.checker(platform, text)
    if verdict["verdict"] == "rewritten":
        return verdict["rewritten"]
    return None if verdict["verdict"] == "blocked" else text


@bp.post("/tickets/<ticket_id:int>/recall")
async def recall(request: Request, ticket_id: int) -> response.HTTPResponse:
    """消息撤回: the holder's own reply, within two minutes, where the channel can take it back
    (the web chat); elsewhere a clear 409 and nothing changes."""
    ctx = request.app.ctx
    agent = _session(request).agent
    data = read_json(request, required=("source_key",))
    key = text_field(data, "source_key", 64)
    ticket = ctx.tickets.require_holder(ticket_id, agent)
    line = next((l for l in ticket.transcript if l.source_key == key and l.sender == "agent"), None)
    if line is None or line.agent != agent:
        raise ApiError(404, "not_found", "没有这条可以撤回的客服消息")
    if time.time() - line.ts > RECALL_SECONDS:
        raise ApiError(409, "too_late", f"只能撤回 {RECALL_SECONDS // 60} 分钟内发送的消息")
    if key in ctx.tickets.recalled(ticket_id):
        raise ApiError(409, "already_recalled", "这条消息已经撤回")
    if not ctx.chat.is_web_chat(ticket.conversation_id) \
            or ctx.chat.recall_sent(ticket.conversation_id, line.text, line.ts - 5) is None:
        raise ApiError(409, "not_supported", "这位买家所在的渠道不支持撤回消息")
    ctx.tickets.recall(ticket_id, agent, key)
    _publish(request, "ticket_changed", ticket_id)
    return jsonr(_detail(request, ctx.tickets.get(ticket_id)))


@bp.post("/tickets/<ticket_id:int>/order-actions")
async def order_action(request: Request, ticket_id: int) -> response.HTTPResponse:
    """改地址 / 改规格 / 备注给快递 / 取消 on the chat's order, by its holder: a task with the data, audited."""
    ctx = request.app.ctx
    agent = _session(request).agent
    data = read_json(request, required=("action",))
    ticket = ctx.tickets.require_holder(ticket_id, agent)
    task = await asyncio.to_thread(order_actions.submit, data["action"] if isinstance(data["action"], str) else "",
                                   data, ticket, ctx.shop, ctx.tasks, ctx.tickets, agent)
    _publish(request, "ticket_changed", ticket_id)
    return jsonr({"task": mask_data(task), "ticket": _detail(request, ctx.tickets.get(ticket_id))})


def _buyer_profile(request: Request, ticket: Ticket) -> Dict[str, Any]:
    ctx = request.app.ctx
    labels = {"status": workbench.STATUS_LABELS, "reason": REASON_LABELS, "outcome": workbench.OUTCOME_LABELS}
    return mask_data(customer_profile(ctx.profiles, ctx.tickets, ctx.shop, _shop_name(request) or "", ticket, labels))


@bp.get("/tickets/<ticket_id:int>/profile")
async def buyer_profile(request: Request, ticket_id: int) -> response.HTTPResponse:
    return jsonr(_buyer_profile(request, _ticket(request, ticket_id)))


@bp.post("/tickets/<ticket_id:int>/profile/tags")
async def buyer_tags(request: Request, ticket_id: int) -> response.HTTPResponse:
    ticket = _ticket(request, ticket_id)
    data = read_json(request, required=("tags",))
    agent = _session(request).agent
    request.app.ctx.profiles.set_tags(_shop_name(request) or "", ticket.conversation_id, data["tags"], agent)
    request.app.ctx.tickets.audit("customer_tags", agent=agent, ticket_id=ticket_id, detail=str(len(data["tags"])))
    return jsonr(_buyer_profile(request, ticket))


@bp.post("/tickets/<ticket_id:int>/profile/notes")
async def buyer_note(request: Request, ticket_id: int) -> response.HTTPResponse:
    ticket = _ticket(request, ticket_id)
    data = read_json(request, required=("text",))
    agent = _session(request).agent
    request.app.ctx.profiles.add_note(_shop_name(request) or "", ticket.conversation_id,
                                      text_field(data, "text", 300), agent)
    request.app.ctx.tickets.audit("customer_note", agent=agent, ticket_id=ticket_id)
    return jsonr(_buyer_profile(request, ticket))


# --- assist, phrases, history, tasks -------------------------------------------------------------------


@bp.post("/tickets/<ticket_id:int>/assist")
async def assist(request: Request, ticket_id: int) -> response.HTTPResponse:
    """Up to three candidate replies with their facts, from the pure engine: nothing is sent or stored."""
    ctx = request.app.ctx
    ticket = _ticket(request, ticket_id)
    result = await asyncio.to_thread(suggestions, ticket, ctx.shop, _shop_config(request),
                                     order_source=_order_store(request))
    return jsonr(mask_data(result))


def _shop_config(request: Request) -> Any:
    try:
        from kefu.shop.config import load_shop_config

        return load_shop_config(request.app.ctx.settings.shop_config_path)  # cached per mtime
    except Exception:
        return None


def _order_store(request: Request) -> Any:
    """The shop store whose ``order()`` reads the configured order source (read-only calls)."""
    if request.app.ctx.shop is None:
        return None
    try:
        from kefu.orders import with_order_source

        return with_order_source(request.app.ctx.shop)
    except Exception:
        return request.app.ctx.shop


@bp.get("/phrases")
async def phrases(request: Request) -> response.HTTPResponse:
    query = request.args.get("q") or ""
    if len(query) > 50:
        raise ApiError(400, "too_long", "搜索词过长")
    values: Dict[str, Optional[str]] = {"店铺名": _shop_name(request)}
    if request.args.get("ticket_id"):
        ticket = _ticket(request, int_arg(request, "ticket_id"))
        panel = workbench.side_panel(request.app.ctx.shop, ticket)
        values.update({"订单号": ticket.order_id, "商品名": (panel["product"] or {}).get("名称")})
    ctx = request.app.ctx
    found = combined(ctx.phrase_store, ctx.phrases, _session(request).agent).search(query)
    return jsonr({"phrases": [dict(p.as_dict(), rendered=p.render(values)) for p in found]})


@bp.post("/phrases")
async def save_phrase(request: Request) -> response.HTTPResponse:
    """A personal phrase (any agent) or a team phrase (supervisors), checked for every platform."""
    session = _session(request)
    data = read_json(request, required=("code", "text"))
    scope = data.get("scope", "personal")
    if scope == "team" and not session.supervisor:
        raise ApiError(403, "supervisor_only", "只有主管可以编辑团队短语")
    try:
        phrase = await asyncio.to_thread(request.app.ctx.phrase_store.save, agent=session.agent, scope=scope,
                                         code=data["code"], text=data["text"], title=data.get("title", ""),
                                         group=data.get("group", ""))
    except PhraseError as exc:
        raise ApiError(422, "bad_phrase", f"短语未保存：{exc}") from None
    request.app.ctx.tickets.audit("phrase_save", agent=session.agent, ticket_id=None, detail=f"{scope}:{phrase.code}")
    return jsonr(phrase.as_dict())


@bp.post("/phrases/<phrase_id:int>/delete")
async def delete_phrase(request: Request, phrase_id: int) -> response.HTTPResponse:
    session = _session(request)
    gone = request.app.ctx.phrase_store.delete(phrase_id, session.agent, session.supervisor)
    if gone is None:
        raise ApiError(404, "not_found", "没有这条可以删除的短语")
    request.app.ctx.tickets.audit("phrase_delete", agent=session.agent, ticket_id=None, detail=gone.code)
    return jsonr(gone.as_dict())


def _shop_name(request: Request) -> Optional[str]:
    config = _shop_config(request)
    return config.name if config is not None else None


def _day(raw: Optional[str], name: str) -> Optional[float]:
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw, "%Y-%m-%d").timestamp()
    except ValueError:
        raise ApiError(400, "bad_argument", f"{name} 须为 YYYY-MM-DD 格式的日期") from None


@bp.get("/search")
async def search(request: Request) -> response.HTTPResponse:
    """History: tickets (closed ones too) by text, order id, buyer, product, platform, date."""
    args = {key: (request.args.get(key) or "").strip() or None for key in ("q", "order_id", "buyer", "product_id")}
    if any(value and len(value) > 100 for value in args.values()):
        raise ApiError(400, "too_long", "搜索条件过长")
    until = _day(request.args.get("until"), "until")
    found = request.app.ctx.tickets.search(
        text=args["q"], order_id=args["order_id"], buyer=args["buyer"], product_id=args["product_id"],
        platform=_platform_arg(request), status=request.args.get("status") or None,
        since=_day(request.args.get("since"), "since"), until=until + 86400 if until else None)
    lines = request.app.ctx.tickets.lines_of([t.id for t in found])
    rows = [workbench.summary(t, lines[t.id], request.app.ctx.rules, 0, _session(request).agent) for t in found]
    return jsonr({"tickets": rows})


@bp.get("/tasks")
async def tasks(request: Request) -> response.HTTPResponse:
    status = request.args.get("status", "open")
    if status not in ("open", "done", "all"):
        raise ApiError(400, "bad_argument", "status 须为 open、done 或 all")
    found = request.app.ctx.tasks.list(status=None if status == "all" else status)
    return jsonr({"tasks": mask_data([task.as_dict() for task in found])})


@bp.post("/tasks/<task_id:int>/done")
async def task_done(request: Request, task_id: int) -> response.HTTPResponse:
    agent = _session(request).agent
    try:
        task = request.app.ctx.tasks.done(task_id, agent)
    except TaskNotFound:
        raise ApiError(404, "not_found", f"任务 {task_id} 不存在") from None
    request.app.ctx.tickets.audit("task_done", agent=agent, ticket_id=None, detail=f"task {task_id}")
    return jsonr(mask_data(task.as_dict()))


@bp.get("/proof-attempts")
async def proof_attempts(request: Request) -> response.HTTPResponse:
    """Order-proof attempts, newest first (``?outcome=locked``: those refused after the daily limit;
    ``?order_id=``: one order's)."""
    outcome = request.args.get("outcome") or None
    if outcome not in (None, "proved", "failed", "locked"):
        raise ApiError(400, "bad_argument", "outcome 须为 proved、failed 或 locked")
    order_id = (request.args.get("order_id") or "").strip() or None
    if order_id is not None and len(order_id) > 64:
        raise ApiError(400, "too_long", "订单号过长")
    proofs = request.app.ctx.proofs
    return jsonr({"attempts": mask_data(proofs.recent(outcome=outcome, order_id=order_id)), "counts": proofs.counts()})


@bp.get("/conversations/<conversation_id:str>/delivered")
async def delivered(request: Request, conversation_id: str) -> response.HTTPResponse:
    """Messages Rasa called back with for a conversation (what the buyer was sent), masked.
    The conversation's ticket decides who may read it, exactly as ``/api/tickets/<id>`` does."""
    conv = internal_id(unquote(conversation_id))
    after = int_arg(request, "after")
    _conversation_ticket(request, conv)
    return jsonr({"messages": mask_data(request.app.ctx.chat.after(conv, after))})


# --- the sync task ---------------------------------------------------------------------------------------


async def sync_loop(app: Sanic, every: float) -> None:
    """Follow the event feed; publish new tickets and buyer messages to open consoles."""
    while True:
        try:
            result = await asyncio.to_thread(app.ctx.sync.step)
            for ticket_id in result.new_tickets:
                app.ctx.hub.publish("ticket_new", ticket_id=ticket_id)
            for ticket_id in result.lines_added:  # a buyer wrote (rings), or the bot's part grew (silent)
                app.ctx.hub.publish("message" if ticket_id in result.buyer_messages else "ticket_changed",
                                    ticket_id=ticket_id)
            await run_pass(app)  # new and late chats to the least-loaded agent with room
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("ticket sync failed; retrying", exc_info=True)
        await asyncio.sleep(every)
