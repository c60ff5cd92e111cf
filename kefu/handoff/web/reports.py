"""质检 and analytics in the console (supervisors): ``/console/reports`` and ``/api/report``."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Optional, Tuple

from sanic import Blueprint, response
from sanic.request import Request

import csv
import io

from kefu.handoff.report import CSV_KINDS, build_report, csv_rows, for_agent
from kefu.handoff.web.common import ApiError, jsonr, render
from kefu.platforms import canonical_platform
from kefu.settings import PLATFORMS

bp = Blueprint("reports")
MAX_DAYS = 366


def _period(request: Request) -> Tuple[float, float, Optional[str]]:
    if not request.ctx.session.supervisor:
        raise ApiError(403, "supervisor_only", "报表仅对主管开放")
    try:
        until = dt.datetime.strptime(request.args["until"][0], "%Y-%m-%d") + dt.timedelta(days=1) \
            if request.args.get("until") else dt.datetime.now()
        since = dt.datetime.strptime(request.args["since"][0], "%Y-%m-%d") \
            if request.args.get("since") else until - dt.timedelta(days=7)
    except ValueError:
        raise ApiError(400, "bad_argument", "日期须为 YYYY-MM-DD") from None
    if since >= until or (until - since).days > MAX_DAYS:
        raise ApiError(400, "bad_argument", f"时间段须在 1 到 {MAX_DAYS} 天之间")
    platform = request.args.get("platform") or None
    if platform and canonical_platform(platform) not in PLATFORMS:
        raise ApiError(400, "bad_platform", f"platform 须为 {', '.join(PLATFORMS)} 之一")
    return since.timestamp(), until.timestamp(), canonical_platform(platform) if platform else None


async def _report(request: Request):  # type: ignore[no-untyped-def]
    since, until, platform = _period(request)
    settings = request.app.ctx.settings
    report = await asyncio.to_thread(build_report, settings.db_path, since,
                                     min(until, time.time() + 1), platform, request.app.ctx.rules)
    agent = request.args.get("agent") or None
    if agent:
        if len(agent) > 64:
            raise ApiError(400, "bad_argument", "客服名过长")
        report = for_agent(report, agent)
    return report


@bp.get("/api/report")
async def report_json(request: Request) -> response.HTTPResponse:
    return jsonr((await _report(request)).as_dict())


@bp.get("/api/report.csv")
async def report_csv(request: Request) -> response.HTTPResponse:
    """One table as CSV (UTF-8 with BOM, so Excel opens the Chinese headers): ``kind`` = summary,
    agents, sessions or hourly; the same ``since``/``until``/``platform``/``agent`` as the page."""
    kind = request.args.get("kind") or "summary"
    if kind not in CSV_KINDS:
        raise ApiError(400, "bad_argument", f"kind 须为 {', '.join(CSV_KINDS)} 之一")
    report = await _report(request)
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(report, kind))
    name = f"kefu-report-{kind}.csv"
    return response.raw(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/console/reports")
async def report_page(request: Request) -> response.HTTPResponse:
    if not request.ctx.session.supervisor:
        return render(request, "forbidden.html", status=403, message="报表仅对主管开放")
    report = await _report(request)
    return render(request, "report.html", report=report, standalone=False,
                  args={k: request.args.get(k) or "" for k in ("since", "until", "platform", "agent")},
                  csv_kinds=CSV_KINDS)
