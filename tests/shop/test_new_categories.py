"""Shops of categories the code was never written for: data files only.

A pet-clothing and pet-food shop (sizes chosen by chest girth and weight, a plain 规格 list, facts,
gifts, per-SKU prices and presale) is written here as YAML and loaded; the engine answers stock,
size, price, presale and fact questions from it. The engine's code names no category and no product
of the sample shop (a new category is a shop-data change).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
import yaml

from kefu.dialogue import CatalogView, Context, State, respond
from kefu.shop.config import load_shop_config
from kefu.shop.store import ShopStore, load_shop
from kefu.shop.validation import ShopDataError

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

CATALOG = {
    "size_systems": {
        "宠物胸围码": {
            "measures": ["chest", "weight"], "needs": "any", "note": "量宠物胸围最粗处，在两个码之间选大一码",
            "sizes": [
                {"size": "S", "chest": [30, 38], "weight": [2, 4]},
                {"size": "M", "chest": [39, 46], "weight": [4, 7]},
                {"size": "L", "chest": [47, 55], "weight": [7, 12]},
            ],
        },
        "粮袋规格": {"sizes": [{"size": "1.5kg装", "aliases": ["3斤装"]}, {"size": "10kg装", "aliases": ["20斤装"]}]},
    },
    "products": [
        {"id": "d5001", "name": "宠物摇粒绒背心", "aliases": ["背心", "狗狗背心"], "category": "宠物服饰",
         "size_system": "宠物胸围码", "price": 39, "fit_note": "版型正常",
         "facts": {"材质": "面料为摇粒绒，内里为网眼布"}, "fact_aliases": {"材质": ["面料"]},
         "gifts": [{"text": "下单送狗狗发夹一个", "from": "2026-11-20", "until": "2026-12-10"}],
         "skus": [{"color": "柠檬黄", "size": "S", "stock": 6}, {"color": "柠檬黄", "size": "M", "stock": 0,
                  "restock_date": "2026-12-09"}, {"color": "柠檬黄", "size": "L", "stock": 4}]},
        {"id": "d5002", "name": "鸡肉冻干狗粮", "aliases": ["狗粮", "冻干粮"], "category": "宠物食品",
         "size_system": "粮袋规格", "option_names": {"size": "规格"}, "price": 59,
         "facts": {"保质期": "未开封保质期18个月"},
         "skus": [{"size": "1.5kg装", "stock": 20, "price": 59},
                  {"size": "10kg装", "stock": 0, "price": 299, "presale": {"ships_on": "2026-12-15"}}]},
    ],
}
ORDERS = {"orders": [{
    "order_id": "2611290000000000001", "status": "已签收", "amount": 98, "created_at": "2026-11-20 10:00",
    "paid_at": "2026-11-20 10:01", "shipped_at": "2026-11-20 17:00", "courier": "中通快递",
    "tracking_number": "7800000000001", "receiver_name": "张三", "receiver_phone": "13800001111",
    "receiver_address": "浙江省杭州市西湖区文三路1号", "province": "浙江", "freight_insurance": False,
    "delivered_at": "2026-11-28 12:00",
    "items": [{"product_id": "d5001", "color": "柠檬黄", "size": "S", "quantity": 1, "price": 39},
              {"product_id": "d5002", "size": "1.5kg装", "quantity": 1, "price": 59}],
    "events": [{"time": "2026-11-20 17:00", "text": "已揽收"}, {"time": "2026-11-28 12:00", "text": "已签收"}],
}]}


@pytest.fixture
def pet_shop(tmp_path: Path) -> Iterator[Path]:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "shop.yml").write_bytes((ROOT / "shop" / "shop.yml").read_bytes())
    (shop / "catalog.yml").write_text(yaml.safe_dump(CATALOG, allow_unicode=True), encoding="utf-8")
    (shop / "orders.yml").write_text(yaml.safe_dump(ORDERS, allow_unicode=True), encoding="utf-8")
    yield shop


class Buyer:
    def __init__(self, shop: Path, db: Path, product: str) -> None:
        load_shop(shop, db)
        self.store = ShopStore(db)
        self.config = load_shop_config(shop / "shop.yml")
        self.product, self.state = product, State()

    def say(self, text: str) -> str:
        ctx = Context(CatalogView.from_store(self.store), self.store, self.config, NOW, "taobao",
                      link_product_id=self.product)
        turn = respond(text, self.state, ctx)
        self.state = turn.state
        return "\n".join(turn.messages)


def test_a_shop_of_a_new_category_loads_and_is_answered_from_its_files(pet_shop: Path, tmp_path: Path) -> None:
    buyer = Buyer(pet_shop, tmp_path / "kefu.db", "d5001")
    assert "L" in buyer.say("胸围50穿什么码")                      # chest girth chooses the size
    advice = buyer.say("狗狗体重5公斤选哪个码")
    assert "M码" in advice and "12月9日" in advice                 # M advised, but it is out: its restock date
    left = buyer.say("柠檬黄还有哪些码")
    assert "S" in left and "L" in left and "12月9日" in left and "M、" not in left
    assert "摇粒绒" in buyer.say("面料是什么")
    assert "发夹" in buyer.say("下单送东西吗") and "12月10日" in buyer.say("下单送东西吗")


def test_a_plain_spec_list_with_per_sku_price_and_presale(pet_shop: Path, tmp_path: Path) -> None:
    buyer = Buyer(pet_shop, tmp_path / "kefu.db", "d5002")
    assert "299" in buyer.say("20斤装的多少钱")                    # the SKU's own price, by its alias
    presale = buyer.say("10kg装的是预售吗")
    assert "预售" in presale and "12月15日" in presale
    assert "18个月" in buyer.say("保质期多久")
    # After 10kg装 was asked about, 「有货吗」 is about that SKU (memory); a new buyer hears the options'
    # own name (规格).
    assert "10kg装" in buyer.say("有货吗")
    assert "规格" in Buyer(pet_shop, tmp_path / "kefu.db", "d5002").say("有货吗")


def test_orders_with_items_their_own_insurance_and_delivery_time(pet_shop: Path, tmp_path: Path) -> None:
    load_shop(pet_shop, tmp_path / "kefu.db")
    store = ShopStore(tmp_path / "kefu.db")
    order = store.order("2611290000000000001")
    assert [i.product_id for i in order.items] == ["d5001", "d5002"]
    assert order.freight_insurance is False and order.has_freight_insurance(True) is False
    assert order.delivered_at == dt.datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("change, expected", [
    (lambda c: c["size_systems"]["宠物胸围码"]["sizes"][0].update(height=[1, 2]),
     "height is not in this size system's measures"),
    (lambda c: c["size_systems"]["宠物胸围码"].update(measures=["paw"]), "paw is not a known measurement (declare it under custom_measures)"),
    (lambda c: c["products"][0].update(size_system="鞋码表"), "鞋码表 is not in size_systems"),
    (lambda c: c["products"][0]["skus"].append({"stock": 3}), "needs a color or a size"),
    (lambda c: c["products"][0]["fact_aliases"].update(产地=["哪里产"]), "names no fact of this product"),
])
def test_bad_size_systems_and_facts_name_file_entry_and_line(pet_shop: Path, tmp_path: Path, change, expected) -> None:
    data = yaml.safe_load((pet_shop / "catalog.yml").read_text(encoding="utf-8"))
    change(data)
    (pet_shop / "catalog.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ShopDataError) as error:
        load_shop(pet_shop, tmp_path / "kefu.db")
    message = str(error.value)
    assert "catalog.yml: " in message and expected in message and re.search(r"\(line \d+\)", message)


@pytest.mark.parametrize("name", ["kids", "textiles", "cosmetics"])
def test_the_three_written_shops_load(name: str, tmp_path: Path) -> None:
    report = load_shop(ROOT / "tests" / "shops" / name, tmp_path / "kefu.db")
    assert report.counts["products"] >= 6 and report.counts["orders"] >= 10


ENGINE_FILES = sorted((ROOT / "kefu" / "dialogue").glob("*.py")) + [
    ROOT / "kefu" / "shop" / name for name in ("answers.py", "sizing.py", "replies.yml")] + [ROOT / "kefu" / "normalize.py"]


def test_the_engine_names_no_category_or_product_of_the_sample_shop() -> None:
    catalog = yaml.safe_load((ROOT / "shop" / "catalog.yml").read_text(encoding="utf-8"))
    words = set(catalog.get("size_charts") or {}) | set(catalog.get("size_systems") or {})
    for product in catalog["products"]:
        words |= {product["category"], product["name"], *product.get("aliases", [])}
    found = [(path.name, word) for path in ENGINE_FILES for word in sorted(words)
             if word in path.read_text(encoding="utf-8")]
    assert len(words) > 20 and found == []


def test_load_shop_errors_are_in_chinese_and_english_with_file_entry_and_line(pet_shop: Path, tmp_path: Path) -> None:
    text = (pet_shop / "catalog.yml").read_text(encoding="utf-8").replace("stock: 6", "stok: 6", 1)
    (pet_shop / "catalog.yml").write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kefu", "load-shop", "--shop-dir", str(pet_shop),
                             "--db", str(tmp_path / "kefu.db")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    chinese, english = [line for line in (result.stdout + result.stderr).splitlines() if "stok" in line][:2]
    assert "catalog.yml: products[0] (d5001).skus[" in chinese and "不是可用的键" in chinese and re.search(r"第 \d+ 行", chinese)
    assert "catalog.yml: products[0] (d5001).skus[" in english and "is not a known key" in english and "(line " in english
