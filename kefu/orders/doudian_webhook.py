"""抖店 message push (消息推送): order and after-sale events that keep order status current.

抖店 POSTs a JSON array ``[{"tag": "102", "msg_id": "...", "data": "<JSON string>"}]`` with headers
``app-id`` (the app key) and ``event-sign = md5(app_key + raw body + app_secret)``; it expects
``{"code": 0, "msg": "success"}`` and re-delivers otherwise. Handled tags (the rest are
acknowledged and ignored):

=====  ===========================  ========================================
tag    event                        effect
=====  ===========================  ========================================
100    订单创建 trade_TradeCreate    待付款 (only if nothing newer is known)
101    订单支付 trade_TradePaid      待发货, paid_at
102    卖家发货 trade_TradeSellerShip 已发货, tracking number
103    交易完成 trade_TradeSuccess   已签收
106    订单取消 trade_TradeCanceled  已取消
200    买家发起售后 trade_RefundCreated  after-sale recorded (status unchanged)
=====  ===========================  ========================================

Every message is handled once (``msg_id``); a failed one is forgotten again so the
platform's retry is processed. The push passes the one edge's JSON rules
(:func:`kefu.edge.validation.parse_json_body`: nesting, lone surrogates, NaN, huge numbers),
and every field is checked: an impossible time (negative, before 2000, more than a day
ahead, 1e20), a non-numeric amount or an oversized id is a **permanent** error, answered
400 so the platform stops re-delivering; only a failure of kefu itself (the store) is a
500 "retry". :func:`doudian_events_blueprint` is the sanic
blueprint; ``kefu_rasa/doudian_events.py`` mounts it on the Rasa server.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

from kefu.edge.validation import EdgeError, parse_json_body
from kefu.orders.api import CHINA
from kefu.masking import mask_order_id
from kefu.orders.signing import doudian_event_sign, same
from kefu.shop.updates import AfterSale, OrderUpdate, OrderUpdateStore
from kefu.settings import Settings
from kefu.shop.models import OrderStatus

if TYPE_CHECKING:
    from sanic import Blueprint

logger = logging.getLogger("kefu.orders")
SOURCE = "doudian"
SUCCESS = {"code": 0, "msg": "success"}
MAX_BODY_BYTES = 1024 * 1024
# tag -> (status, the data field holding the time of the change)
STATUS_TAGS: Dict[str, Tuple[OrderStatus, str]] = {
    "100": (OrderStatus.UNPAID, "create_time"),
    "101": (OrderStatus.AWAITING_SHIPMENT, "pay_time"),
    "102": (OrderStatus.SHIPPED, "update_time"),
    "103": (OrderStatus.DELIVERED, "complete_time"),
    "106": (OrderStatus.CANCELLED, "cancel_time"),
}
AFTERSALE_TAG = "200"
MAX_JSON_DEPTH = 8
# 抖店's ids are 19-digit integers; anything far longer is not an id.
MAX_INT_DIGITS = 24
MAX_ID_CHARS = 32
MAX_TEXT_CHARS = 64
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=CHINA)
MAX_AHEAD = dt.timedelta(days=1)
MAX_REFUND_CENTS = 10 ** 10


class PushRefused(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.body = status, {"code": code, "msg": msg}


def handle_push(headers: Mapping[str, str], body: bytes, *, app_key: Optional[str], app_secret: Optional[str],
                updates: OrderUpdateStore) -> Dict[str, Any]:
    """Verify and apply one push; returns the JSON to answer. Raises PushRefused (HTTP status + JSON)."""
    if not app_key or not app_secret:
        raise PushRefused(503, 50001, "KEFU_DOUDIAN_APP_KEY / KEFU_DOUDIAN_APP_SECRET not configured")
    if len(body) > MAX_BODY_BYTES:
        raise PushRefused(413, 40013, "body too large")
    sent = _header(headers, "event-sign")
    app_id = _header(headers, "app-id")
    if not sent or not same(sent, doudian_event_sign(app_key, app_secret, body)):
        raise PushRefused(401, 40001, "invalid event-sign")
    if app_id and app_id != app_key:
        raise PushRefused(401, 40002, "app-id does not match")
    messages = _json(body, 40003, "body")
    if not isinstance(messages, list):
        raise PushRefused(400, 40004, "body must be a JSON array of {tag, msg_id, data}")
    for message in messages:
        if not isinstance(message, dict) or not str(message.get("msg_id") or "").strip():
            raise PushRefused(400, 40005, "every message needs tag, msg_id and data")
    for message in messages:
        msg_id = str(message["msg_id"])
        if not updates.first_delivery(SOURCE, msg_id):
            continue  # a re-delivery: already applied
        try:
            apply_message(str(message.get("tag", "")), message.get("data"), updates)
        except PushRefused:
            updates.forget_delivery(SOURCE, msg_id)
            raise
        except (ValueError, TypeError, OverflowError, KeyError):  # malformed data: retrying cannot help
            updates.forget_delivery(SOURCE, msg_id)
            logger.warning("doudian push %s (tag %s) malformed; refused for good", msg_id, message.get("tag"))
            raise PushRefused(400, 40010, "malformed data") from None
        except Exception:
            updates.forget_delivery(SOURCE, msg_id)
            logger.exception("doudian push %s (tag %s) failed; the platform will retry", msg_id, message.get("tag"))
            raise PushRefused(500, 50000, "internal error; retry") from None
    return SUCCESS


def apply_message(tag: str, raw: Any, updates: OrderUpdateStore) -> None:
    if tag not in STATUS_TAGS and tag != AFTERSALE_TAG:
        logger.info("doudian push tag %s ignored", tag)
        return
    data = _json(raw.encode("utf-8", "surrogatepass"), 40006, f"tag {tag}: data") if isinstance(raw, str) else raw
    if not isinstance(data, dict) or data.get("p_id") in (None, ""):
        raise PushRefused(400, 40006, f"tag {tag}: data must be a JSON object with p_id")
    order_id = _id(data["p_id"], "p_id")
    if tag == AFTERSALE_TAG:
        updates.record_aftersale(AfterSale(
            aftersale_id=_id(data.get("aftersale_id") or f"{order_id}-{_id(data.get('s_id', '') or '0', 's_id')}",
                             "aftersale_id", limit=2 * MAX_ID_CHARS),
            order_id=order_id,
            status=_text(data.get("aftersale_status", ""), "aftersale_status"),
            kind=_text(data.get("aftersale_type", ""), "aftersale_type"),
            refund_amount=_cents(data.get("refund_amount")),
            applied_at=_time(data.get("apply_time"), "apply_time") or _now(), source=SOURCE))
        logger.info("doudian after-sale request for order %s recorded", mask_order_id(order_id))
        return
    status, time_field = STATUS_TAGS[tag]
    moment = _time(data.get(time_field), time_field) or _time(data.get("update_time"), "update_time") or _now()
    logistics = data.get("logistics_msg") if isinstance(data.get("logistics_msg"), dict) else {}
    _text(logistics.get("logistics_code") or "", "logistics_code")
    applied = updates.record(OrderUpdate(
        order_id=order_id, status=status, event_time=moment,
        paid_at=moment if tag == "101" else None, shipped_at=moment if tag == "102" else None,
        tracking_number=str(logistics.get("logistics_code") or "")[:40] or None, source=SOURCE))
    logger.info("doudian order %s -> %s%s", mask_order_id(order_id), status.value, "" if applied else " (older, ignored)")


def _json(raw: bytes, code: int, what: str) -> Any:
    """The one edge's JSON rules, with 抖店's 19-digit ids allowed."""
    try:
        return parse_json_body(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_JSON_DEPTH, max_int_digits=MAX_INT_DIGITS)
    except EdgeError as exc:
        raise PushRefused(400, code, f"{what} is not acceptable JSON: {exc}") from None


def _id(value: Any, name: str, limit: int = MAX_ID_CHARS) -> str:
    """An id: a number or a short string of letters, digits, '_' and '-' (a 5,000-digit p_id is refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PushRefused(400, 40007, f"{name} must be a string or an integer")
    text = str(value).strip()
    if not text or len(text) > limit or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in text):
        raise PushRefused(400, 40007, f"{name} must be 1-{limit} letters, digits, '_' or '-'")
    return text


