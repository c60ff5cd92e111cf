"""shop.yml parsing and the SQLite-backed ShopStore over the sample shop."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from kefu.settings import Settings
from kefu.shop.config import load_shop_config
from kefu.shop.models import OrderStatus
from kefu.shop.store import ShopNotLoaded, ShopStore
from kefu.shop.validation import ShopDataError


def test_config_values_from_sample(config) -> None:
    assert config.name == "简衣小铺"
    assert config.default_platform == "pinduoduo"
    assert config.cutoff == dt.time(16, 0)
    assert config.weekend_shipping == {"saturday": True, "sunday": False}
    assert config.days_to("新疆") == (5, 8)
    assert config.days_to("火星") == config.default_delivery_days
    assert config.return_shipping == {"quality": "shop", "no_reason": "buyer"}
    assert config.freight_insurance is True
    assert config.invoice.types == ("电子普票", "纸质普票", "专票")
    assert config.service_hours == (dt.time(9, 0), dt.time(23, 0))
    assert config.handoff["refund_amount_threshold"] == 300
    assert config.handoff["product_ids"] == ["p1008"]
    assert config.coupons[0].amount == 20 and config.coupons[0].threshold == 199
    assert config.timezone == "Asia/Shanghai"


def test_service_hours_and_coupon_validity(config, at) -> None:
    assert config.in_service_hours(at(2026, 11, 23, 9, 0))
    assert not config.in_service_hours(at(2026, 11, 23, 23, 30))
    assert config.current_coupons(dt.date(2026, 12, 31))
    assert not config.current_coupons(dt.date(2027, 1, 1))


def test_config_cache_follows_file_changes(shop_copy: Path) -> None:
    path = shop_copy / "shop.yml"
    first = load_shop_config(path)
    assert load_shop_config(path) is first
    path.write_text(path.read_text(encoding="utf-8").replace("name: 简衣小铺", "name: 新名字"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    assert load_shop_config(path).name == "新名字"


def test_config_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ShopDataError, match="shop.yml: file not found"):
        load_shop_config(tmp_path / "shop.yml")
    (tmp_path / "shop.yml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ShopDataError, match="must be a mapping"):
        load_shop_config(tmp_path / "shop.yml")


def test_find_product_by_id_name_and_alias(store) -> None:
    assert store.find_product("p1003 还有货吗").id == "p1003"
    assert store.find_product("这个卫衣有黑色吗").id == "p1002"
    assert store.find_product("高腰直筒牛仔裤28码").id == "p1004"
    assert store.find_product("我想买小白鞋").id == "p1007"
    assert store.find_product("羽绒服偏小吗").id == "p1005"
    assert store.find_product("在吗") is None
    assert store.find_product("") is None
    assert store.find_product(None) is None  # type: ignore[arg-type]
    assert store.find_product("卫" * 100_000) is None


def test_skus_size_chart_and_orders(store) -> None:
    skus = store.skus("p1001")
    assert len(skus) == 15
    white_xl = next(s for s in skus if (s.color, s.size) == ("白色", "XL"))
    assert white_xl.stock == 0 and white_xl.restock_date == dt.date(2026, 12, 5)
    chart = store.size_chart("鞋")
    assert chart.is_shoes and chart.sizes[0] == "35" and chart.sizes[-1] == "46"
    with pytest.raises(KeyError):
        store.size_chart("帽子")

    order = store.order("2611200930456789012")
    assert order.status is OrderStatus.SHIPPED
    assert order.events[-1].text.endswith("正在安排派送")  # newest last
    assert order.events[0].time < order.events[-1].time
    assert order.events[-1].time.utcoffset() == dt.timedelta(hours=8)
    assert store.order("000000000000000") is None
    assert store.order("") is None
    lengths = {len(order_id) for order_id in store.order_ids()}
    assert lengths <= {18, 19} and 18 in lengths


def test_records_return_ids(store) -> None:
    first = store.record_address_change(conversation_id="c1", order_id="2611220845123456701",
                                        new_address="浙江省杭州市西湖区文三路 100 号")
    second = store.record_address_change(conversation_id="c1", order_id="2611220845123456701",
                                         new_address="浙江省杭州市西湖区文三路 200 号")
    assert second == first + 1
    assert store.address_changes()[-1]["new_address"].endswith("200 号")
    invoice_id = store.record_invoice_request(conversation_id="c2", order_id=None, invoice_type="专票",
                                              title="某某公司", tax_number="91330106MA2GL1234X", email=None)
    assert store.invoice_requests()[-1]["id"] == invoice_id
    with pytest.raises(ValueError):
        store.record_address_change(conversation_id="c1", order_id="x", new_address="  ")


def test_store_is_lazy_and_says_when_nothing_is_loaded(tmp_path: Path) -> None:
    store = ShopStore(tmp_path / "absent" / "kefu.db")
    assert not (tmp_path / "absent").exists()  # constructing connects to nothing
    with pytest.raises(ShopNotLoaded, match="kefu load-shop"):
        store.products()


def test_from_settings_loads_when_needed(shop_copy: Path, tmp_path: Path) -> None:
    settings = Settings(shop_dir=shop_copy, db_path=tmp_path / "kefu.db", state_dir=tmp_path)
    store = ShopStore.from_settings(settings)
    assert len(store.products()) == 8
    assert store.low_stock_threshold == 3
    store.close()


def test_low_stock_threshold_comes_from_shop_yml(shop_copy: Path, tmp_path: Path) -> None:
    from kefu.shop.answers import stock_answer

    path = shop_copy / "shop.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("low_stock_threshold: 3", "low_stock_threshold: 10"),
                    encoding="utf-8")
    settings = Settings(shop_dir=shop_copy, db_path=tmp_path / "kefu.db", state_dir=tmp_path)
    store = ShopStore.from_settings(settings)
    answer = stock_answer(store, store.product("p1001"), "灰色", "XL")  # 9 in stock
    assert answer.data["status"] == "low" and "仅剩9件" in answer.text
    store.close()


def test_importing_the_shop_library_has_no_side_effects(tmp_path: Path) -> None:
    """No file reads, DB connects or Rasa imports at import time (action server start-up stays cheap)."""
    import subprocess
    import sys

    code = (
        "import sys, kefu.normalize, kefu.shop.answers as a, kefu.shop.store, kefu.shop.cli, kefu.shop.config as c;"
        "import kefu.texts as t; assert t.load_texts.cache_info().currsize == 0; assert not c._cache;"
        "assert not any(m.split('.')[0] in ('rasa', 'rasa_sdk', 'jieba') for m in sys.modules), 'heavy import'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
