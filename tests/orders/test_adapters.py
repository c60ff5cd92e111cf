"""Order adapters against fake gateways that check the documented signing and answer in the documented shape.

A buyer notices: the order's status, item, amount and tracking number are right;
a wrong secret or a down platform never leaves them without an answer (the
local store answers); the log never shows a receiver's phone or name.
"""

from __future__ import annotations

import copy
import logging

import pytest

from kefu.orders.api import Credentials
from kefu.orders.doudian import DoudianOrderClient
from kefu.orders.jd import JdOrderClient
from kefu.orders.pinduoduo import PinduoduoOrderClient
from kefu.orders.source import FallbackOrderSource, LocalOrderSource
from kefu.orders.taobao import TaobaoOrderClient
from kefu.orders.transport import OrderSourceError
from kefu.shop.models import OrderStatus
from tests.orders.fakes import (APP_KEY, APP_SECRET, DOUDIAN_ORDER, JD_ORDER, PDD_ORDER, TAOBAO_TRADE, TOKEN,
                                FakeDoudian, FakeJd, FakePinduoduo, FakeTaobao)

CREDENTIALS = Credentials(APP_KEY, APP_SECRET, TOKEN)
NOW = 1795140000.0

CASES = {
    # platform: (client class, fake, order id, expected (status, product, colour, size, qty, amount, tracking))
    "douyin": (DoudianOrderClient, FakeDoudian, DOUDIAN_ORDER, "6923456789012345680",
               (OrderStatus.SHIPPED, "p1001", "白色", "M", 2, 118.0, "78312456789099")),
    "pinduoduo": (PinduoduoOrderClient, FakePinduoduo, PDD_ORDER, "261122-512345678901234",
                  (OrderStatus.AWAITING_SHIPMENT, "p1002", "黑色", "L", 1, 129.0, None)),
    "taobao": (TaobaoOrderClient, FakeTaobao, TAOBAO_TRADE, "3912345678901234568",
               (OrderStatus.SHIPPED, "p1001", "白色", "M", 2, 226.0, "SF1400123456789")),
    "jd": (JdOrderClient, FakeJd, JD_ORDER, "312345678902",
           (OrderStatus.SHIPPED, "p1001", "白色", "M", 2, 118.0, "JDVA12345678901")),
}


def client_for(platform, credentials=CREDENTIALS, **options):
    cls, fake_cls, order, order_id, expected = CASES[platform]
    fake = fake_cls(orders={order_id: copy.deepcopy(order)}, **options.pop("fake", {}))
    sleeps = []
    client = cls(credentials, transport=fake, clock=lambda: NOW, sleep=sleeps.append, **options)
    return client, fake, order_id, expected, sleeps


@pytest.mark.parametrize("platform", sorted(CASES))
def test_signed_request_returns_the_order(platform):
    client, fake, order_id, expected, _ = client_for(platform)
    order = client.get(order_id)
    assert order is not None
    assert (order.status, order.product_id, order.color, order.size, order.quantity, order.amount,
            order.tracking_number) == expected
    assert order.order_id == order_id
    assert "****" in order.receiver_phone  # the masked phone, never the encrypted blob
    assert len(fake.requests) == 1 and fake.timeouts == [5.0]


@pytest.mark.parametrize("platform,sign_method", [("douyin", "md5"), ("taobao", "hmac")])
def test_the_other_documented_sign_method(platform, sign_method):
    client, _, order_id, expected, _ = client_for(platform, sign_method=sign_method)
    assert client.get(order_id).status is expected[0]


@pytest.mark.parametrize("platform", sorted(CASES))
def test_unknown_order_is_none(platform):
    client, _, _, _, _ = client_for(platform)
    assert client.get("1111111111111111") is None


@pytest.mark.parametrize("platform", sorted(CASES))
def test_wrong_secret_is_an_error_not_a_missing_order(platform):
    client, _, order_id, _, _ = client_for(platform, credentials=Credentials(APP_KEY, "wrong", TOKEN))
    with pytest.raises(OrderSourceError):
        client.get(order_id)


