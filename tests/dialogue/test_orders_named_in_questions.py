"""Questions about an order named in the message, and product names that contain a fact word.

From the retired held-out set of 2026-12-02 (textiles shop, tests/shops/textiles): 「鹅绒被那单咋样了」
was answered with the duvet's 含绒量 (鹅绒 is in the product's name), 「订单… 徐静 啥时候发货」 with the
shop's dispatch policy instead of that presale order's date, 「… 浴巾今天能到不」 with a request for the
province instead of the parcel's tracking. Facts are checked against tests/shops/textiles/orders.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from kefu.shop.store import ShopStore, load_shop
from tests.dialogue.conftest import PROJECT_ROOT, Conversation

TEXTILES = PROJECT_ROOT / "tests" / "shops" / "textiles"


@pytest.fixture
def textiles(tmp_path: Path) -> Iterator[ShopStore]:
    load_shop(TEXTILES, tmp_path / "kefu.db")
    store = ShopStore(tmp_path / "kefu.db")
    yield store
    store.close()


def test_a_fact_word_inside_the_product_name_asks_no_fact(textiles: ShopStore) -> None:
    talk = Conversation(textiles, shop_dir=TEXTILES)
    said = talk.say("订单2611261650827364019 尾号3751 鹅绒被那单咋样了")
    assert "取消" in said and "含绒" not in said and "查不到" not in said


def test_the_fact_is_still_answered_when_asked_beside_the_name(textiles: ShopStore) -> None:
    talk = Conversation(textiles, shop_dir=TEXTILES)
    assert "95%" in talk.say("鹅绒被含绒量多少")
    assert "白鹅绒" in Conversation(textiles, shop_dir=TEXTILES).say("鹅绒被是鹅绒还是鸭绒")


def test_dispatch_of_a_named_presale_order_is_its_own_date(textiles: ShopStore) -> None:
    talk = Conversation(textiles, shop_dir=TEXTILES)
    said = talk.say("订单2611301105264519832 徐静 啥时候发货")
    assert "12月15日" in said and "今天就能发出" not in said


def test_arrival_of_a_named_order_reads_its_tracking(textiles: ShopStore) -> None:
    talk = Conversation(textiles, shop_dir=TEXTILES)
    said = talk.say("2611271340905167284 梁嘉欣 浴巾今天能到不")
    assert "派送" in said and "SF1609283745102" in said and "省份" not in said


def test_a_new_purchase_still_gets_the_dispatch_policy(textiles: ShopStore) -> None:
    talk = Conversation(textiles, shop_dir=TEXTILES)
    talk.say("2611271340905167284 梁嘉欣 到哪了")
    said = talk.say("再买一套四件套 现在拍几号发")
    assert "15:30" in said and "SF1609283745102" not in said


def test_size_advice_never_promises_a_restock_date_already_past(talk) -> None:
    """Sample shop: 帆布鞋 39 restocks 2026-11-30 (shop/catalog.yml); the clock is 2026-12-01."""
    said = talk().say("帆布鞋黑色脚长245")
    assert "39码" in said and "11月30日" not in said and "40码" in said
