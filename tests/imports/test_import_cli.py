"""`kefu import` over sample exports of all four platforms in UTF-8, UTF-8 with BOM, GBK and XLSX.

What a shop owner notices: after the import the assistant knows the orders and
stock; a bad file is refused with one line naming file, row, column and value
(Chinese and English), never a traceback, and nothing is half-stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.cli import main
from kefu.shop.models import OrderStatus
from kefu.shop.store import ShopStore, load_shop
from tests.imports.conftest import ENCODINGS, FIXTURES, fixture_rows

ROOT = Path(__file__).resolve().parents[2]

# What each platform's sample export must become: (order id as exported, status, product, colour, size, amount).
EXPECTED = {
    "pinduoduo": [("261122-512345678901234", OrderStatus.AWAITING_SHIPMENT, "p1002", "黑色", "L", 129.0),
                  ("261120-498765432109876", OrderStatus.SHIPPED, "p1001", "白色", "M", 113.0),
                  ("261118-400000000000001", OrderStatus.DELIVERED, "p1001", "黑色", "L", 59.0)],
    "taobao": [("3912345678901234567", OrderStatus.AWAITING_SHIPMENT, "p1002", "黑色", "L", 129.0),
               ("3912345678901234568", OrderStatus.SHIPPED, "p1001", "白色", "M", 226.0),
               ("3912345678901234569", OrderStatus.CANCELLED, "p1001", "灰色", "S", 0.0)],
    "jd": [("312345678901", OrderStatus.AWAITING_SHIPMENT, "p1002", "黑色", "L", 129.0),
           ("312345678902", OrderStatus.SHIPPED, "p1001", "白色", "M", 118.0)],
    "douyin": [("6923456789012345678", OrderStatus.AWAITING_SHIPMENT, "p1002", "黑色", "L", 129.0),
               ("6923456789012345680", OrderStatus.SHIPPED, "p1001", "白色", "M", 118.0)],
}


def run_import(*argv: str) -> int:
    return main(["import", *argv])


def db(state: Path) -> Path:
    return state / "kefu.db"


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("platform", sorted(EXPECTED))
def test_each_platform_export_lands_in_the_store(platform, encoding, state, export, capsys):
    orders = export(fixture_rows(f"{platform}_orders.csv"), f"{platform}-orders", encoding)
    extra = []
    if platform == "taobao":
        extra = ["--items", str(export(fixture_rows("taobao_items.csv"), "taobao-items", encoding))]
    assert run_import("orders", str(orders), "--platform", platform, *extra) == 0
    out = capsys.readouterr().out
    assert f"{len(EXPECTED[platform])} 个订单" in out
    store = ShopStore(db(state))
    for order_id, status, product, color, size, amount in EXPECTED[platform]:
        order = store.order(order_id)
        assert order is not None, order_id
        assert (order.status, order.product_id, order.color, order.size, order.amount) == (status, product, color,
                                                                                             size, amount)
        # Stored as the export gives them (masked by the platform), never "fixed" or unmasked.
        assert "****" in order.receiver_phone and order.receiver_address.endswith("***")
    # The sample shop's own orders are still there.
    assert store.order("2611220845123456701") is not None
    store.close()


def test_encoding_is_detected_and_reported(state, export, capsys):
    rows = fixture_rows("douyin_orders.csv")
    assert run_import("orders", str(export(rows, "dy", "gbk")), "--platform", "douyin") == 0
    assert "gb18030" in capsys.readouterr().out


def test_shipping_details_and_province_come_from_the_export(state, export):
    run_import("orders", str(export(fixture_rows("pinduoduo_orders.csv"), "pdd", "utf-8")), "--platform", "pinduoduo")
    order = ShopStore(db(state)).order("261120-498765432109876")
    assert (order.courier, order.tracking_number, order.province) == ("中通快递", "78312456789012", "广东")
    assert order.shipped_at.isoformat() == "2026-11-20T17:40:11+08:00"
    assert order.quantity == 2
    # An export has no courier scans: one line says when it left, so the logistics answer is whole.
    assert [e.time for e in order.events] == [order.shipped_at]


def test_imports_survive_a_yaml_reload(state, export, tmp_path):
    run_import("orders", str(export(fixture_rows("jd_orders.csv"), "jd", "utf-8")), "--platform", "jd")
    run_import("products", str(FIXTURES / "products.csv"))
    load_shop(ROOT / "shop", db(state), force=True)  # what `kefu load-shop` does after shop/*.yml changed
    store = ShopStore(db(state))
    assert store.order("312345678901").status is OrderStatus.AWAITING_SHIPMENT
    assert store.product("p2001").name == "冰丝阔腿裤"
    assert {(s.color, s.size, s.stock) for s in store.skus("p1002")} == {("黑色", "M", 25), ("黑色", "L", 0),
                                                                         ("灰色", "XL", 11)}


def test_products_import_changes_what_the_buyer_is_told(state):
    from kefu.shop.answers import stock_answer

    assert run_import("products", str(FIXTURES / "products.csv")) == 0
    store = ShopStore(db(state))
    trousers = store.product("p2001")
    assert trousers.category == "裤装" and trousers.price == 89.0
    assert "2" in stock_answer(store, trousers, "黑色", "29", threshold=3).text     # only 2 left
    assert "黑色" in stock_answer(store, store.product("p1002"), "黑色", "L").text  # sold out now


def test_mapping_file_for_any_other_export(state, capsys):
    assert run_import("orders", str(FIXTURES / "erp_orders.csv"), "--mapping", str(FIXTURES / "mapping_erp.yml")) == 0
    store = ShopStore(db(state))
    assert store.order("2611220845000000001").status is OrderStatus.AWAITING_SHIPMENT
    assert store.order("2611220845000000002").status is OrderStatus.SHIPPED
    assert store.order("2611220845000000002").quantity == 3


def test_dry_run_stores_nothing(state, export):
    path = export(fixture_rows("douyin_orders.csv"), "dy", "utf-8")
    assert run_import("orders", str(path), "--platform", "douyin", "--dry-run") == 0
    assert ShopStore(db(state)).order("6923456789012345678") is None


def test_full_phone_numbers_are_stored_but_never_printed(state, export, capsys):
    rows = fixture_rows("douyin_orders.csv")
    phone = rows[0].index("收件人手机号")
    rows[1][phone] = "13812345678"
    rows[2][phone] = "13812345678"
    rows[2][rows[0].index("订单提交时间")] = "2026/11/31 09:30:00"  # and one bad row, to print an error
    assert run_import("orders", str(export(rows, "dy", "utf-8")), "--platform", "douyin") == 2
    printed = capsys.readouterr()
    assert "13812345678" not in printed.out + printed.err
    rows[2][rows[0].index("订单提交时间")] = "2026/11/30 09:30:00"
    assert run_import("orders", str(export(rows, "dy2", "utf-8")), "--platform", "douyin") == 0
    printed = capsys.readouterr()
    assert "13812345678" not in printed.out + printed.err
    assert ShopStore(db(state)).order("6923456789012345678").receiver_phone == "13812345678"


def test_an_order_on_several_lines_is_one_order(state, export, capsys):
    rows = fixture_rows("pinduoduo_orders.csv")
    second_item = list(rows[1])
    second_item[rows[0].index("商品规格")] = "灰色,XL"
    rows.insert(2, second_item)  # the same 订单号 again: a second item of that order
    assert run_import("orders", str(export(rows, "pdd", "gbk")), "--platform", "pinduoduo") == 0
    out = capsys.readouterr().out
    assert "3 个订单" in out and "第3行" in out and "another item" in out
    order = ShopStore(db(state)).order("261122-512345678901234")
    assert (order.color, order.size) == ("黑色", "L")
    assert [(item.color, item.size) for item in order.items] == [("黑色", "L"), ("灰色", "XL")]


def test_insurance_delivery_time_and_lines_it_cannot_place(state, export, capsys):
    rows = fixture_rows("pinduoduo_orders.csv")
    header = list(rows[0]) + ["运费险", "签收时间"]
    body = [list(row) + ["是", "2026-11-26 15:20"] for row in rows[1:]]
    body[0][header.index("商品规格")] = "黑色,XXXXXL"          # a size the product does not sell
    extra = list(body[0])
    extra[header.index("商品规格")] = ""                          # a line with no SKU
    assert run_import("orders", str(export([header, body[0], extra] + body[1:], "pdd", "gbk")),
                      "--platform", "pinduoduo") == 0
    out = capsys.readouterr().out
    assert "规格「黑色/XXXXXL」不是" in out and "的 SKU" in out
    assert "没有商品规格" in out
    order = ShopStore(db(state)).order(body[0][header.index("订单号")])
    assert order is not None and order.freight_insurance is True
    assert order.delivered_at is not None and (order.delivered_at.month, order.delivered_at.day) == (11, 26)


def test_title_line_above_the_header_and_tab_separated(state, tmp_path):
    rows = fixture_rows("jd_orders.csv")
    text = "京东商家后台订单导出 2026-11-23 10:00\n" + "\n".join("\t".join(row) for row in rows) + "\n"
    path = tmp_path / "jd.txt"
    path.write_bytes(text.encode("gb18030"))
    assert run_import("orders", str(path), "--platform", "jd") == 0
    assert ShopStore(db(state)).order("312345678902").tracking_number == "JDVA12345678901"


def test_xlsx_with_real_date_cells(state, tmp_path):
    import datetime as dt

    import openpyxl

    rows = fixture_rows("douyin_orders.csv")
    header = rows[0]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows[1:]:
        cells = list(row)
        for name in ("订单提交时间", "支付完成时间", "发货时间"):
            value = cells[header.index(name)]
            cells[header.index(name)] = dt.datetime.strptime(value, "%Y/%m/%d %H:%M:%S") if value else None
        sheet.append(cells)
    path = tmp_path / "dy.xlsx"
    workbook.save(path)
    assert run_import("orders", str(path), "--platform", "douyin") == 0
    order = ShopStore(db(state)).order("6923456789012345680")
    assert order.shipped_at.isoformat() == "2026-11-20T17:40:00+08:00"


def test_excel_unicode_text_utf16_with_tabs(state, tmp_path):
    """Excel's 'Unicode Text' save: UTF-16 with a BOM, tab-separated."""
    rows = fixture_rows("douyin_orders.csv")
    path = tmp_path / "dy.txt"
    path.write_bytes(("\r\n".join("\t".join(row) for row in rows) + "\r\n").encode("utf-16"))
    assert run_import("orders", str(path), "--platform", "douyin") == 0
    assert ShopStore(db(state)).order("6923456789012345680").status is OrderStatus.SHIPPED
