"""Answers over the real sample shop: the facts a buyer would check are right."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu import masking
from kefu.shop import answers
from kefu.shop.answers import (
    bargain_answer, change_address_answer, invoice_policy_answer, invoice_recorded_answer, logistics_answer,
    reply, size_advice, stock_answer, validate_email, validate_tax_number,
)

AWAITING = "2611220845123456701"     # 待发货, paid Sunday 20:15
MOVING = "2611200930456789012"       # 已发货 to 广东
STUCK = "2611151122334455667"        # 已发货, last event 11-17 21:16
DELIVERED = "2611140815987654321"    # 已签收 11-15
DELIVERED_OLD = "261101101020304050" # 已签收 11-02
UNPAID = "2611230955001122334"
XINJIANG = "2611191640778899001"
CANCELLED = "2611180712135791113"


# -- stock --------------------------------------------------------------------------------------

def test_stock_asks_for_missing_colour_and_size_listing_options(store) -> None:
    tee = store.product("p1001")
    both = stock_answer(store, tee, None, None)
    assert both.data["missing"] == ["color", "size"]
    assert "白色、黑色、灰色" in both.text and "S、M、L、XL、2XL" in both.text
    size_only = stock_answer(store, tee, "黑的", None)
    assert size_only.data["missing"] == ["size"] and size_only.data["color"] == "黑色"
    assert "S、M、L、XL、2XL" in size_only.text
    color_only = stock_answer(store, tee, None, "xl")
    assert color_only.data["missing"] == ["color"] and "白色、黑色、灰色" in color_only.text


def test_stock_in_stock_low_restock_and_sold_out(store) -> None:
    tee = store.product("p1001")
    plenty = stock_answer(store, tee, "灰色", "M")
    assert plenty.data["status"] == "in_stock" and "有现货" in plenty.text

    low = stock_answer(store, tee, "白", "L码")
    assert low.data["status"] == "low" and low.data["stock"] == 3
    assert "仅剩3件" in low.text

    restock = stock_answer(store, tee, "白色", "XL")
    assert restock.data["status"] == "restock"
    assert restock.data["restock_date"] == dt.date(2026, 12, 5)
    assert "12月5日补货" in restock.text
    # in-stock alternatives: same size in other colours first, then neighbouring sizes
    assert restock.data["alternatives"][:2] == [("黑色", "XL"), ("灰色", "XL")]
    assert "黑色/XL" in restock.text and "白色/L" in restock.text

    sold_out = stock_answer(store, tee, "黑色", "XXL")
    assert sold_out.data["status"] == "sold_out"
    assert "售罄" in sold_out.text and "补货计划" in sold_out.text
    assert ("黑色", "XL") in sold_out.data["alternatives"]
    assert all(color != "黑色" or size != "2XL" for color, size in sold_out.data["alternatives"])


def test_stock_unknown_colour_or_size(store) -> None:
    dress = store.product("p1003")
    purple = stock_answer(store, dress, "紫色", "M")
    assert purple.data["unknown"] == "color" and "蓝色、粉色" in purple.text
    big = stock_answer(store, dress, "蓝色", "3XL")
    assert big.data["unknown"] == "size" and "S、M、L、XL" in big.text and "没有3XL" in big.text
    # unrecognised words are never echoed back to the buyer
    odd = stock_answer(store, dress, "同款网红色", None)
    assert odd.data["unknown"] == "color" and "网红" not in odd.text and "蓝色、粉色" in odd.text
    odd_size = stock_answer(store, dress, "蓝色", "全网同款码")
    assert odd_size.data["unknown"] == "size" and "全网" not in odd_size.text and "S、M、L、XL" in odd_size.text


def test_stock_shoe_sizes_and_threshold(store) -> None:
    shoes = store.product("p1006")
    assert stock_answer(store, shoes, "黑色", "42码").data["stock"] == 3
    assert stock_answer(store, shoes, "黑色", "四十三码").data["restock_date"] == dt.date(2026, 12, 3)
    assert stock_answer(store, shoes, "黑色", "42", threshold=2).data["status"] == "in_stock"


# -- size advice --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "product_id, height, weight, usual, foot, size, between",
    [
        ("p1001", 170, 60, None, None, "L", None),           # 正常: straight from the chart
        ("p1001", 160, 45, None, None, "S", None),
        ("p1002", 170, 60, None, None, "M", ("M", "L")),     # 偏大: the smaller of the two
        ("p1003", 160, 50, None, None, "L", ("M", "L")),     # 偏小: the larger of the two
        ("p1004", 165, 55, None, None, "29", ("28", "29")),
        ("p1005", None, None, "M", None, "L", ("M", "L")),   # usual size, runs small
        ("p1001", None, None, "XL", None, "XL", None),
        ("p1006", None, None, None, 243, "39", None),
        ("p1006", None, None, None, 240, "39", ("38", "39")),
        ("p1007", None, None, "38", None, "37", ("37", "38")),  # canvas shoes run large
    ],
)
def test_size_advice(store, product_id, height, weight, usual, foot, size, between) -> None:
    answer = size_advice(store, store.product(product_id), height, weight, usual, foot)
    assert answer.data["size"] == size
    assert answer.data.get("between") == between
    assert f"{size}码" in answer.text


def test_size_advice_mentions_fit_note_and_asks_when_data_missing(store) -> None:
    hoodie = store.product("p1002")
    advice = size_advice(store, hoodie, 175, 70, None)
    assert "偏大一码" in advice.text
    assert size_advice(store, hoodie, None, None).data["missing"] == ["height", "weight"]
    assert size_advice(store, hoodie, 170, None).data["missing"] == ["weight"]
    assert size_advice(store, store.product("p1006"), 170, 60).data["missing"] == ["foot_length"]


def test_size_advice_out_of_chart_and_sold_out_size(store) -> None:
    tall = size_advice(store, store.product("p1001"), 195, 100)
    assert tall.data["out_of_range"] == "large" and tall.data["size"] == "3XL"
    assert "码数上限" in tall.text
    small = size_advice(store, store.product("p1003"), 140, 35)
    assert small.data["out_of_range"] == "small"


# -- logistics ----------------------------------------------------------------------------------

def test_logistics_states(store, config, at) -> None:
    now = at(2026, 11, 23, 10, 0)
    assert logistics_answer(None, now).data["missing"] == ["order_id"]
    missing = logistics_answer(None, now, "123456789012345")
    assert missing.data["found"] is False and "123456789012345" in missing.text

    unpaid = logistics_answer(store.order(UNPAID), now, config=config)
    assert "还没有付款" in unpaid.text
    assert "取消" in logistics_answer(store.order(CANCELLED), now, config=config).text

    awaiting = logistics_answer(store.order(AWAITING), now, config=config)
    assert awaiting.data["ship_date"] == dt.date(2026, 11, 23)  # paid Sunday evening -> Monday
    assert "今天（11月23日）" in awaiting.text
    late = logistics_answer(store.order(AWAITING), at(2026, 11, 25, 10), config=config)
    assert late.data["late"] and "非常抱歉" in late.text

    moving = logistics_answer(store.order(MOVING), now, config=config)
    assert not moving.data["stuck"]
    assert "天河体育西营业点" in moving.text and "78312456789012" in moving.text and "中通快递" in moving.text

    stuck = logistics_answer(store.order(STUCK), now, config=config)
    assert stuck.data["stuck"] and stuck.data["days_without_update"] == 5
    assert "非常抱歉" in stuck.text and "武汉转运中心" in stuck.text and "11月17日 21:16" in stuck.text

    delivered = logistics_answer(store.order(DELIVERED), now, config=config)
    assert "11月15日 12:02签收" in delivered.text and not delivered.data["stuck"]


def test_logistics_stuck_threshold_is_three_days(store, config, at) -> None:
    order = store.order(STUCK)  # last event 2026-11-17 21:16
    assert not logistics_answer(order, at(2026, 11, 20, 21, 15), config=config).data["stuck"]
    assert logistics_answer(order, at(2026, 11, 20, 21, 16), config=config).data["stuck"]


def test_logistics_far_region_expected_arrival(store, config, at) -> None:
    answer = logistics_answer(store.order(XINJIANG), at(2026, 11, 23, 10), config=config)
    assert answer.data["arrive_by"] == dt.date(2026, 11, 28)  # shipped 11-20 + 8 days to 新疆
    assert "兰州转运中心" in answer.text


# -- invoices -----------------------------------------------------------------------------------

def test_invoice_policy(config) -> None:
    general = invoice_policy_answer(config)
    assert "电子普票、纸质普票、专票" in general.text and "3个工作日" in general.text
    special = invoice_policy_answer(config, "增值税专用发票")
    assert special.data["invoice_type"] == "专票" and "纳税人识别号" in special.text
    assert "电子普票" not in special.text


def test_invoice_recorded_masks_email(config) -> None:
    answer = invoice_recorded_answer(config, "电子普票", "杭州某某科技有限公司", "zhangsan@qq.com")
    assert "杭州某某科技有限公司" in answer.text
    assert "zhangsan" not in answer.text and "qq" not in answer.text.lower()
    assert "z***@q***.com" in answer.text
    paper = invoice_recorded_answer(config, "纸质发票", "张三", None)
    assert "寄出" in paper.text and paper.data["invoice_type"] == "纸质普票"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("91330106MA2GL1234X", "91330106MA2GL1234X"),
        ("91330106 ma2gl1234x", "91330106MA2GL1234X"),
        ("330106123456789", "330106123456789"),          # 15-digit legacy number
        ("33010612345678901234", "33010612345678901234"),  # 20 characters
        ("91330106MA2GL1234", None),                     # 17
        ("91330106MA2GL1234I", None),                    # I is not in the credit-code charset
        ("9133010-6MA2GL1234X", "91330106MA2GL1234X"),
        ("税号91330106MA2GL1234X", None),
        ("", None),
        (None, None),
        ("9" * 10_000, None),
    ],
)
def test_validate_tax_number(raw, expected) -> None:
    assert validate_tax_number(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("zhang.san@example.com", "zhang.san@example.com"),
        ("  Li@Example.COM ", "Li@example.com"),
        ("a_b+c@mail.example.cn", "a_b+c@mail.example.cn"),
        ("name＠example。com", "name@example.com"),
        ("name@example", None),
        ("@example.com", None),
        ("name example.com", None),
        ("", None),
        (None, None),
        ("a" * 300 + "@example.com", None),
    ],
)
def test_validate_email(raw, expected) -> None:
    assert validate_email(raw) == expected


# -- address, bargaining -----------------------------------------------------------------

def test_change_address(store) -> None:
    assert change_address_answer(None).data["missing"] == ["order_id"]
    ask = change_address_answer(store.order(AWAITING))
    assert ask.data["can_change"] and ask.data["missing"] == ["new_address"]
    confirm = change_address_answer(store.order(AWAITING), "浙江省杭州市西湖区文三路 100 号 王晓丽 13812345678")
    assert confirm.data["can_change"] and "文三路 100 号" in confirm.text
    assert "13812345678" not in confirm.text and "138****5678" in confirm.text
    shipped = change_address_answer(store.order(MOVING), "上海市")
    assert not shipped.data["can_change"] and "改派" in shipped.text
    assert not change_address_answer(store.order(DELIVERED)).data["can_change"]
    assert "付款页面" in change_address_answer(store.order(UNPAID)).text


def test_bargain(config, at) -> None:
    with_coupon = bargain_answer(config)
    assert with_coupon.data["coupon"] == "店铺满减券"
    assert "满199元减20元" in with_coupon.text and "不能议价" in with_coupon.text
    expired = bargain_answer(config, now=at(2027, 1, 2))
    assert expired.data["coupon"] is None and "不能议价" in expired.text


# -- templates ------------------------------------------------------------------------------------

def test_reply_unknown_key_and_missing_value() -> None:
    with pytest.raises(KeyError, match="no.such.key"):
        reply("no.such.key")
    with pytest.raises(KeyError, match="stock.low"):
        reply("stock.low", product="T恤")


def test_reply_masks_phone_numbers() -> None:
    text = reply("address.confirm", order_id="1" * 18, address="某路 1 号 13912345678")
    assert "139****5678" in text and "13912345678" not in text


def test_mask_email_shapes() -> None:
    assert masking.mask_email("a@b.cn") == "a***@b***.cn"
    assert masking.mask_email("broken") == "***"
