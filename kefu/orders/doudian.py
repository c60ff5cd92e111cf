"""抖店 (Douyin shop) order API: ``/order/orderDetail`` (method ``order.orderDetail``, v2).

Request: POST ``{base}/order/orderDetail?app_key&method&access_token&timestamp&v=2&sign&sign_method``
with ``param_json`` (``{"shop_order_id": ...}``, keys sorted, no spaces) as the JSON body; signed as
:func:`kefu.orders.signing.doudian_sign` describes. Response: ``{"code": 10000, "msg": "success",
"data": {"shop_order_detail": {...}}}``; amounts in fen, times in unix seconds; receivers come
masked (``mask_post_receiver``/``mask_post_tel``/``mask_post_addr``) and encrypted (never decrypted here).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from kefu.orders.api import PlatformOrderClient, bad_shape, money, province_of, required_time, text, when
from kefu.orders.signing import doudian_param_json, doudian_sign
from kefu.orders.transport import HttpRequest, OrderSourceError
from kefu.shop.catalog import split_spec
from kefu.shop.models import Order, OrderStatus

METHOD = "order.orderDetail"
SUCCESS = 10000
# order_status: 1 待确认/待支付, 105 已支付, 2 备货中, 101 部分发货, 3 已发货, 4 已取消, 5 已完成.
STATUS = {1: OrderStatus.UNPAID, 105: OrderStatus.AWAITING_SHIPMENT, 2: OrderStatus.AWAITING_SHIPMENT,
          101: OrderStatus.SHIPPED, 3: OrderStatus.SHIPPED, 4: OrderStatus.CANCELLED, 5: OrderStatus.DELIVERED}
# Sub-codes meaning "no such order for this shop" (isv.* business errors); anything else is an error.
NOT_FOUND_HINTS = ("不存在", "not exist", "无效的订单")


class DoudianOrderClient(PlatformOrderClient):
    platform = "douyin"
    default_base_url = "https://openapi-fxg.jinritemai.com"
    default_sign_method = "hmac-sha256"

    def build_request(self, order_id: str) -> HttpRequest:
        param_json = doudian_param_json({"shop_order_id": order_id})
        timestamp = str(int(self.clock()))
        c = self.credentials
        sign = doudian_sign(c.app_key, c.app_secret, METHOD, param_json, timestamp, sign_method=self.sign_method)
        return HttpRequest(
            "POST", f"{self.base_url}/order/orderDetail",
            params={"app_key": c.app_key, "method": METHOD, "access_token": c.access_token, "timestamp": timestamp,
                    "v": "2", "sign": sign, "sign_method": self.sign_method},
            body=param_json.encode("utf-8"), headers={"Content-Type": "application/json;charset=UTF-8"},
        )

    def parse(self, payload: Mapping[str, Any], order_id: str) -> Optional[Order]:
        code = payload.get("code")
        if code != SUCCESS:
            message = f"{payload.get('msg', '')} {payload.get('sub_msg', '')}"
            if any(hint in message for hint in NOT_FOUND_HINTS):
                return None
            raise OrderSourceError(f"douyin: code {code} {payload.get('sub_code', '')}".strip())
        detail = (payload.get("data") or {}).get("shop_order_detail")
        if not isinstance(detail, dict):
            raise bad_shape("douyin", "data.shop_order_detail missing")
        status = STATUS.get(detail.get("order_status"))
        if status is None:
            raise bad_shape("douyin", f"order_status {detail.get('order_status')!r}")
        items = detail.get("sku_order_list") or [{}]
        item = items[0] if isinstance(items[0], dict) else {}
        spec = ";".join(f"{s.get('name', '')}:{s.get('value', '')}" for s in item.get("spec") or [] if isinstance(s, dict))
        color, size = split_spec(spec)
        logistics = (detail.get("logistics_info") or [{}])[0] or {}
        addr = detail.get("post_addr") or {}
        province = text((addr.get("province") or {}).get("name"), 20)
        region = "".join(text((addr.get(k) or {}).get("name"), 20) for k in ("province", "city", "town", "street"))
        masked_addr = detail.get("mask_post_addr") or {}
        return Order(
            order_id=text(detail.get("order_id"), 40) or order_id, status=status,
            product_id=text(item.get("out_product_id") or item.get("code") or item.get("product_id"), 40),
            color=color, size=size, quantity=int(item.get("item_num") or 1),
            amount=money(detail.get("pay_amount"), cents=True),
            created_at=required_time("douyin", detail.get("create_time") or detail.get("pay_time")),
            paid_at=when(detail.get("pay_time")), shipped_at=when(logistics.get("ship_time") or detail.get("ship_time")),
            courier=text(logistics.get("company_name"), 20) or None,
            tracking_number=text(logistics.get("tracking_no"), 40) or None,
            receiver_name=text(detail.get("mask_post_receiver"), 40), receiver_phone=text(detail.get("mask_post_tel"), 20),
            receiver_address=(region + text(masked_addr.get("detail") if isinstance(masked_addr, dict) else "", 100))[:300],
            province=province_of(province),
        )
