"""Entity normalisers over tables of real buyer expressions."""

from __future__ import annotations

import pytest

from kefu import normalize as n

MESSY = [None, "", "   ", 12345, ["170"], "？？？", "🙂" * 50, "斤" * 100_000, "1" * 100_000, "\x00\x01"]


@pytest.mark.parametrize(
    "function",
    [n.normalize_height, n.normalize_weight, n.normalize_size, n.normalize_color, n.normalize_province,
     n.normalize_order_id, n.normalize_invoice_type, n.normalize_return_reason, n.chinese_number],
)
@pytest.mark.parametrize("value", MESSY, ids=range(len(MESSY)))
def test_messy_input_gives_none_not_an_error(function, value) -> None:
    assert function(value) is None


@pytest.mark.parametrize("value", MESSY, ids=range(len(MESSY)))
def test_extract_measurements_on_messy_input(value) -> None:
    assert n.extract_measurements(value) == (None, None)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("一百二十", 120), ("一百二", 120), ("三十八", 38), ("十", 10), ("十五", 15), ("两百", 200),
        ("一百零五", 105), ("一点七", 1.7), ("170", 170), ("1.75", 1.75), ("三千五", 3500), ("二十", 20),
        ("一百三十五", 135), ("十万", 100000), ("米", None), ("一百二十斤", None), ("十十", None),
    ],
)
def test_chinese_number(text, expected) -> None:
    assert n.chinese_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("170", 170), ("170cm", 170), ("170CM", 170), ("1米7", 170), ("一米七", 170), ("1.7米", 170),
        ("1m70", 170), ("身高一米六五", 165), ("一米六八", 168), ("175公分", 175), ("1.75m", 175),
        ("我一米八的个子", 180), ("身高：158", 158), ("一百七十厘米", 170), ("身高170体重60", 170),
        ("１６５ｃｍ", 165), ("1米", None), ("60kg", None), ("我想买衣服", None), ("300cm", None),
    ],
)
def test_normalize_height(text, expected) -> None:
    assert n.normalize_height(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("60kg", 60.0), ("60公斤", 60.0), ("120斤", 60.0), ("一百二十斤", 60.0), ("60KG", 60.0),
        ("130多斤", 67.5), ("体重60", 60.0), ("体重120", 60.0), ("一百斤", 50.0), ("55.5千克", 55.5),
        ("九十斤", 45.0), ("60多公斤", 65.0), ("170 120斤", 60.0), ("体重：一百零五斤", 52.5),
        ("5kg", None), ("我很重", None), ("170cm", None),
    ],
)
def test_normalize_weight(text, expected) -> None:
    assert n.normalize_weight(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("170 120斤", (170, 60.0)),
        ("165/50kg", (165, 50.0)),
        ("身高170体重60", (170, 60.0)),
        ("170cm 60kg", (170, 60.0)),
        ("60kg 170", (170, 60.0)),               # order does not matter
        ("一米七 一百二十斤", (170, 60.0)),
        ("身高一米六五，体重105斤", (165, 52.5)),
        ("175/140", (175, 70.0)),                 # bare 100-300: 斤
        ("180,75", (180, 75.0)),                  # bare 35-99: kg
        ("160 90", (160, 45.0)),                  # 90 kg at 160 cm is BMI 35, 90 斤 is 17.6: 斤
        ("170 80", (170, 80.0)),                  # 80 kg at 170 cm is plausible: kg
        ("1米6 95斤", (160, 47.5)),
        ("我163，100斤左右", (163, 50.0)),
        ("体重60 身高172", (172, 60.0)),
        ("穿M码", (None, None)),
    ],
)
def test_extract_measurements(text, expected) -> None:
    assert n.extract_measurements(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("s", "S"), ("M", "M"), ("xl", "XL"), ("XXL", "2XL"), ("2XL", "2XL"), ("xxxl", "3XL"), ("4xl", "4XL"),
        ("XS", "XS"), ("加大码", "XL"), ("均码", "均码"), ("L码", "L"), ("38码", "38"), ("三十八码", "38"),
        ("我平时穿m的", "M"), ("大码", "L"), ("中号", "M"), ("42", "42"), ("28码的牛仔裤", "28"),
        ("5XL", None), ("170cm", None), ("39.5", None), ("2xxl", None), ("你好", None), ("60", None),
    ],
)
def test_normalize_size(text, expected) -> None:
    assert n.normalize_size(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("黑", "黑色"), ("黑的", "黑色"), ("黑色款", "黑色"), ("白色", "白色"), ("要灰的", "灰色"),
        ("藏蓝", "藏青色"), ("浅蓝色那条", "浅蓝色"), ("粉红", "粉色"), ("white", "白色"),
        ("卡其色的那个", "卡其色"), ("我明白了", None), ("蓝牙耳机", None), ("有货吗", None),
    ],
)
def test_normalize_color(text, expected) -> None:
    assert n.normalize_color(text) == expected


