"""What every blueprint of the web app shares: JSON errors and answers, safe request parsing, cookies.

Bad input never reaches a store or a log as it came: bodies are parsed with a
depth limit and bounded integers, lone surrogates and control characters are
refused, and every failure is a 4xx JSON answer in Chinese.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from datetime import date, datetime
from ipaddress import ip_address
from typing import Any, Dict, Optional

from sanic import response
from sanic.exceptions import SanicException
from sanic.request import Request
from kefu.edge.ids import SAFE_ID, safe_conversation_id
from kefu.handoff.workbench import PLATFORM_LABELS
from kefu.settings import PLATFORMS
from kefu.guard import Guard  # lazy: the guard builds its automata on first use
from kefu.handoff.workbench import ACTION_LABELS, CATEGORY_LABELS

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32
MAX_INT = 2**53  # JavaScript's safe integers; SQLite's limit (2**63) is never reached
SESSION_COOKIE = "kefu_session"
LOGIN_COOKIE = "kefu_login"
CHAT_COOKIE = "kefu_chat"


# Field names as buyers and agents read them in error messages.
FIELD_LABELS = {"text": "消息", "name": "用户名", "note": "备注", "to": "转接对象", "product_id": "商品编号",
                "recipient_id": "接收人"}


def _label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


class ApiError(SanicException):
    """An error answered as JSON ``{"error": code, "message": ...}`` with its status."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message, status_code=status)
        self.code = code
        self.extra = extra


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def jsonr(body: Any, status: int = 200) -> response.HTTPResponse:
    return response.json(body, status=status, dumps=dumps)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_INT:
        raise ApiError(400, "number_too_large", "数字超出允许范围")
    return int(text)


def _depth(value: Any) -> int:
    """Nesting depth, iteratively (a deep body must not exhaust the stack here either)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def clean_string(value: str, key: str) -> str:
    """Refuse lone surrogates (half an emoji) and control characters other than newline/tab."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "bad_text", f"{_label(key)}含有无法识别的字符（半个表情符号？），请重新输入") from None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ApiError(400, "bad_text", f"{_label(key)}含有无法识别的控制字符，请重新输入")
    return value


def read_json(request: Request, required: tuple = ()) -> Dict[str, Any]:
    """The request body as a JSON object; 400 with a clear message otherwise."""
    if not request.body:
        raise ApiError(400, "empty_body", "请求内容为空（需要一个 JSON 对象）")
    try:
        data = json.loads(request.body, parse_int=_bounded_int)
    except RecursionError:
        raise ApiError(400, "too_deep", f"JSON 嵌套超过 {MAX_DEPTH} 层") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "请求内容必须是 JSON 对象")
    if _depth(data) > MAX_DEPTH:
        raise ApiError(400, "too_deep", f"JSON 嵌套超过 {MAX_DEPTH} 层")
    for key in required:
        if key not in data:
            raise ApiError(400, "missing_field", f"缺少{_label(key)}")
    return data


def text_field(data: Dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = data.get(key)
    if not required and (value is None or value == ""):
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "empty_text", f"{_label(key)}不能为空")
    if len(value) > limit:
        raise ApiError(413, "too_long", f"{_label(key)}有 {len(value)} 个字，最多 {limit} 个字，请分几次发送")
    return clean_string(value, key).strip()


def internal_id(raw: str) -> str:
    """The conversation id Rasa and the stores use: already-safe ids (``web-…``, ``b-…``) as they
    are, anything else mapped as every edge maps it (``kefu.edge.ids.safe_conversation_id``)."""
    return raw if SAFE_ID.fullmatch(raw) else safe_conversation_id(raw)


def int_arg(request: Request, name: str, default: int = 0) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if len(raw) > 16:
        raise ApiError(400, "bad_argument", f"{name} 数字过大")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ApiError(400, "bad_argument", f"{name} 必须是整数") from None
    if value < 0:
        raise ApiError(400, "bad_argument", f"{name} 不能为负数")
    return value


def is_loopback(ip: str) -> bool:
    try:
        return ip_address(ip).is_loopback
    except ValueError:
        return False


def served_over_https(request: Request) -> bool:
    """HTTPS directly, or ``X-Forwarded-Proto: https`` from a proxy listed in KEFU_TRUSTED_PROXIES."""
    if request.scheme == "https":
        return True
    trusted = request.app.ctx.settings.trusted_proxy_set
    forwarded = (request.headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
    return forwarded == "https" and request.ip in trusted


def set_cookie(request: Request, resp: response.HTTPResponse, name: str, value: str,
               max_age: Optional[int] = None) -> None:
    resp.cookies[name] = value
    resp.cookies[name]["httponly"] = True
    resp.cookies[name]["samesite"] = "Strict"
    resp.cookies[name]["path"] = "/"
    if served_over_https(request):
        resp.cookies[name]["secure"] = True
    if max_age is not None:
        resp.cookies[name]["max-age"] = max_age


def render(request: Request, name: str, status: int = 200, **context: Any) -> response.HTTPResponse:
    context.setdefault("platform_labels", PLATFORM_LABELS)
    session = getattr(request.ctx, "session", None)
    if session is not None:
        context.setdefault("agent", session.agent)
        context.setdefault("supervisor", session.supervisor)
        context.setdefault("csrf_token", session.csrf)
    html = request.app.ctx.templates.get_template(name).render(platforms=PLATFORMS, **context)
    return response.html(html, status=status)


def guard_check(platform: str, text: str) -> Dict[str, Any]:
    """The guard's verdict for ``text`` on ``platform`` as JSON-ready data (live highlighting)."""
    result = Guard.for_platform(platform).check(text)
    return labelled({"platform": platform, "text": text, "verdict": result.verdict, "rewritten": result.rewritten,
                     "violations": [v.as_dict() for v in result.violations]})


def labelled(check: Dict[str, Any]) -> Dict[str, Any]:
    """A guard verdict with each violation's category and action in Chinese, the only form the
    console shows (the live check and the refusal of a blocked reply alike)."""
    keep = ("category", "term", "start", "end", "action")
    violations = [dict({key: v.get(key) for key in keep},
                       category_label=CATEGORY_LABELS.get(v.get("category"), v.get("category")),
                       action_label=ACTION_LABELS.get(v.get("action"), v.get("action")))
                  for v in check.get("violations") or ()]
    return dict(check, violations=violations)
