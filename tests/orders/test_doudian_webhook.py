"""抖店 message push through the real blueprint over HTTP, with payloads in the documented format.

What a buyer notices: after 抖店 pushes 卖家发货 the assistant tells them their parcel
is on its way with the tracking number; a forged push changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from sanic import Sanic

from kefu.orders.doudian_webhook import doudian_events_blueprint
from kefu.shop.updates import OrderUpdateStore
from kefu.settings import PROJECT_ROOT, Settings
from kefu.shop.models import OrderStatus
from kefu.shop.store import ShopStore, load_shop
from tests.running_app import RunningApp

Sanic.test_mode = True
APP_KEY, APP_SECRET = "6987654321012345678", "dd-secret-abc"
AWAITING = "2611220845123456701"   # sample shop: 待发货
UNPAID = "2611230955001122334"     # sample shop: 待付款


@pytest.fixture()
def hook(tmp_path: Path):
    db = tmp_path / "kefu.db"
    load_shop(PROJECT_ROOT / "shop", db)
    settings = replace(Settings(), state_dir=tmp_path, db_path=db, doudian_app_key=APP_KEY,
                       doudian_app_secret=APP_SECRET)
    app = Sanic(f"doudian_{time.monotonic_ns()}")
    app.blueprint(doudian_events_blueprint(settings), url_prefix="/webhooks/doudian_events")
    with RunningApp(app) as running:
        yield running.url + "/webhooks/doudian_events/webhook", db


def push(url: str, messages, *, key: str = APP_KEY, secret: str = APP_SECRET, app_id: str = APP_KEY):
    body = json.dumps(messages, ensure_ascii=False).encode()
    sign = hashlib.md5(key.encode() + body + secret.encode()).hexdigest()  # the documented recipe
    return requests.post(url, data=body, headers={"app-id": app_id, "event-sign": sign,
                                                  "Content-Type": "application/json"}, timeout=10)


def message(tag: str, msg_id: str, **data) -> dict:
    return {"tag": tag, "msg_id": msg_id, "data": json.dumps(data)}


def shipped(order_id: str, msg_id: str = "m-102", when: int = 1795500000, code: str = "78399990000111") -> dict:
    return message("102", msg_id, p_id=int(order_id), s_ids=[int(order_id) + 1], shop_id=12345, order_status=3,
                   logistics_msg={"express_company_id": "7", "logistics_code": code}, update_time=when)


def test_shipment_event_updates_what_the_buyer_is_told(hook):
    from kefu.shop.answers import logistics_answer
    from kefu.shop.config import load_shop_config

    url, db = hook
    reply = push(url, [shipped(AWAITING)])
    assert reply.status_code == 200 and reply.json() == {"code": 0, "msg": "success"}
    order = ShopStore(db).order(AWAITING)
    assert order.status is OrderStatus.SHIPPED and order.tracking_number == "78399990000111"
    config = load_shop_config(PROJECT_ROOT / "shop" / "shop.yml")
    text = logistics_answer(order, order.shipped_at, config=config).text
    assert "78399990000111" in text
    # No scan history from 抖店: the buyer reads when it left, not an empty "目前物流： 。".
    assert order.latest_event.time == order.shipped_at and order.latest_event.text in text
    assert "：。" not in text.replace(" ", "")


def test_payment_then_cancellation_in_one_push(hook):
    url, db = hook
    paid = message("101", "m-101", p_id=int(UNPAID), s_ids=[1], shop_id=1, order_status=2, pay_time=1795400000,
                   pay_amount=23900)
    assert push(url, [paid]).json()["code"] == 0
    assert ShopStore(db).order(UNPAID).status is OrderStatus.AWAITING_SHIPMENT
    cancelled = message("106", "m-106", p_id=int(UNPAID), s_ids=[1], shop_id=1, order_status=4, cancel_time=1795400600)
    assert push(url, [cancelled]).json()["code"] == 0
    assert ShopStore(db).order(UNPAID).status is OrderStatus.CANCELLED


def test_a_late_older_event_does_not_undo_a_newer_one(hook):
    url, db = hook
    push(url, [shipped(AWAITING, when=1795500000)])
    late_paid = message("101", "m-late", p_id=int(AWAITING), s_ids=[1], shop_id=1, order_status=2, pay_time=1795000000)
    assert push(url, [late_paid]).json()["code"] == 0
    assert ShopStore(db).order(AWAITING).status is OrderStatus.SHIPPED


def test_a_redelivered_message_is_applied_once(hook):
    url, db = hook
    push(url, [shipped(AWAITING, msg_id="m-once", code="FIRST0000000001")])
    # Same msg_id again (抖店 retries): even with other content it is not applied twice.
    push(url, [shipped(AWAITING, msg_id="m-once", when=1795600000, code="OTHER0000000002")])
    assert ShopStore(db).order(AWAITING).tracking_number == "FIRST0000000001"


def test_updates_survive_a_yaml_reload(hook):
    url, db = hook
    push(url, [shipped(AWAITING)])
    load_shop(PROJECT_ROOT / "shop", db, force=True)
    assert ShopStore(db).order(AWAITING).status is OrderStatus.SHIPPED


def test_refund_request_is_recorded_without_changing_status(hook):
    url, db = hook
    refund = message("200", "m-200", aftersale_id=7000000000001, aftersale_status=6, aftersale_type=2,
                     p_id=int(AWAITING), s_id=int(AWAITING) + 1, shop_id=1, apply_time=1795450000,
                     refund_amount=11800, reason_code=1)
    assert push(url, [refund]).json()["code"] == 0
    assert ShopStore(db).order(AWAITING).status is OrderStatus.AWAITING_SHIPMENT
    [aftersale] = OrderUpdateStore(db).aftersales(AWAITING)
    assert aftersale["refund_amount"] == 118.0 and aftersale["aftersale_id"] == "7000000000001"


def test_event_for_an_order_imported_later_still_applies(hook, monkeypatch):
    from kefu.cli import main

    url, db = hook
    push(url, [shipped("6923456789012345678", msg_id="m-early")])
    monkeypatch.setenv("KEFU_DB_PATH", str(db))
    assert main(["import", "orders", str(PROJECT_ROOT / "tests/imports/fixtures/douyin_orders.csv"),
                 "--platform", "douyin"]) == 0
    assert ShopStore(db).order("6923456789012345678").status is OrderStatus.SHIPPED  # the export said 备货中


def test_unknown_tags_are_acknowledged(hook):
    url, _ = hook
    assert push(url, [message("9999", "m-x", p_id=1)]).json() == {"code": 0, "msg": "success"}


@pytest.mark.parametrize("kwargs,status", [
    ({"secret": "forged"}, 401),
    ({"key": "another-app"}, 401),
    ({"app_id": "another-app"}, 401),
])
def test_forged_pushes_change_nothing(hook, kwargs, status):
    url, db = hook
    reply = push(url, [shipped(AWAITING)], **kwargs)
    assert reply.status_code == status and reply.json()["code"] != 0
    assert ShopStore(db).order(AWAITING).status is OrderStatus.AWAITING_SHIPMENT


@pytest.mark.parametrize("messages,status", [
    ({"tag": "102"}, 400),
    ([{"tag": "102", "data": "{}"}], 400),
    ([{"tag": "102", "msg_id": "m-bad", "data": "{\"s_ids\": [1]}"}], 400),
    ([{"tag": "102", "msg_id": "m-bad2", "data": "not json"}], 400),
])
def test_malformed_pushes_are_refused_and_can_be_retried(hook, messages, status):
    url, db = hook
    reply = push(url, messages)
    assert reply.status_code == status and reply.json()["code"] != 0
    assert ShopStore(db).order(AWAITING).status is OrderStatus.AWAITING_SHIPMENT


def test_not_configured_is_a_clear_503(tmp_path):
    settings = replace(Settings(), state_dir=tmp_path, db_path=tmp_path / "kefu.db")
    app = Sanic(f"doudian_off_{time.monotonic_ns()}")
    app.blueprint(doudian_events_blueprint(settings), url_prefix="/x")
    with RunningApp(app) as running:
        reply = push(running.url + "/x/webhook", [shipped(AWAITING)])
    assert reply.status_code == 503 and "KEFU_DOUDIAN_APP_KEY" in reply.json()["msg"]