@pytest.mark.parametrize(
    "text, known, expected",
    [
        ("蓝的", ["浅蓝色", "深蓝色", "黑色"], None),   # ambiguous: ask again
        ("浅蓝", ["浅蓝色", "深蓝色", "黑色"], "浅蓝色"),
        ("黑", ["浅蓝色", "深蓝色", "黑色"], "黑色"),
        ("红色", ["白色", "黑色"], None),               # not offered
        ("蓝色", ["蓝色", "粉色"], "蓝色"),
        ("粉红的", ["蓝色", "粉色"], "粉色"),
        ("藏蓝", ["黑色", "灰色", "藏青色"], "藏青色"),
        ("驼色", ["驼色", "黑色"], "驼色"),
        ("咖啡色", ["驼色", "黑色"], None),
        ("深蓝", ["浅蓝色", "深蓝色"], "深蓝色"),
    ],
)
def test_normalize_color_against_known_colours(text, known, expected) -> None:
    assert n.normalize_color(text, known=known) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("新疆", "新疆"), ("新疆维吾尔自治区", "新疆"), ("乌鲁木齐", "新疆"), ("广州", "广东"), ("上海市", "上海"),
        ("发到浙江杭州", "浙江"), ("黑龙江哈尔滨", "黑龙江"), ("内蒙", "内蒙古"), ("吉林长春", "吉林"),
        ("西藏拉萨", "西藏"), ("广西壮族自治区南宁市", "广西"), ("陕西西安", "陕西"), ("山西太原", "山西"),
        ("沪", "上海"), ("深圳南山区", "广东"), ("火星", None),
    ],
)
def test_normalize_province(text, expected) -> None:
    assert n.normalize_province(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2611220845123456701", "2611220845123456701"),
        ("订单号：2611220845123456701", "2611220845123456701"),
        ("订单号 2611 2208 4512 3456 701", "2611220845123456701"),
        ("2611-2208-4512-3456-701", "2611220845123456701"),
        ("261101101020304050", "261101101020304050"),
        ("我的单号是261101101020304050，帮我查下", "261101101020304050"),
        ("123456789012345", "123456789012345"),
        ("13812345678", None),                     # a mobile number, not an order
        ("138 1234 5678", None),
        ("电话13812345678 订单 12345", None),
        ("13812345678 12345", None),
        ("12345678901234567890123", None),          # too long
        ("订单号忘了", None),
    ],
)
def test_normalize_order_id(text, expected) -> None:
    assert n.normalize_order_id(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("电子发票", "电子普票"), ("电子普票", "电子普票"), ("普票", "电子普票"), ("普通发票", "电子普票"),
        ("开发票", "电子普票"), ("纸质发票", "纸质普票"), ("要纸质的", "纸质普票"), ("纸质普票", "纸质普票"),
        ("增值税专用发票", "专票"), ("专票", "专票"), ("要开专用发票", "专票"), ("随便", None),
    ],
)
def test_normalize_invoice_type(text, expected) -> None:
    assert n.normalize_invoice_type(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("质量问题", "quality"), ("衣服破了个洞", "quality"), ("开线了", "quality"), ("洗了掉色", "quality"),
        ("发错货了", "quality"), ("鞋子开胶", "quality"), ("有色差和描述不符", "quality"),
        ("不喜欢", "no_reason"), ("没有质量问题就是不喜欢", "no_reason"), ("尺码大了", "no_reason"),
        ("七天无理由", "no_reason"), ("拍错了", "no_reason"), ("quality", "quality"), ("no_reason", "no_reason"),
        ("随便问问", None),
    ],
)
def test_normalize_return_reason(text, expected) -> None:
    assert n.normalize_return_reason(text) == expected
