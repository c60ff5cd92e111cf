"""The dialogue engine, handed a store whose orders come from a platform API, answers from the platform."""

from __future__ import annotations

import copy

from kefu.orders import StoreWithOrderSource, with_order_source
from kefu.orders.api import Credentials
from kefu.orders.doudian import DoudianOrderClient
from kefu.orders.source import FallbackOrderSource, LocalOrderSource
from tests.dialogue.conftest import Conversation, shop  # noqa: F401  (the real sample shop fixture)
from tests.orders.fakes import APP_KEY, APP_SECRET, DOUDIAN_ORDER, TOKEN, FakeDoudian


def api_store(shop_store, fake):
    client = DoudianOrderClient(Credentials(APP_KEY, APP_SECRET, TOKEN), transport=fake, clock=lambda: 1795140000.0,
                                sleep=lambda s: None, retries=0)
    return StoreWithOrderSource(shop_store, FallbackOrderSource(client, LocalOrderSource(shop_store)))


def test_a_douyin_buyer_is_told_where_an_order_only_the_platform_knows_is(shop):  # noqa: F811
    fake = FakeDoudian(orders={DOUDIAN_ORDER["order_id"]: copy.deepcopy(DOUDIAN_ORDER)})
    talk = Conversation(api_store(shop, fake), platform="douyin")
    assert shop.order(DOUDIAN_ORDER["order_id"]) is None  # not in the local store
    first = talk.say(f"我的订单{DOUDIAN_ORDER['order_id']}到哪了", intent="ask_logistics")
    replies = first + "\n" + talk.say("4321")  # the engine may first check the phone's last four digits
    assert "78312456789099" in replies
    assert fake.requests  # asked the platform


def test_the_platform_down_still_answers_local_orders(shop):  # noqa: F811
    fake = FakeDoudian(fail_first=99)
    talk = Conversation(api_store(shop, fake), platform="douyin")
    replies = talk.say("我的订单2611200930456789012到哪了", intent="ask_logistics") + talk.say("4321")
    assert "78312456789012" in replies  # the sample order's tracking number, from the local store


def test_default_configuration_hands_over_the_store_itself(shop):  # noqa: F811
    assert with_order_source(shop) is shop
