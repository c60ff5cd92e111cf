"""Pinduoduo order API: ``pdd.order.information.get`` through ``https://gw-api.pinduoduo.com/api/router``.

Request: POST form with ``type``, ``client_id``, ``access_token``, ``timestamp`` (unix seconds),
``data_type=JSON``, ``version=V1``, ``order_sn`` and ``sign`` (:func:`kefu.orders.signing.md5_upper`).
Response: ``{"order_info_get_response": {"order_info": {...}}}`` or ``{"error_response": {"error_code",
"error_msg", "sub_code", "sub_msg"}}``. Amounts in yuan, times ``YYYY-MM-DD HH:MM:SS``; receivers
masked (``receiver_name_mask`` …) or encrypted (never decrypted here).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from kefu.orders.api import PlatformOrderClient, bad_shape, money, province_of, required_time, text, when
from kefu.orders.signing import md5_upper
from kefu.orders.transport import HttpRequest, OrderSourceError
from kefu.shop.catalog import split_spec
from kefu.shop.models import Order, OrderStatus

TYPE = "pdd.order.information.get"
# order_status: 1 待发货, 2 已发货待签收, 3 已签收; refund_status 4 = 退款成功 (the order is closed).
STATUS = {1: OrderStatus.AWAITING_SHIPMENT, 2: OrderStatus.SHIPPED, 3: OrderStatus.DELIVERED}
REFUNDED = 4
NOT_FOUND_HINTS = ("不存在", "not exist", "订单号错误")


class PinduoduoOrderClient(PlatformOrderClient):
    platform = "pinduoduo"
    default_base_url = "https://gw-api.pinduoduo.com/api/router"

    def build_request(self, order_id: str) -> HttpRequest:
        c = self.credentials
        form = {"type": TYPE, "client_id": c.app_key, "access_token": c.access_token,
                "timestamp": str(int(self.clock())), "data_type": "JSON", "version": "V1", "order_sn": order_id}
        form["sign"] = md5_upper(c.app_secret, form)
        return HttpRequest("POST", self.base_url, form=form)

    def parse(self, payload: Mapping[str, Any], order_id: str) -> Optional[Order]:
        error = payload.get("error_response")
        if isinstance(error, dict):
            message = f"{error.get('error_msg', '')} {error.get('sub_msg', '')}"
            if any(hint in message for hint in NOT_FOUND_HINTS):
                return None
            raise OrderSourceError(f"pinduoduo: error_code {error.get('error_code')} {error.get('sub_code', '')}".strip())
        info = (payload.get("order_info_get_response") or {}).get("order_info")
        if not isinstance(info, dict):
            raise bad_shape("pinduoduo", "order_info_get_response.order_info missing")
        status = OrderStatus.CANCELLED if info.get("refund_status") == REFUNDED else STATUS.get(info.get("order_status"))
        if status is None:
            raise bad_shape("pinduoduo", f"order_status {info.get('order_status')!r}")
        item = (info.get("item_list") or [{}])[0] or {}
        color, size = split_spec(text(item.get("goods_spec")))
        region = "".join(text(info.get(k), 20) for k in ("province", "city", "town"))
        return Order(
            order_id=text(info.get("order_sn"), 40) or order_id, status=status,
            product_id=text(item.get("outer_goods_id") or item.get("outer_id") or item.get("goods_id"), 40),
            color=color, size=size, quantity=int(item.get("goods_count") or 1), amount=money(info.get("pay_amount")),
            created_at=required_time("pinduoduo", info.get("created_time") or info.get("pay_time")), paid_at=when(info.get("pay_time")),
            shipped_at=when(info.get("shipping_time")), courier=None,  # logistics_id needs pdd.logistics.companies.get
            tracking_number=text(info.get("tracking_number"), 40) or None,
            receiver_name=text(info.get("receiver_name_mask") or info.get("receiver_name"), 40),
            receiver_phone=text(info.get("receiver_phone_mask") or info.get("receiver_phone"), 20),
            receiver_address=(region + text(info.get("receiver_address_mask") or "", 200))[:300],
            province=province_of(text(info.get("province"), 20)),
        )
