"""Taobao/Tmall order API (TOP): ``taobao.trade.fullinfo.get`` through ``https://eco.taobao.com/router/rest``.

Request: POST form with ``method``, ``app_key``, ``session`` (the shop's access token), ``timestamp``
(``YYYY-MM-DD HH:MM:SS``, Beijing time), ``format=json``, ``v=2.0``, ``sign_method`` (``md5`` or
``hmac``), ``fields`` and ``tid``; ``sign`` as :mod:`kefu.orders.signing` describes. Response:
``{"trade_fullinfo_get_response": {"trade": {...}}}`` or ``{"error_response": {"code", "msg",
"sub_code", "sub_msg"}}``; ``trade.orders.order`` lists the items.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from kefu.orders.api import PlatformOrderClient, bad_shape, money, province_of, required_time, text, when
from kefu.orders.signing import hmac_md5_upper, md5_upper
from kefu.orders.transport import HttpRequest, OrderSourceError
from kefu.shop.catalog import split_spec
from kefu.shop.models import Order, OrderStatus

METHOD = "taobao.trade.fullinfo.get"
FIELDS = ("tid,tid_str,status,payment,created,pay_time,consign_time,receiver_name,receiver_mobile,receiver_state,"
          "receiver_city,receiver_district,receiver_address,orders.title,orders.sku_properties_name,orders.num,"
          "orders.outer_iid,orders.num_iid,orders.logistics_company,orders.invoice_no")
STATUS = {
    "TRADE_NO_CREATE_PAY": OrderStatus.UNPAID, "WAIT_BUYER_PAY": OrderStatus.UNPAID,
    "WAIT_SELLER_SEND_GOODS": OrderStatus.AWAITING_SHIPMENT, "SELLER_CONSIGNED_PART": OrderStatus.SHIPPED,
    "WAIT_BUYER_CONFIRM_GOODS": OrderStatus.SHIPPED, "TRADE_BUYER_SIGNED": OrderStatus.DELIVERED,
    "TRADE_FINISHED": OrderStatus.DELIVERED, "TRADE_CLOSED": OrderStatus.CANCELLED,
    "TRADE_CLOSED_BY_TAOBAO": OrderStatus.CANCELLED,
}
NOT_FOUND_SUB_CODES = ("isv.trade-not-exist", "isv.invalid-parameter:tid")


class TaobaoOrderClient(PlatformOrderClient):
    platform = "taobao"
    default_base_url = "https://eco.taobao.com/router/rest"
    default_sign_method = "md5"

    def build_request(self, order_id: str) -> HttpRequest:
        c = self.credentials
        form = {"method": METHOD, "app_key": c.app_key, "session": c.access_token, "timestamp": self.now_text(),
                "format": "json", "v": "2.0", "sign_method": self.sign_method, "fields": FIELDS, "tid": order_id}
        sign = hmac_md5_upper if self.sign_method == "hmac" else md5_upper
        form["sign"] = sign(c.app_secret, form)
        return HttpRequest("POST", self.base_url, form=form)

    def parse(self, payload: Mapping[str, Any], order_id: str) -> Optional[Order]:
        error = payload.get("error_response")
        if isinstance(error, dict):
            if str(error.get("sub_code", "")) in NOT_FOUND_SUB_CODES:
                return None
            raise OrderSourceError(f"taobao: code {error.get('code')} {error.get('sub_code', '')}".strip())
        trade = (payload.get("trade_fullinfo_get_response") or {}).get("trade")
        if not isinstance(trade, dict):
            raise bad_shape("taobao", "trade_fullinfo_get_response.trade missing")
        status = STATUS.get(str(trade.get("status")))
        if status is None:
            raise bad_shape("taobao", f"status {trade.get('status')!r}")
        items = ((trade.get("orders") or {}).get("order") or [{}])
        item = items[0] if isinstance(items[0], dict) else {}
        color, size = split_spec(text(item.get("sku_properties_name")))
        region = "".join(text(trade.get(k), 20) for k in ("receiver_state", "receiver_city", "receiver_district"))
        return Order(
            order_id=text(trade.get("tid_str") or trade.get("tid"), 40) or order_id, status=status,
            product_id=text(item.get("outer_iid") or item.get("num_iid"), 40), color=color, size=size,
            quantity=int(item.get("num") or 1), amount=money(trade.get("payment")),
            created_at=required_time("taobao", trade.get("created")), paid_at=when(trade.get("pay_time")),
            shipped_at=when(trade.get("consign_time")), courier=text(item.get("logistics_company"), 20) or None,
            tracking_number=text(item.get("invoice_no"), 40) or None,
            receiver_name=text(trade.get("receiver_name"), 40), receiver_phone=text(trade.get("receiver_mobile"), 20),
            receiver_address=(region + text(trade.get("receiver_address"), 200))[:300],
            province=province_of(text(trade.get("receiver_state"), 20)),
        )
