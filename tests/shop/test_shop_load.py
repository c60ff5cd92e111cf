"""`kefu load-shop`: idempotent, transactional, shop tables only, clear validation errors."""

from __future__ import annotations

import re

import sqlite3
from pathlib import Path

import pytest
import yaml

from kefu import cli
from kefu.shop.store import ShopStore, load_shop
from kefu.shop.validation import ShopDataError


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_sample_shop_loads_with_expected_counts(shop_copy: Path, tmp_path: Path) -> None:
    report = load_shop(shop_copy, tmp_path / "kefu.db")
    assert report.loaded
    assert report.counts["products"] == 8
    assert report.counts["orders"] == 13
    assert report.counts["size_charts"] == 4
    assert 0 < report.counts["skus_in_stock"] < report.counts["skus"]


def test_second_load_is_skipped_until_a_file_changes(shop_copy: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "kefu.db"
    first = load_shop(shop_copy, db_path)
    assert not load_shop(shop_copy, db_path).loaded
    assert load_shop(shop_copy, db_path, force=True).loaded

    _edit(shop_copy / "catalog.yml", lambda d: d["products"][0]["skus"][0].update(stock=7))
    again = load_shop(shop_copy, db_path)
    assert again.loaded and again.files_hash != first.files_hash
    store = ShopStore(db_path)
    white_s = next(s for s in store.skus("p1001") if (s.color, s.size) == ("白色", "S"))
    assert white_s.stock == 7
    store.close()


def test_reload_keeps_other_tables_and_conversation_records(shop_copy: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "kefu.db"
    load_shop(shop_copy, db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, note TEXT)")
    conn.execute("INSERT INTO tickets (note) VALUES ('keep me')")
    conn.commit()
    conn.close()
    store = ShopStore(db_path)
    request_id = store.record_invoice_request(
        conversation_id="c1", order_id="2611140815987654321", invoice_type="电子普票",
        title="杭州某某科技有限公司", tax_number="91330106MA2GL1234X", email="a@example.com",
    )
    store.close()

    assert load_shop(shop_copy, db_path, force=True).loaded
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT note FROM tickets").fetchall() == [("keep me",)]
    assert conn.execute("SELECT id FROM shop_invoice_requests").fetchall() == [(request_id,)]
    conn.close()


def test_invalid_entry_fails_with_file_and_entry_and_leaves_old_data(shop_copy: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "kefu.db"
    load_shop(shop_copy, db_path)
    _edit(shop_copy / "catalog.yml", lambda d: d["products"][2]["skus"][0].update(stock=-1))
    with pytest.raises(ShopDataError) as error:
        load_shop(shop_copy, db_path)
    message = str(error.value)
    assert re.search(r"catalog.yml: products\[2\] \(p1003\).skus\[0\]: stock must be a whole number ≥ 0 \(line \d+\)$",
                     message), message
    # the previous data is still there, complete
    store = ShopStore(db_path)
    assert len(store.products()) == 8
    store.close()


@pytest.mark.parametrize(
    "file, change, expected",
    [
        ("orders.yml", lambda d: d["orders"][1].update(status="在路上"), "orders[1] (2611200930456789012): status must be one of 待付款"),
        ("orders.yml", lambda d: d["orders"][0].update(order_id="12345"), "orders[0] (12345): order_id must be 15 to 20 digits"),
        ("orders.yml", lambda d: d["orders"][0].update(product_id="p9999"), "orders[0] (2611220845123456701): product_id p9999 is not a product in the catalog"),
        ("orders.yml", lambda d: d["orders"][1]["events"][0].update(time="yesterday"), "orders[1] (2611200930456789012).events[0]: time must be a date and time"),
        ("catalog.yml", lambda d: d["products"][0]["skus"][1].update(size="XXXXL"), "products[0] (p1001).skus[1]: size XXXXL is not in the 上衣 size chart"),
        ("catalog.yml", lambda d: d["products"][1].update(fit="很大"), "products[1] (p1002): fit must be one of 偏大, 偏小, 正常"),
        ("catalog.yml", lambda d: d["products"][0]["skus"][0].update(stock=2.5), "products[0] (p1001).skus[0]: stock must be a whole number ≥ 0"),
        ("shop.yml", lambda d: d["shipping"].update(cutoff="25:00"), "shipping: cutoff must be a time of day"),
        ("shop.yml", lambda d: d.update(default_platform="ebay"), "shop.yml: default_platform must be one of pinduoduo"),
        ("shop.yml", lambda d: d["shipping"]["delivery_days"].update(新疆=[8, 5]), "shipping.delivery_days: 新疆 min days must not exceed max days"),
        ("shop.yml", lambda d: d["returns"]["return_shipping"].update(quality="nobody"), "returns.return_shipping: quality must be one of shop, buyer"),
        ("shop.yml", lambda d: d.update(shiping={}), "shiping is not a known key (did you mean shipping?)"),
        ("shop.yml", lambda d: d["shipping"].update(free_shiping=True), "shipping: free_shiping is not a known key (did you mean free_shipping?)"),
        ("shop.yml", lambda d: d["shipping"]["delivery_days"].update({"新彊": [2, 4]}), "新彊 is not a province (did you mean 新疆?)"),
        ("shop.yml", lambda d: d["shipping"].update(remote_provinces=["西臧"]), "西臧 is not a province (did you mean 西藏?)"),
        ("shop.yml", lambda d: d["shipping"].update(courier_surcharge={"京东快递": 10}), "courier_surcharge: 京东快递 must be one of the couriers listed"),
        ("catalog.yml", lambda d: d["products"][1].update(colour="黑"), "products[1] (p1002): colour is not a known key"),
        ("catalog.yml", lambda d: d["products"][1]["skus"][0].update(stok=3), "products[1] (p1002).skus[0]: stok is not a known key (did you mean stock?)"),
        ("orders.yml", lambda d: d["orders"][0].update(province="江蘇"), "orders[0] (2611220845123456701): province 江蘇 is not a province"),
    ],
)
def test_validation_names_file_and_entry(shop_copy: Path, tmp_path: Path, file, change, expected) -> None:
    _edit(shop_copy / file, change)
    with pytest.raises(ShopDataError) as error:
        load_shop(shop_copy, tmp_path / "kefu.db")
    assert f"{file}: " in str(error.value)
    assert expected in str(error.value)


def test_an_unknown_key_in_an_order_is_named_with_a_hint_and_its_line_in_english_and_chinese(
        shop_copy: Path, tmp_path: Path) -> None:
    """A typo in orders.yml (``reciever_phone``) is refused, not ignored: the order, the key,
    the key it probably meant and the line the operator must open; the old data stays."""
    db_path = tmp_path / "kefu.db"
    load_shop(shop_copy, db_path)
    _edit(shop_copy / "orders.yml", lambda d: d["orders"][1].update(reciever_phone="13800000000"))
    line = next(i for i, text in enumerate((shop_copy / "orders.yml").read_text(encoding="utf-8").splitlines(), 1)
                if "reciever_phone" in text)
    with pytest.raises(ShopDataError) as error:
        load_shop(shop_copy, db_path)
    assert str(error.value).endswith(
        f"orders.yml: orders[1] (2611200930456789012): reciever_phone is not a known key"
        f" (did you mean receiver_phone?) (line {line})"), str(error.value)
    assert error.value.chinese().endswith(
        f"orders[1] (2611200930456789012): reciever_phone 不是可用的键（是不是想写 receiver_phone？）（第 {line} 行）")
    store = ShopStore(db_path)
    assert store.order("2611200930456789012") is not None
    store.close()


def test_an_impossible_date_is_named_with_its_line_not_a_traceback(shop_copy: Path, tmp_path: Path) -> None:
    catalog = shop_copy / "catalog.yml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("restock_date: 2026-12-05", "restock_date: 2026-12-32", 1), encoding="utf-8")
    line = next(i for i, l in enumerate(catalog.read_text(encoding="utf-8").splitlines(), 1) if "2026-12-32" in l)
    with pytest.raises(ShopDataError) as error:
        load_shop(shop_copy, tmp_path / "kefu.db")
    assert str(error.value).endswith(f"products[0] (p1001).skus[3]: restock_date must be a date like 2026-12-05 (line {line})")


def test_broken_yaml_and_missing_file(shop_copy: Path, tmp_path: Path) -> None:
    (shop_copy / "orders.yml").write_text("orders: [\n  - {order_id: 1\n", encoding="utf-8")
    with pytest.raises(ShopDataError, match=r"orders.yml:.*line \d+: invalid YAML"):
        load_shop(shop_copy, tmp_path / "kefu.db")
    (shop_copy / "orders.yml").unlink()
    with pytest.raises(ShopDataError, match="orders.yml: file not found"):
        load_shop(shop_copy, tmp_path / "kefu.db")


def test_cli_load_skip_and_error_without_traceback(shop_copy: Path, tmp_path: Path, capsys) -> None:
    args = ["load-shop", "--shop-dir", str(shop_copy), "--db", str(tmp_path / "kefu.db")]
    assert cli.main(args) == 0
    assert "8 products" in capsys.readouterr().out
    assert cli.main(args) == 0
    assert "unchanged" in capsys.readouterr().out
    assert cli.main(args + ["--force"]) == 0
    assert "Loaded" in capsys.readouterr().out

    _edit(shop_copy / "catalog.yml", lambda d: d["products"][2]["skus"][0].update(stock="many"))
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert "catalog.yml: products[2] (p1003).skus[0]: stock must be a whole number ≥ 0 (line" in captured.err
    assert "Traceback" not in captured.err


def test_cli_shop_info_prints_counts(shop_copy: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["shop-info", "--shop-dir", str(shop_copy), "--db", str(tmp_path / "kefu.db")]) == 0
    out = capsys.readouterr().out
    assert "Products: 8" in out
    assert "Orders: 13" in out
    assert "待发货 3" in out