def _text(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or len(str(value)) > MAX_TEXT_CHARS:
        raise PushRefused(400, 40009, f"{name} must be a string of at most {MAX_TEXT_CHARS} characters")
    return str(value)


def _cents(value: Any) -> Optional[float]:
    """An amount in 分 (integer or digit string) as yuan; "abc" or 1e20 is refused."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise PushRefused(400, 40009, "refund_amount must be a whole number of 分")
    cents = int(str(value).strip())
    if cents > MAX_REFUND_CENTS:
        raise PushRefused(400, 40009, "refund_amount is not a possible amount")
    return round(cents / 100, 2)


def _time(value: Any, name: str = "time") -> Optional[dt.datetime]:
    """Unix seconds of an event; absent -> None. Negative, before 2000, more than a day ahead,
    or not a whole number -> refused (an impossible time never overrides newer state as "now")."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise PushRefused(400, 40008, f"{name} must be unix seconds")
    seconds = int(str(value).strip())
    latest = _now() + MAX_AHEAD
    if not EARLIEST.timestamp() <= seconds <= latest.timestamp():
        raise PushRefused(400, 40008, f"{name} is an impossible time")
    return dt.datetime.fromtimestamp(seconds, CHINA)


def _now() -> dt.datetime:
    return dt.datetime.now(CHINA)


def _header(headers: Mapping[str, str], name: str) -> str:
    return str(headers.get(name) or headers.get(name.title()) or "").strip()


def doudian_events_blueprint(settings: Optional[Settings] = None, name: str = "doudian_events") -> "Blueprint":
    """``POST /webhook``: the URL to enter in the 抖店 app's 消息推送 settings (under the mount prefix)."""
    from sanic import Blueprint, response

    settings = settings or Settings.from_env()
    updates = OrderUpdateStore(settings.db_path)
    blueprint = Blueprint(name)

    @blueprint.route("/webhook", methods=["POST"])
    async def push(request: Any) -> Any:
        try:
            answer = handle_push(request.headers, request.body or b"", app_key=settings.doudian_app_key,
                                 app_secret=settings.doudian_app_secret, updates=updates)
        except PushRefused as refused:
            logger.warning("doudian push refused: %s", refused.body["msg"])
            return response.json(refused.body, status=refused.status)
        return response.json(answer)

    return blueprint
