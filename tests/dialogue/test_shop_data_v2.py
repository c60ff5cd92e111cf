"""Shop data v2 through the engine: typed spans read against the catalogue, size advice from the size
system checked against stock, facts in the shop's own words, per-SKU price and presale, per-order 运费险.

The shops are the three written by people who had not read the code (tests/shops/); what a buyer must
read is taken from those files by hand (clock: Tuesday 1 December 2026, 10:00).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Dict, Iterator

import pytest

from kefu.dialogue import CatalogView, read
from kefu.dialogue.facts import answer_fact
from kefu.shop.config import ShopConfig, load_shop_config
from kefu.shop.store import ShopStore, load_shop

from tests.dialogue.conftest import Conversation

ROOT = Path(__file__).resolve().parents[2]
SHOPS = ROOT / "tests" / "shops"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, ShopStore]]:
    opened = {}
    for name in ("kids", "textiles", "cosmetics"):
        db = tmp_path_factory.mktemp(name) / "kefu.db"
        load_shop(SHOPS / name, db)
        opened[name] = ShopStore(db)
    yield opened
    for store in opened.values():
        store.close()


@pytest.fixture
def buyer(stores) -> Callable[..., Conversation]:
    return lambda shop, product=None, order=None: Conversation(stores[shop], product=product, order=order,
                                                                shop_dir=SHOPS / shop)


def spans_of(store: ShopStore, product_id: str, text: str):
    catalog = CatalogView.from_store(store)
    found = read(text, catalog, catalog.product(product_id))
    return found, [(s.kind, s.measure or s.value, text[s.start:s.end]) for s in found.spans]


@pytest.mark.parametrize("shop, product, text, sizes, colors", [
    ("kids", "k2001", "粉色130有货吗", ["130"], ["粉色"]),
    ("kids", "k2002", "红色110有货吗", ["110"], ["红色"]),
    ("textiles", "t3001", "雾霾蓝1.8m床有货吗", ["1.8m床"], ["雾霾蓝"]),
    ("textiles", "t3001", "1米8的床 奶油白有吗", ["1.8m床"], ["奶油白"]),
    ("textiles", "t3001", "一米二的还能买吗", ["1.2m床"], []),
    ("textiles", "t3001", "两米的床 燕麦色", ["2.0m床"], ["燕麦色"]),
    ("textiles", "t3001", "奶油白180的没了？", ["1.8m床"], ["奶油白"]),
    ("textiles", "t3002", "6斤的200x230有吗", ["200×230cm"], ["6斤"]),   # 6斤 is the option, not a weight
    ("cosmetics", "c3001", "面霜50ml的还有吗", ["50ml"], []),
    ("cosmetics", "c3003", "口红999还有吗", [], ["#999"]),
])
def test_every_size_string_of_the_shop_is_read(stores, shop, product, text, sizes, colors) -> None:
    found, _ = spans_of(stores[shop], product, text)
    assert found.sizes == sizes and found.colors == colors and not found.measures


def test_a_measurement_is_read_where_it_is_plausible_for_the_size_system(stores) -> None:
    found, spans = spans_of(stores["kids"], "k2001", "110和120选哪个 孩子身高112")
    assert found.sizes == ["110", "120"] and found.measures == {"height": 112}   # 110 is a size, not 110斤
    assert ("measure", "height", "身高112") in spans
    found, _ = spans_of(stores["kids"], "k2001", "宝宝身高100 体重32斤")
    assert found.measures == {"height": 100, "weight": 16}                       # a 16 kg child is a child
    assert spans_of(stores["kids"], "k2001", "5岁宝宝穿几码")[0].measures == {"age": 5}
    assert spans_of(stores["kids"], "k2001", "3岁半")[0].measures == {"age": 3.5}
    assert spans_of(stores["kids"], "k2006", "脚长16.3cm 鞋子穿几码")[0].measures == {"foot": 163}
    assert spans_of(stores["textiles"], "t3001", "我家床1米6")[0].measures == {"bed_width": 160}


def test_spans_carry_positions_over_the_original_text(stores) -> None:
    text = "粉色130 身高125cm 要2件"
    _, spans = spans_of(stores["kids"], "k2001", text)
    assert spans == [("color", "粉色", "粉色"), ("size", "130", "130"), ("measure", "height", "身高125cm"),
                     ("quantity", 2, "2件")]


def test_size_advice_from_the_system_and_never_a_sold_out_size_silently(buyer) -> None:
    kid = buyer("kids", "k2001")
    assert "130码" in kid.say("孩子一米二八 穿卫衣拿多大码")
    assert "120码" in buyer("kids", "k2005").say("5岁半 四十五斤 毛衣穿啥码")
    advice = buyer("kids", "k2006").say("脚长16.3cm 鞋子穿几码")
    assert "28码" in advice
    shoes = buyer("kids", "k2006")
    shoes.say("要粉色的")
    sold_out = shoes.say("脚长16.3cm 穿几码")
    assert "28码" in sold_out and "12月6日" in sold_out                     # pink 28 is out: its restock date
    bed = buyer("textiles", "t3001").say("我家床1米6用哪个")
    assert "1.8m床" in bed and "1.6米" in bed


def test_which_sizes_are_left_lists_only_what_is_in_stock(buyer) -> None:
    left = buyer("kids", "k2001").say("藏青还有啥码")
    assert "100、120、130、140" in left and "150预计12月10日补货" in left
    assert "110" not in left                                                  # 藏青 110: sold out, no date


def test_per_sku_price_and_presale(buyer) -> None:
    assert "59" in buyer("kids", "k2003").say("运动裤140的多少钱")
    presale = buyer("kids", "k2002").say("红色羽绒服140 现在拍啥时候发")
    assert "12月15日" in presale and "今天" not in presale
    bedding = buyer("textiles", "t3001")
    bedding.say("燕麦色1米8的床 四件套有货吗")
    price = bedding.say("多少钱")
    assert "229" in price and "169" not in price


def test_facts_in_the_shops_own_words_or_none(stores) -> None:
    kids: ShopConfig = load_shop_config(SHOPS / "kids" / "shop.yml")
    down = stores["kids"].product("k2002")
    assert answer_fact("是鹅绒还是鸭绒 含绒量多少", down, kids, TODAY) == "亲，填充白鸭绒，含绒量90%。"
    assert answer_fact("充绒量多少克", down, kids, TODAY) is None              # the shop does not say
    hoodie = stores["kids"].product("k2001")
    gift = answer_fact("下单送袜子吗", hoodie, kids, TODAY)
    assert "袜子" in gift and "12月12日" in gift
    assert answer_fact("下单送袜子吗", hoodie, kids, dt.date(2026, 12, 20)) == "亲，儿童加绒卫衣目前没有赠品活动哦。"
    assert "海外" in answer_fact("能寄到日本吗", hoodie, kids, TODAY)
    cosmetics = load_shop_config(SHOPS / "cosmetics" / "shop.yml")
    assert "299" in answer_fact("有什么活动", None, cosmetics, TODAY)
    textiles = load_shop_config(SHOPS / "textiles" / "shop.yml")
    sheets = stores["textiles"].product("t3001")
    # 「100%新疆长绒棉」 is fibre content as the label states it: the guard lets it through, so both facts are said.
    both = answer_fact("是纯棉的吗 会不会起球", sheets, textiles, TODAY)
    assert both is not None and "起球" in both and "100%新疆长绒棉" in both


def test_freight_insurance_and_return_window_of_the_order(buyer) -> None:
    # textiles: shop default no 运费险; order 2611230916476205183 has its own, delivered 26 Nov (window 30 days)
    towels = buyer("textiles")
    window = towels.say("订单2611230916476205183 尾号6405 毛巾还没用过 可以退吗")
    assert "11月26日" in window and "12月26日" in window
    assert "运费险" in towels.say("退回来运费谁出")
