"""A measurement no built-in kind names, declared by the shop: a ring's 指围 (finger circumference).

Found by the writer of held-out set 2026-12-08, who built a 饰品 shop from the data format alone and could
not say that a ring's 圈口 is chosen by the finger's circumference (``measures`` knew height, weight, age,
foot, waist, chest, bed width, volume and screen only). The shop below is written here, for this test;
expected sizes are read from its rows by hand (10号 49–51mm, 12号 51–53, 14号 53–55, 16号 55–57).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kefu.dialogue import CatalogView, Context, State, respond
from kefu.shop.config import load_shop_config
from kefu.shop.store import ShopStore, load_shop
from kefu.shop.validation import ShopDataError

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CATALOG = """
size_systems:
  戒指圈口:
    measures: [指围]
    custom_measures:
      指围: {unit: mm, words: [手指周长, 指围, 手指一圈]}
    note: 量手指最粗的一圈
    sizes:
      - {size: 10号, 指围: [49, 51]}
      - {size: 12号, 指围: [51, 53]}
      - {size: 14号, 指围: [53, 55]}
      - {size: 16号, 指围: [55, 57]}
products:
  - id: r1
    name: 素圈银戒指
    aliases: [戒指]
    price: 99
    size_system: 戒指圈口
    option_names: {size: 圈口}
    skus:
      - {size: 10号, stock: 5}
      - {size: 12号, stock: 0}
      - {size: 14号, stock: 8}
      - {size: 16号, stock: 2}
"""


@pytest.fixture
def ring_shop(tmp_path: Path) -> Path:
    shop = tmp_path / "ring"
    shop.mkdir()
    shutil.copy(ROOT / "tests" / "shops" / "kids" / "shop.yml", shop / "shop.yml")
    (shop / "catalog.yml").write_text(CATALOG, encoding="utf-8")
    (shop / "orders.yml").write_text("orders: []\n", encoding="utf-8")
    return shop


def ask(shop: Path, tmp_path: Path, *texts: str) -> str:
    db = tmp_path / "kefu.db"
    load_shop(shop, db)
    store = ShopStore(db)
    state = State()
    reply = ""
    try:
        for text in texts:
            context = Context(CatalogView.from_store(store), store, load_shop_config(shop / "shop.yml"), NOW, "taobao",
                              link_product_id="r1")
            turn = respond(text, state, context)
            state, reply = turn.state, " ".join(turn.messages)
    finally:
        store.close()
    return reply


@pytest.mark.parametrize("text,size", [
    ("手指周长5.2cm戴几号", "12号"),      # centimetres, converted
    ("指围54mm选哪个圈口", "14号"),
    ("手指一圈50 戴多大的", "10号"),      # no unit: the shop's own (mm)
    ("手指周长五十六毫米", "16号"),
])
def test_a_shop_declared_measurement_chooses_the_size(ring_shop: Path, tmp_path: Path, text: str, size: str) -> None:
    reply = ask(ring_shop, tmp_path, text)
    assert f"建议您选{size}" in reply and "手指周长" in reply


def test_the_size_advised_is_checked_against_stock(ring_shop: Path, tmp_path: Path) -> None:
    reply = ask(ring_shop, tmp_path, "手指周长52mm戴几号")
    assert "12号" in reply and "售罄" in reply and "14号" in reply


def test_asking_without_a_measurement_asks_for_it_by_the_shops_word(ring_shop: Path, tmp_path: Path) -> None:
    reply = ask(ring_shop, tmp_path, "戒指怎么选圈口")
    assert "手指周长" in reply and "mm" in reply and "身高" not in reply


@pytest.mark.parametrize("old,new,expected", [
    ("measures: [指围]", "measures: [指纹]", "指纹 is not a known measurement"),
    ("{size: 10号, 指围: [49, 51]}", "{size: 10号, 指周: [49, 51]}", "指周 is not a known key"),
    ("unit: mm", "unit: inch", "unit"),
])
def test_a_wrong_measurement_names_file_and_entry(ring_shop: Path, tmp_path: Path, old, new, expected) -> None:
    (ring_shop / "catalog.yml").write_text(CATALOG.replace(old, new), encoding="utf-8")
    with pytest.raises(ShopDataError) as error:
        load_shop(ring_shop, tmp_path / "kefu.db")
    assert "catalog.yml" in str(error.value) and "戒指圈口" in str(error.value) and expected in str(error.value)
