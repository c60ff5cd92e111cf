"""Bad exports are refused with one line naming file, row, column and value in Chinese and English."""

from __future__ import annotations


import pytest

from kefu.cli import main
from kefu.shop.store import ShopStore
from tests.imports.conftest import FIXTURES, fixture_rows


def refused(capsys, *argv: str) -> str:
    """Run `kefu import`; it must exit 2 with a message and no traceback. Returns stderr."""
    assert main(["import", *argv]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert captured.err.startswith("kefu import: ")
    return captured.err


def with_cell(platform: str, column: str, value: str, row: int = 1):
    rows = fixture_rows(f"{platform}_orders.csv")
    rows[row][rows[0].index(column)] = value
    return rows


@pytest.mark.parametrize("column,value,zh,en", [
    ("订单提交时间", "2026/11/32 09:30:00", "应为日期时间", "must be a date and time"),
    ("订单状态", "神秘状态", "不认识的订单状态", "unknown order status"),
    ("主订单编号", "6.92346E+18", "科学计数法", "scientific notation"),
    ("主订单编号", "", "订单号应为", "order number must be"),
    ("订单应付金额", "十块", "应为数字", "must be a number"),
    ("订单应付金额", "-5", "不小于 0", "≥ 0"),
    ("商品数量", "1.5", "应为整数", "whole number"),
    ("商品数量", "0", "不小于 1", "≥ 1"),
])
def test_bad_cells_name_row_column_and_value(column, value, zh, en, state, export, capsys):
    path = export(with_cell("douyin", column, value, row=2), "dy-bad", "utf-8")
    err = refused(capsys, "orders", str(path), "--platform", "douyin")
    assert "dy-bad.csv 第3行" in err and f"列「{column}」" in err and zh in err
    assert "row 3" in err and en in err
    if value:
        assert f"「{value}」" in err


def test_a_bad_row_stores_nothing(state, export, capsys):
    path = export(with_cell("douyin", "订单提交时间", "昨天", row=2), "dy", "utf-8")
    refused(capsys, "orders", str(path), "--platform", "douyin")
    assert ShopStore(state / "kefu.db").order("6923456789012345678") is None  # row 2 was fine, still not stored


def test_order_number_excel_turned_into_a_float(state, tmp_path, capsys):
    import openpyxl

    rows = fixture_rows("douyin_orders.csv")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(rows[0])
    sheet.append([float(rows[1][0])] + rows[1][1:])  # what Excel does to a 19-digit number typed into a cell
    path = tmp_path / "dy.xlsx"
    workbook.save(path)
    err = refused(capsys, "orders", str(path), "--platform", "douyin")
    assert "第2行" in err and "主订单编号" in err and "文本" in err and "lost digits" in err


def test_restock_date_that_does_not_exist(state, export, capsys):
    rows = fixture_rows("products.csv")
    rows[0].append("补货日期")
    for row in rows[1:]:
        row.append("")
    rows[2][-1] = "2026-12-32"
    err = refused(capsys, "products", str(export(rows, "stock", "gbk")))
    assert "第3行" in err and "补货日期" in err and "2026-12-32" in err and "real date" in err


@pytest.mark.parametrize("content,zh", [
    (b"", "文件是空的"),
    (b"\x00\x01\x02garbage\x00", "空字符"),
    ("订单号,订单状态\n".encode("gbk"), "找不到必需的列"),
])
def test_unusable_files(content, zh, state, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    err = refused(capsys, "orders", str(path), "--platform", "pinduoduo")
    assert "export.csv" in err and zh in err


def test_wrong_platform_says_which_columns_are_missing(state, capsys):
    err = refused(capsys, "orders", str(FIXTURES / "douyin_orders.csv"), "--platform", "taobao",
                  "--items", str(FIXTURES / "taobao_items.csv"))
    assert "订单编号" in err and "--mapping" in err


@pytest.mark.parametrize("name,content,zh", [
    ("old.xls", b"\xd0\xcf\x11\xe0 old excel", ".xls"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
])
def test_excel_files_kefu_cannot_read(name, content, zh, state, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(content)
    err = refused(capsys, "products", str(path))
    assert name in err and zh in err


def test_missing_file(state, tmp_path, capsys):
    err = refused(capsys, "products", str(tmp_path / "nope.csv"))
    assert "文件不存在" in err and "file not found" in err


def test_taobao_orders_need_the_items_report(state, capsys):
    err = refused(capsys, "orders", str(FIXTURES / "taobao_orders.csv"), "--platform", "taobao")
    assert "宝贝报表" in err and "--items" in err


def test_orders_need_a_platform_or_mapping(state, capsys):
    err = refused(capsys, "orders", str(FIXTURES / "jd_orders.csv"))
    assert "--platform" in err


def test_mapping_file_with_unknown_keys_is_refused(state, tmp_path, capsys):
    mapping = tmp_path / "map.yml"
    mapping.write_text("kind: orders\ncolumns: {order_id: 单号, status: 状态, amount: 实付, created_at: 时间}\n"
                       "colums: {}\n", encoding="utf-8")
    err = refused(capsys, "orders", str(FIXTURES / "erp_orders.csv"), "--mapping", str(mapping))
    assert "colums" in err and "unknown keys" in err


def test_mapping_file_naming_an_unknown_field(state, tmp_path, capsys):
    mapping = tmp_path / "map.yml"
    mapping.write_text("kind: orders\ncolumns: {order_id: 单号, status: 状态, amount: 实付, created_at: 时间,"
                       " buyer_wechat: 微信}\n", encoding="utf-8")
    err = refused(capsys, "orders", str(FIXTURES / "erp_orders.csv"), "--mapping", str(mapping))
    assert "buyer_wechat" in err


def test_huge_cells_are_cut_not_crashed(state, export, capsys):
    rows = fixture_rows("douyin_orders.csv")
    rows[1][rows[0].index("详细地址")] = "长" * 100_000
    assert main(["import", "orders", str(export(rows, "dy", "utf-8")), "--platform", "douyin"]) == 0
    order = ShopStore(state / "kefu.db").order("6923456789012345678")
    assert len(order.receiver_address) <= 300


def test_new_product_without_category_asks_for_one(state, export, capsys):
    rows = [["商家编码", "商品名称", "规格", "价格", "库存"], ["p3001", "羊绒围巾", "驼色", "199", "5"]]
    err = refused(capsys, "products", str(export(rows, "scarf", "utf-8")))
    assert "第2行" in err and "类目" in err and "--category" in err
    assert main(["import", "products", str(export(rows, "scarf", "utf-8")), "--category", "配饰"]) == 0
    assert "配饰" in capsys.readouterr().out  # warned: no size chart of that name
    assert ShopStore(state / "kefu.db").product("p3001").category == "配饰"


def test_unwritable_database_is_one_line(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "not-a-file.db"
    folder.mkdir()  # SQLite cannot open a folder: the same path as a read-only or vanished disk
    monkeypatch.setenv("KEFU_DB_PATH", str(folder))
    err = refused(capsys, "products", str(FIXTURES / "products.csv"))
    assert "nothing imported" in err and "未导入" in err
