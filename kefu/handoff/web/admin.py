"""Agent management for supervisors: add, disable/enable, reset password, change role. All audited."""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint, response
from sanic.request import Request

from kefu.handoff.auth import AuthError, ROLES
from kefu.handoff.web.common import ApiError, jsonr, read_json, text_field

log = logging.getLogger("kefu.handoff.web")
bp = Blueprint("admin", url_prefix="/api/agents")


def _supervisor(request: Request) -> str:
    session = request.ctx.session
    if not session.supervisor:
        raise ApiError(403, "supervisor_only", "只有主管可以管理客服账号")
    return session.agent


def _audit(request: Request, action: str, detail: str) -> None:
    request.app.ctx.tickets.audit(action, agent=request.ctx.session.agent, ticket_id=None, detail=detail)


@bp.get("")
async def list_agents(request: Request) -> response.HTTPResponse:
    """Every agent can see who else is there (to transfer a chat); only supervisors change them."""
    return jsonr({"agents": [a.as_dict() for a in request.app.ctx.agents.agents()],
                  "me": request.ctx.session.agent, "supervisor": request.ctx.session.supervisor})


@bp.post("")
async def add_agent(request: Request) -> response.HTTPResponse:
    _supervisor(request)
    data = read_json(request, required=("name",))
    name = text_field(data, "name", 64)
    role = data.get("role", "agent")
    if role not in ROLES:
        raise ApiError(400, "bad_role", "角色须为 客服(agent) 或 主管(supervisor)")
    if request.app.ctx.agents.get(name) is not None:
        raise ApiError(409, "exists", f"客服 {name} 已存在")
    import secrets

    password = secrets.token_urlsafe(12)
    try:
        await asyncio.to_thread(request.app.ctx.agents.add, name, password, role=role)
    except AuthError as exc:
        raise ApiError(400, "bad_agent", str(exc)) from None
    _audit(request, "agent_add", f"{name} ({role})")
    return jsonr({"name": name, "role": role, "password": password}, 201)


def _target(request: Request, name: str) -> str:
    me = _supervisor(request)
    if request.app.ctx.agents.get(name) is None:
        raise ApiError(404, "not_found", f"没有客服 {name}")
    if name == me:
        raise ApiError(400, "self", "不能修改自己的账号状态或角色")
    return name


@bp.post("/<name:str>/disable")
async def disable(request: Request, name: str) -> response.HTTPResponse:
    request.app.ctx.agents.set_disabled(_target(request, name), True)
    _audit(request, "agent_disable", name)
    return jsonr(request.app.ctx.agents.get(name).as_dict())


@bp.post("/<name:str>/enable")
async def enable(request: Request, name: str) -> response.HTTPResponse:
    request.app.ctx.agents.set_disabled(_target(request, name), False)
    _audit(request, "agent_enable", name)
    return jsonr(request.app.ctx.agents.get(name).as_dict())


@bp.post("/<name:str>/role")
async def set_role(request: Request, name: str) -> response.HTTPResponse:
    data = read_json(request, required=("role",))
    if data["role"] not in ROLES:
        raise ApiError(400, "bad_role", "角色须为 agent 或 supervisor")
    request.app.ctx.agents.set_role(_target(request, name), data["role"])
    _audit(request, "agent_role", f"{name} -> {data['role']}")
    return jsonr(request.app.ctx.agents.get(name).as_dict())


@bp.post("/<name:str>/reset")
async def reset(request: Request, name: str) -> response.HTTPResponse:
    password = await asyncio.to_thread(request.app.ctx.agents.reset_password, _target(request, name))
    _audit(request, "agent_reset_password", name)
    return jsonr({"name": name, "password": password})
