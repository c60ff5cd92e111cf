"""Login and logout. Failed logins are throttled per account and per client address."""

from __future__ import annotations

import asyncio
import logging
import secrets

from sanic import Blueprint, response
from sanic.request import Request

from kefu.handoff.web.common import LOGIN_COOKIE, SESSION_COOKIE, jsonr, render, set_cookie
from kefu.tokens import same_secret

log = logging.getLogger("kefu.handoff.web")
bp = Blueprint("auth")


@bp.get("/login")
async def login_page(request: Request) -> response.HTTPResponse:
    # Reuse the browser's login token: a parallel GET (e.g. favicon -> redirect here)
    # must not replace the token the visible form carries.
    existing = request.cookies.get(LOGIN_COOKIE) or ""
    token = existing if 20 <= len(existing) <= 64 else secrets.token_urlsafe(24)
    resp = render(request, "login.html", csrf_token=token, error=None)
    set_cookie(request, resp, LOGIN_COOKIE, token, max_age=3600)
    return resp


@bp.post("/login")
async def login(request: Request) -> response.HTTPResponse:
    app = request.app
    form = request.form or {}
    sent, expected = form.get("csrf_token"), request.cookies.get(LOGIN_COOKIE)
    if not same_secret(sent, expected):
        return jsonr({"error": "csrf", "message": "页面已过期，请刷新登录页后重试"}, 403)
    name, password = (form.get("name") or "")[:64], form.get("password") or ""
    wait = app.ctx.throttle.retry_after(name, request.ip)
    if wait:
        log.warning("console login throttled for an account or address (%d s)", wait)
        resp = render(request, "login.html", status=429, csrf_token=expected,
                      error=f"尝试次数过多，请 {max(1, wait // 60)} 分钟后再试")
        resp.headers["Retry-After"] = str(wait)
        return resp
    result = await asyncio.to_thread(app.ctx.agents.login, name, password)
    if result is None:
        app.ctx.throttle.failed(name, request.ip)
        log.info("console login failed for an agent name of %d characters", len(name))
        return render(request, "login.html", status=401, csrf_token=expected, error="用户名或密码不正确")
    app.ctx.throttle.succeeded(name)
    token, session = result
    log.info("agent %s logged in", session.agent)
    resp = response.redirect("/console")
    set_cookie(request, resp, SESSION_COOKIE, token, max_age=app.ctx.agents.session_seconds)
    return resp


@bp.post("/logout")
async def logout(request: Request) -> response.HTTPResponse:
    request.app.ctx.agents.logout(request.cookies.get(SESSION_COOKIE))
    resp = response.redirect("/login")
    del resp.cookies[SESSION_COOKIE]
    return resp
