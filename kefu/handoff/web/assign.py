"""Assignment routes (``/api/assignment``): 接待状态, limits, skill groups, supervisor override.

The rule itself lives in ``kefu.tickets.assignment``; these routes only change its inputs and
run one pass at once, so a status change shows in every open console within a second.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict

from sanic import Blueprint, Sanic, response
from sanic.request import Request

from kefu.tickets.assignment import AssignResult, STATUS_LABELS
from kefu.handoff.web.common import ApiError, jsonr, read_json, text_field

bp = Blueprint("assign", url_prefix="/api/assignment")


def _supervisor(request: Request) -> str:
    if not request.ctx.session.supervisor:
        raise ApiError(403, "supervisor_only", "只有主管可以修改分配设置")
    return request.ctx.session.agent


def publish(app: Sanic, result: AssignResult) -> None:
    for ticket_id in result.changed:
        app.ctx.hub.publish("ticket_changed", ticket_id=ticket_id)
    if result.changed:
        app.ctx.hub.publish("assignment", ticket_id=None)


async def run_pass(app: Sanic) -> AssignResult:
    result = await asyncio.to_thread(app.ctx.assigner.step)
    publish(app, result)
    return result


def _view(request: Request) -> Dict[str, Any]:
    ctx = request.app.ctx
    me = request.ctx.session.agent
    overview = ctx.assigner.overview()
    mine = next((row for row in overview if row["agent"] == me), ctx.assignments.state(me).as_dict())
    return {"me": mine, "agents": overview, "groups": [g.as_dict() for g in ctx.assignments.groups()],
            "statuses": STATUS_LABELS}


@bp.get("")
async def overview(request: Request) -> response.HTTPResponse:
    return jsonr(_view(request))


@bp.post("/status")
async def set_status(request: Request) -> response.HTTPResponse:
    """An agent sets their own 接待状态; a supervisor may set anyone's (``agent``)."""
    data = read_json(request, required=("status",))
    agent = request.ctx.session.agent
    if data.get("agent") not in (None, agent):
        _supervisor(request)
        agent = text_field(data, "agent", 64)
        if request.app.ctx.agents.get(agent) is None:
            raise ApiError(404, "not_found", f"没有客服 {agent}")
    if not isinstance(data["status"], str):
        raise ApiError(400, "bad_status", "接待状态须为 在线、忙碌 或 离开")
    request.app.ctx.assignments.set_status(agent, data["status"])
    request.app.ctx.tickets.audit("agent_status", agent=request.ctx.session.agent, ticket_id=None,
                                  detail=f"{agent} -> {data['status']}")
    await run_pass(request.app)
    return jsonr(_view(request))


@bp.post("/agents/<name:str>")
async def configure(request: Request, name: str) -> response.HTTPResponse:
    """Supervisor: an agent's concurrent limit (``max_chats``) and skill groups (``groups``)."""
    me = _supervisor(request)
    if request.app.ctx.agents.get(name) is None:
        raise ApiError(404, "not_found", f"没有客服 {name}")
    data = read_json(request)
    request.app.ctx.assignments.configure(name, max_chats=data.get("max_chats"), groups=data.get("groups"))
    request.app.ctx.tickets.audit("agent_assignment", agent=me, ticket_id=None,
                                  detail=f"{name}: max_chats={data.get('max_chats')} groups={data.get('groups')}")
    await run_pass(request.app)
    return jsonr(_view(request))


@bp.post("/groups")
async def save_group(request: Request) -> response.HTTPResponse:
    """Supervisor: create or change a skill group (platforms, shops, topics; empty = any)."""
    me = _supervisor(request)
    data = read_json(request, required=("name",))
    group = request.app.ctx.assignments.save_group(data["name"], data.get("platforms"), data.get("shops"),
                                                   data.get("topics"))
    request.app.ctx.tickets.audit("skill_group", agent=me, ticket_id=None, detail=group.name)
    await run_pass(request.app)
    return jsonr(_view(request))


@bp.post("/tickets/<ticket_id:int>")
async def supervisor_assign(request: Request, ticket_id: int) -> response.HTTPResponse:
    """Supervisor override: this chat goes to ``to``, whatever the limit or who holds it."""
    me = _supervisor(request)
    data = read_json(request, required=("to",))
    to = text_field(data, "to", 64)
    target = request.app.ctx.agents.get(to)
    if target is None or target.disabled:
        raise ApiError(400, "bad_agent", f"没有可用的客服 {to}")
    ticket = await asyncio.to_thread(request.app.ctx.assigner.supervisor_assign, ticket_id, me, to)
    request.app.ctx.hub.publish("ticket_changed", ticket_id=ticket.id)
    return jsonr({"ticket_id": ticket.id, "agent": ticket.agent, "status": ticket.status})
