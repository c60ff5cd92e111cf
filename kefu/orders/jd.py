"""JD order API: ``jingdong.pop.order.get`` through ``https://api.jd.com/routerjson``.

Request: POST form with ``method``, ``app_key``, ``access_token``, ``timestamp`` (``YYYY-MM-DD
HH:MM:SS``, Beijing time), ``v=2.0``, ``format=json``, ``sign_method=md5`` and the business
parameters as JSON in ``360buy_param_json`` (``{"order_id": ..., "optional_fields": ...}``); ``sign``
as :func:`kefu.orders.signing.md5_upper`. Response: ``{"jingdong_pop_order_get_responce":
{"code": "0", "orderDetailInfo": {"orderInfo": {...}}}}`` (``responce`` is JD's spelling) or
``{"error_response": {"code", "zh_desc", "en_desc"}}``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from kefu.orders.api import PlatformOrderClient, bad_shape, money, province_of, required_time, text, when
from kefu.orders.signing import md5_upper
from kefu.orders.transport import HttpRequest, OrderSourceError
from kefu.shop.catalog import split_spec
from kefu.shop.models import Order, OrderStatus

METHOD = "jingdong.pop.order.get"
RESPONSE_KEY = "jingdong_pop_order_get_responce"
OPTIONAL_FIELDS = ("orderId,orderState,orderPayment,orderTotalPrice,orderStartTime,paymentConfirmTime,"
                   "consigneeInfo,itemInfoList,waybill,logisticsId,orderEndTime")
STATUS = {
    "WAIT_SELLER_STOCK_OUT": OrderStatus.AWAITING_SHIPMENT, "WAIT_GOODS_RECEIVE_CONFIRM": OrderStatus.SHIPPED,
    "WAIT_SELLER_DELIVERY": OrderStatus.SHIPPED, "FINISHED_L": OrderStatus.DELIVERED,
    "TRADE_CANCELED": OrderStatus.CANCELLED, "POP_ORDER_PAUSE": OrderStatus.AWAITING_SHIPMENT,
    "LOCKED": OrderStatus.AWAITING_SHIPMENT,
}


class JdOrderClient(PlatformOrderClient):
    platform = "jd"
    default_base_url = "https://api.jd.com/routerjson"

    def build_request(self, order_id: str) -> HttpRequest:
        c = self.credentials
        business = json.dumps({"order_id": order_id, "optional_fields": OPTIONAL_FIELDS}, separators=(",", ":"))
        form = {"method": METHOD, "app_key": c.app_key, "access_token": c.access_token, "timestamp": self.now_text(),
                "v": "2.0", "format": "json", "sign_method": "md5", "360buy_param_json": business}
        form["sign"] = md5_upper(c.app_secret, form)
        return HttpRequest("POST", self.base_url, form=form)

    def parse(self, payload: Mapping[str, Any], order_id: str) -> Optional[Order]:
        error = payload.get("error_response")
        if isinstance(error, dict):
            raise OrderSourceError(f"jd: code {error.get('code')}")
        body = payload.get(RESPONSE_KEY)
        if not isinstance(body, dict):
            raise bad_shape("jd", f"{RESPONSE_KEY} missing")
        if str(body.get("code")) != "0":
            raise OrderSourceError(f"jd: code {body.get('code')}")
        info = (body.get("orderDetailInfo") or {}).get("orderInfo")
        if not info:
            return None  # JD answers an unknown order id with an empty orderInfo
        status = STATUS.get(str(info.get("orderState")))
        if status is None:
            raise bad_shape("jd", f"orderState {info.get('orderState')!r}")
        item = (info.get("itemInfoList") or [{}])[0] or {}
        name = text(item.get("skuName"), 100)
        product_name = text(item.get("wareName") or "", 100)
        color, size = split_spec(name[len(product_name):] if product_name and name.startswith(product_name) else "")
        consignee = info.get("consigneeInfo") or {}
        return Order(
            order_id=text(info.get("orderId"), 40) or order_id, status=status,
            product_id=text(item.get("outerSkuId") or item.get("skuId"), 40), color=color, size=size,
            quantity=int(item.get("itemTotal") or 1), amount=money(info.get("orderPayment") or info.get("orderTotalPrice")),
            created_at=required_time("jd", info.get("orderStartTime")), paid_at=when(info.get("paymentConfirmTime")),
            shipped_at=None, courier=None, tracking_number=text(info.get("waybill"), 40) or None,
            receiver_name=text(consignee.get("fullname"), 40), receiver_phone=text(consignee.get("mobile"), 20),
            receiver_address=text(consignee.get("fullAddress"), 300),
            province=province_of(text(consignee.get("province"), 20)),
        )
