"""The workbench's pages. Data comes from the JSON API (``api``); pages only lay it out."""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request

from kefu.handoff.web.common import render

bp = Blueprint("console", url_prefix="/console")


@bp.get("")
async def workbench(request: Request) -> response.HTTPResponse:
    return render(request, "workbench.html", open_ticket=None)


@bp.get("/tickets/<ticket_id:int>")
async def ticket_page(request: Request, ticket_id: int) -> response.HTTPResponse:
    ticket = request.app.ctx.tickets.get(ticket_id)  # 404 for an unknown ticket
    return render(request, "workbench.html", open_ticket=ticket.id)


@bp.get("/history")
async def history(request: Request) -> response.HTTPResponse:
    return render(request, "history.html")


@bp.get("/tasks")
async def tasks(request: Request) -> response.HTTPResponse:
    return render(request, "tasks.html")


@bp.get("/agents")
async def agents(request: Request) -> response.HTTPResponse:
    if not request.ctx.session.supervisor:
        return render(request, "forbidden.html", status=403, message="客服管理仅对主管开放")
    return render(request, "agents.html")
