"""Fake platform gateways built from the documented request and response formats.

Each fake checks the request as the real gateway would: the documented common
parameters are present and the signature matches, recomputed here from the
documented recipe (not with kefu's signing code). It then answers in the
documented response shape from its own order table. ``fail_first`` makes the
first N calls time out (or return ``fail_status``) to exercise retries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

from kefu.orders.transport import HttpRequest, HttpResponse, TransportError

APP_KEY, APP_SECRET, TOKEN = "7012345678901234567", "s3cr3t-Of-The-App", "tok-abcdef"


def _md5_upper_recipe(secret: str, params: Dict[str, str]) -> str:
    joined = "".join(k + params[k] for k in sorted(params) if k != "sign")
    return hashlib.md5((secret + joined + secret).encode()).hexdigest().upper()


@dataclass
class FakeGateway:
    orders: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    fail_first: int = 0
    fail_status: Optional[int] = None
    requests: List[HttpRequest] = field(default_factory=list)
    timeouts: List[float] = field(default_factory=list)

    def __call__(self, request: HttpRequest, timeout_s: float) -> HttpResponse:
        self.requests.append(request)
        self.timeouts.append(timeout_s)
        if len(self.requests) <= self.fail_first:
            if self.fail_status:
                return HttpResponse(self.fail_status, b"<html>bad gateway</html>")
            raise TransportError("ReadTimeout calling the fake gateway")
        return HttpResponse(200, json.dumps(self.answer(request), ensure_ascii=False).encode("utf-8"))

    def answer(self, request: HttpRequest) -> Dict[str, Any]:
        raise NotImplementedError


class FakeDoudian(FakeGateway):
    """op.jinritemai.com v2: signature over app_key, method, param_json, timestamp, v; HMAC-SHA256 or MD5."""

    def answer(self, request: HttpRequest) -> Dict[str, Any]:
        assert urlparse(request.url).path == "/order/orderDetail"
        q = dict(request.params)
        assert q["method"] == "order.orderDetail" and q["v"] == "2" and q["app_key"] == APP_KEY
        param_json = request.body.decode()
        assert param_json == json.dumps(json.loads(param_json), sort_keys=True, separators=(",", ":"))
        text = (f"{APP_SECRET}app_key{APP_KEY}method{q['method']}param_json{param_json}"
                f"timestamp{q['timestamp']}v{q['v']}{APP_SECRET}")
        if q["sign_method"] == "md5":
            expected = hashlib.md5(text.encode()).hexdigest()
        else:
            expected = hmac.new(APP_SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
        if q["sign"] != expected:
            return {"code": 40004, "msg": "签名错误", "sub_code": "isv.signature-invalid", "sub_msg": "sign 校验失败"}
        if q["access_token"] != TOKEN:
            return {"code": 30002, "msg": "access_token已过期", "sub_code": "isv.access-token-expired"}
        order_id = json.loads(param_json)["shop_order_id"]
        if order_id not in self.orders:
            return {"code": 50002, "msg": "业务处理失败", "sub_code": "isv.business-failed:5", "sub_msg": "订单不存在"}
        return {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "", "log_id": "2021...",
                "data": {"shop_order_detail": self.orders[order_id]}}


class FakePinduoduo(FakeGateway):
    """gw-api.pinduoduo.com/api/router: form params, sign = MD5(secret + sorted kv + secret) upper."""

    def answer(self, request: HttpRequest) -> Dict[str, Any]:
        form = dict(request.form or {})
        for key in ("type", "client_id", "timestamp", "sign", "access_token", "order_sn"):
            assert key in form, key
        if form["sign"] != _md5_upper_recipe(APP_SECRET, form):
            return {"error_response": {"error_code": 10019, "error_msg": "签名错误", "sub_msg": "", "request_id": "1"}}
        if form["order_sn"] not in self.orders:
            return {"error_response": {"error_code": 50000, "error_msg": "订单不存在", "sub_code": "", "request_id": "2"}}
        return {"order_info_get_response": {"order_info": self.orders[form["order_sn"]], "request_id": "3"}}


class FakeTaobao(FakeGateway):
    """eco.taobao.com/router/rest: TOP common params; md5 or hmac (HMAC-MD5) signatures, upper hex."""

    def answer(self, request: HttpRequest) -> Dict[str, Any]:
        form = dict(request.form or {})
        assert form["method"] == "taobao.trade.fullinfo.get" and form["v"] == "2.0" and form["format"] == "json"
        assert len(form["timestamp"]) == 19 and "tid" in form and "fields" in form
        if form["sign_method"] == "hmac":
            joined = "".join(k + form[k] for k in sorted(form) if k != "sign")
            expected = hmac.new(APP_SECRET.encode(), joined.encode(), hashlib.md5).hexdigest().upper()
        else:
            expected = _md5_upper_recipe(APP_SECRET, form)
        if form["sign"] != expected:
            return {"error_response": {"code": 25, "msg": "Invalid signature", "request_id": "x"}}
        if form["tid"] not in self.orders:
            return {"error_response": {"code": 15, "msg": "Remote service error", "sub_code": "isv.trade-not-exist",
                                       "sub_msg": "交易不存在", "request_id": "y"}}
        return {"trade_fullinfo_get_response": {"trade": self.orders[form["tid"]], "request_id": "z"}}


class FakeJd(FakeGateway):
    """api.jd.com/routerjson: common params + 360buy_param_json; MD5(secret + sorted kv + secret) upper."""

    def answer(self, request: HttpRequest) -> Dict[str, Any]:
        form = dict(request.form or {})
        assert form["method"] == "jingdong.pop.order.get" and form["v"] == "2.0"
        if form["sign"] != _md5_upper_recipe(APP_SECRET, form):
            return {"error_response": {"code": "19", "zh_desc": "签名错误", "en_desc": "Invalid signature"}}
        order_id = json.loads(form["360buy_param_json"])["order_id"]
        info = self.orders.get(order_id)
        return {"jingdong_pop_order_get_responce": {"code": "0", "orderDetailInfo": {
            "orderInfo": info, "apiResult": {"success": True, "chineseErrCode": "成功"}}}}


# Orders in each platform's documented response shape (fields as the order-detail docs list them).
DOUDIAN_ORDER = {
    "order_id": "6923456789012345680", "order_status": 3, "order_status_desc": "已发货",
    "create_time": 1795138200, "pay_time": 1795138260, "pay_amount": 11800, "order_amount": 11800,
    "post_addr": {"province": {"name": "广东省", "id": "44"}, "city": {"name": "广州市", "id": "4401"},
                  "town": {"name": "天河区", "id": "440106"}, "street": {"name": "天河南街道", "id": "1"},
                  "detail": "#FbkE#encrypted-detail#"},
    "mask_post_receiver": "李*", "mask_post_tel": "139****4321", "mask_post_addr": {"detail": "体育西路***"},
    "encrypt_post_receiver": "#x4x#encrypted#", "encrypt_post_tel": "$139$encrypted$",
    "sku_order_list": [{"order_id": "6923456789012345681", "product_id": "3598765432101230001",
                        "product_name": "纯棉圆领短袖T恤", "out_product_id": "p1001", "out_sku_id": "p1001-WH-M",
                        "spec": [{"name": "颜色", "value": "白色"}, {"name": "尺码", "value": "M"}], "item_num": 2}],
    "logistics_info": [{"tracking_no": "78312456789099", "company": "zhongtong", "company_name": "中通快递",
                        "ship_time": 1795167600}],
}
PDD_ORDER = {
    "order_sn": "261122-512345678901234", "order_status": 1, "refund_status": 1, "confirm_status": 1,
    "pay_amount": 129.0, "goods_amount": 129.0, "created_time": "2026-11-22 20:14:05",
    "pay_time": "2026-11-22 20:15:02", "shipping_time": "", "tracking_number": "", "logistics_id": 0,
    "province": "江苏省", "city": "南京市", "town": "鼓楼区", "receiver_name_mask": "王**",
    "receiver_phone_mask": "138****5678", "receiver_address_mask": "中山北路***",
    "receiver_name": "~AgAAAAencrypted~", "receiver_phone": "$5678$encrypted$",
    "item_list": [{"goods_id": 523456789, "goods_name": "加绒连帽卫衣", "goods_spec": "黑色,L", "goods_count": 1,
                   "outer_goods_id": "p1002", "outer_id": "p1002-BK-L", "sku_id": 1234567}],
}
TAOBAO_TRADE = {
    "tid": 3912345678901234568, "tid_str": "3912345678901234568", "status": "WAIT_BUYER_CONFIRM_GOODS",
    "payment": "226.00", "created": "2026-11-19 08:00:00", "pay_time": "2026-11-19 08:01:30",
    "consign_time": "2026-11-19 18:00:00", "receiver_name": "赵*", "receiver_mobile": "186****2233",
    "receiver_state": "北京", "receiver_city": "北京市", "receiver_district": "朝阳区", "receiver_address": "建国路***",
    "orders": {"order": [{"title": "纯棉圆领短袖T恤", "sku_properties_name": "颜色分类:白色;尺码:M", "num": 2,
                          "outer_iid": "p1001", "num_iid": 650000000001, "logistics_company": "顺丰速运",
                          "invoice_no": "SF1400123456789"}]},
}
JD_ORDER = {
    "orderId": "312345678902", "orderState": "WAIT_GOODS_RECEIVE_CONFIRM", "orderTotalPrice": "118.00",
    "orderPayment": "118.00", "orderStartTime": "2026-11-20 09:30:00", "paymentConfirmTime": "2026-11-20 09:31:00",
    "consigneeInfo": {"fullname": "李*", "mobile": "139****4321", "fullAddress": "广东广州市天河区体育西路***",
                      "province": "广东"},
    "itemInfoList": [{"skuId": "100012345001", "wareName": "纯棉圆领短袖T恤", "skuName": "纯棉圆领短袖T恤 白色 M",
                      "itemTotal": "2", "outerSkuId": "p1001"}],
    "waybill": "JDVA12345678901", "logisticsId": "2087",
}