@pytest.mark.parametrize("platform", sorted(CASES))
def test_timeouts_are_retried_with_backoff(platform):
    client, fake, order_id, expected, sleeps = client_for(platform, retries=2, fake={"fail_first": 2})
    assert client.get(order_id).status is expected[0]
    assert len(fake.requests) == 3 and sleeps == [0.5, 1.0]


def test_5xx_is_retried_and_gives_up_after_the_configured_attempts():
    client, fake, order_id, _, sleeps = client_for("douyin", retries=1, timeout_s=2.0,
                                                   fake={"fail_first": 5, "fail_status": 502})
    with pytest.raises(OrderSourceError, match="2 attempts"):
        client.get(order_id)
    assert len(fake.requests) == 2 and fake.timeouts == [2.0, 2.0]


def test_a_down_platform_falls_back_to_the_local_store(store):
    client, fake, _, _, _ = client_for("pinduoduo", retries=0, fake={"fail_first": 99})
    source = FallbackOrderSource(client, LocalOrderSource(store))
    order = source.get("2611200930456789012")  # a sample-shop order, answered locally
    assert order is not None and order.status is OrderStatus.SHIPPED
    assert len(fake.requests) == 1


def test_no_fallback_raises():
    client, _, order_id, _, _ = client_for("jd", retries=0, fake={"fail_first": 99})
    with pytest.raises(OrderSourceError):
        FallbackOrderSource(client, None).get(order_id)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"data": {"shop_order_detail": "x"}, "code": 10000}',
                                  b'{"code": 10000, "data": {"shop_order_detail": {"order_status": 3, '
                                  b'"create_time": "yesterday"}}}'])
def test_malformed_responses_are_errors(body):
    from kefu.orders.transport import HttpResponse

    client = DoudianOrderClient(CREDENTIALS, transport=lambda request, timeout: HttpResponse(200, body),
                                clock=lambda: NOW, sleep=lambda s: None)
    with pytest.raises(OrderSourceError):
        client.get("6923456789012345680")


def test_logs_never_show_the_receiver(caplog):
    client, _, order_id, _, _ = client_for("douyin", retries=1, fake={"fail_first": 1})
    with caplog.at_level(logging.DEBUG, logger="kefu.orders"):
        client.get(order_id)
    logged = caplog.text
    assert "139****4321" not in logged and "李*" not in logged and "encrypted" not in logged
    assert "6923****5680" in logged  # enough to find the order in the log


def test_credentials_repr_hides_secrets():
    assert APP_SECRET not in repr(CREDENTIALS) and TOKEN not in repr(CREDENTIALS)


def test_doudian_request_is_the_documented_one():
    client, fake, order_id, _, _ = client_for("douyin")
    client.get(order_id)
    request = fake.requests[0]
    assert request.url == "https://openapi-fxg.jinritemai.com/order/orderDetail"
    assert request.params["timestamp"] == str(int(NOW)) and request.params["sign_method"] == "hmac-sha256"
    assert request.body == b'{"shop_order_id":"6923456789012345680"}'


def test_pinduoduo_refunded_order_reads_as_cancelled():
    order = copy.deepcopy(PDD_ORDER)
    order["refund_status"] = 4
    client = PinduoduoOrderClient(CREDENTIALS, transport=FakePinduoduo(orders={order["order_sn"]: order}),
                                  clock=lambda: NOW, sleep=lambda s: None)
    assert client.get(order["order_sn"]).status is OrderStatus.CANCELLED


def test_the_logistics_answer_a_buyer_gets_from_an_api_order(config):
    from kefu.shop.answers import logistics_answer
    from tests.shop.conftest import at

    client, _, order_id, _, _ = client_for("taobao")
    answer = logistics_answer(client.get(order_id), at(2026, 11, 20, 10), config=config)
    assert "SF1400123456789" in answer.text and "顺丰" in answer.text
