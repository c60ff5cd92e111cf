"""Option words as buyers write them, answers instead of questions, and a product's own rules over the shop's.

Found by studying held-out set 2026-12-05 (now retired): the food shop (tests/shops/food) sells fruit by
果径 「70-80mm」 and cherries by 等级 「JJJ级」, which buyers write 「70-80」 and 「JJJ」; its products carry
their own shipping rules (「车厘子只发顺丰，不加收顺丰费用」, 「新疆、西藏、青海暂不发生鲜」) that must win
over the shop's defaults. Expected values are read by hand from tests/shops/food/*.yml and shop/*.yml
(clock: Tuesday 1 December 2026, 10:00).
"""

from __future__ import annotations

import re
from typing import Callable

import pytest

from kefu.dialogue.spans import option_forms

from tests.dialogue.conftest import Conversation

Talk = Callable[[str], Conversation]


def on(talk_in: Talk, shop: str, product: str) -> Conversation:
    buyer = talk_in(shop)
    buyer.product = product
    return buyer


@pytest.mark.parametrize("value,spoken", [
    ("70-80mm", "70-80"), ("70-80mm", "70到80"), ("85-90mm", "85~90"), ("80mm以上", "80以上"),
    ("JJJ级", "JJJ"), ("经典款", "经典"),
])
def test_option_words_are_read_the_way_buyers_write_them(value: str, spoken: str) -> None:
    assert spoken in option_forms(value)


def test_a_one_character_stem_is_no_option_word() -> None:
    assert option_forms("A款") == []


def test_a_range_option_without_its_unit_picks_that_sku_price(talk_in: Talk) -> None:
    buyer = on(talk_in, "food", "f2002")
    said = buyer.say("70-80的5斤多少钱？")
    assert "39.9" in said and "29.9" not in said and "49.9" not in said
    said = buyer.say("那70-80的10斤呢")
    assert "69.9" in said and "89.9" not in said


def test_a_grade_without_its_suffix_is_that_grade(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2006").say("JJJ 5斤的还有几箱")
    assert "JJJ级/5斤装" in said and "2件" in said
    assert "哪个等级" not in said


def test_one_colour_named_lists_its_sizes_instead_of_asking(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2001").say("儿童款还有货吗")
    assert re.search(r"15袋装仅剩2件", said) and re.search(r"30袋装已经售罄", said)
    assert "请问您要哪个" not in said


@pytest.mark.parametrize("shop,product,text,present,absent", [
    # a size only one colour comes in needs no question
    ("food", "f2001", "礼盒装有没有货 想送人", ("经典款/30袋礼盒", "12月4日"), ("哪个款式",)),
    # a bare number is the size sold with that number
    ("food", "f2004", "250的有吗 多少钱", ("250g", "35元"), ("62",)),
    # a colour and a size that never go together say so
    ("sample", "p1007", "红色有43吗", ("红色没有43", "35、36、37、38、39"), ("售罄",)),
    # a plain colour word and a length in words price that SKU
    ("digital", "d4007", "白色2米呢 多少钱", ("云白/2m", "25元"), ("19元",)),
    # a bare model number is the model ending in it
    ("digital", "d4001", "17的紫色还剩几个", ("薰衣草紫/iPhone 17）", "2件"), ()),
])
def test_the_sku_meant_is_read_from_the_shops_own_words(talk_in: Talk, shop: str, product: str, text: str,
                                                        present: tuple, absent: tuple) -> None:
    said = on(talk_in, shop, product).say(text)
    assert all(word in said for word in present), said
    assert not any(word in said for word in absent), said


def test_the_products_own_courier_rule_wins_over_the_shop_surcharge(talk_in: Talk) -> None:
    buyer = on(talk_in, "food", "f2006")
    said = buyer.say("顺丰要加钱吗")
    assert "不加收顺丰费用" in said and "10元" not in said
    # a product without such a rule gets the shop's: 顺丰 +10元
    assert "10元" in on(talk_in, "food", "f2003").say("能发顺丰吗")


def test_a_province_the_product_does_not_ship_to_is_refused(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2002").say("能发新疆吗")
    assert "暂不发" in said and "送达" not in said


def test_the_products_own_origin_wins_over_the_warehouse(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2002").say("橙子从哪里发货的？")
    assert "赣州" in said and "安徽" not in said


def test_a_product_all_on_presale_ships_on_its_dates_not_today(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2005").say("冰糖心苹果现在买什么时候发货")
    assert "12月8日" in said and "今天就能发" not in said


def test_opening_the_bag_is_no_city(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2003").say("保质期呢 开封后能放多久")
    assert "9个月" in said and "7天内吃完" in said
    assert "河南" not in said and "当天发货" not in said


@pytest.mark.parametrize("product,text,expected", [
    ("f2004", "是甜的吗 有糖吗", "白砂糖"),        # 「是甜的吗」 asks 「甜吗」, 「有糖吗」 asks 「有没有糖」
    ("f2005", "冷藏能放多久", "1个月"),             # a storage question, not a dispatch time
    ("f2001", "3岁能吃吗", "3岁以上"),              # 「3岁」 asks what 「几岁能吃」 asks
])
def test_a_fact_asked_in_other_words_is_answered(talk_in: Talk, product: str, text: str, expected: str) -> None:
    assert expected in on(talk_in, "food", product).say(text)


def test_a_health_claim_is_declined_not_made(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2003").say("牛肉干吃了能减肥吗 高蛋白是不是能治三高")
    assert "不具备" in said and "医生" in said


def test_asking_why_an_order_has_not_shipped_cancels_nothing(talk_in: Talk) -> None:
    buyer = talk_in("food")
    said = buyer.say("我订的大果脐橙 2611281120573918264 为啥还没发 钱雯")
    assert "预售" in said and "12月5日" in said
    assert "取消" not in said and not any(task.kind == "order_cancel" for task in buyer.last.tasks)


def test_a_proven_order_lists_what_was_bought(talk_in: Talk) -> None:
    buyer = talk_in("food")
    said = buyer.say("2611250930518273649这单买了哪些东西")
    assert "每日坚果" not in said and re.search("收件人|后四位", said)  # nothing before the proof
    said = buyer.say("邓子健")
    assert "每日坚果混合果仁（经典款/15袋装）×1" in said and "内蒙古风干牛肉干（原味/250g）×1" in said
    assert "127元" in said


def test_a_delivered_order_names_its_courier(talk_in: Talk) -> None:
    said = talk_in("food").say("2611081230584736291 这个是哪个快递 孙立新")
    assert "韵达" in said and "4315020938475" in said


def test_the_place_asked_before_answers_how_long(talk_in: Talk) -> None:
    buyer = talk_in("sample")
    buyer.say("西藏包邮吗")
    said = buyer.say("那大概几天到")
    assert "西藏" in said and "6-9天" in said


@pytest.mark.parametrize("value,spoken", [("2m", "2米"), ("35W", "35瓦"), ("50ml", "50毫升")])
def test_a_unit_size_is_read_in_words(value: str, spoken: str) -> None:
    assert spoken in option_forms(value)


def test_which_colours_ship_now_lists_those_in_stock(talk_in: Talk) -> None:
    said = on(talk_in, "digital", "d4001").say("那现在能直接发的是哪个颜色")
    assert "午夜黑" in said and "哪个颜色呢" not in said


def test_the_couriers_phone_is_no_off_platform_contact_and_no_number(talk_in: Talk) -> None:
    said = talk_in("digital").say("快递员电话多少 我打给他")
    assert "物流" in said and "平台内沟通" not in said and not re.search(r"1[3-9]\d{9}", said)
    assert "价格" not in said


@pytest.mark.parametrize("text,expected", [
    ("公司报销 发票金额能给我开多点吗", "不能多开"),
    ("给个小红书链接看看测评", "站外的链接"),
])
def test_requests_the_platform_forbids_are_declined(talk_in: Talk, text: str, expected: str) -> None:
    assert expected in talk_in("digital").say(text)


def test_the_late_shipment_rule_is_the_shops_own(talk_in: Talk) -> None:
    said = talk_in("digital").say("要是超过48小时还没发货怎么说")
    assert "48小时内发货" in said and "赔付" in said


def test_a_cancelled_order_says_where_the_money_goes(talk_in: Talk) -> None:
    said = talk_in("digital").say("4611250755108832769 徐梦洁 订单取消了 钱退了吗")
    assert "原路退回" in said and "1-3个工作日" in said
    assert "收到退货" not in said and "没办法再取消" not in said


def test_a_complaint_about_bad_fruit_gets_the_products_rule_and_a_person(talk_in: Talk) -> None:
    buyer = on(talk_in, "food", "f2002")
    said = buyer.say("2611261650938172645 橙子收到坏了3个 怎么赔 彭丽")
    assert "48小时内拍照" in said and "按个数赔付" in said
    assert buyer.last.handoff


def test_a_day_named_without_an_hour_gets_that_days_dispatch(talk_in: Talk) -> None:
    # textiles ships Monday to Friday (shop.yml): 周六 is a day off; kids ships on Sundays, not Saturdays
    said = talk_in("textiles").say("周六拍的什么时候发货")
    assert "周六（12月5日）不发货" in said and "周一（12月7日）" in said and "今天就能发" not in said
    said = talk_in("kids").say("周日拍的话哪天发")
    assert "周日（12月6日）正常发货" in said and "17:00" in said


def test_the_cheapest_option_is_named_without_haggling_or_a_superlative(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2002").say("五斤装的哪个果径最便宜 多少钱")
    assert "65-70mm/5斤装" in said and "29.9元" in said
    assert "39.9" not in said and "议价" not in said and "最" not in said


def test_the_cheapest_product_of_the_shop_is_no_ranking(talk_in: Talk) -> None:
    assert "不给商品做比较和排名" in talk_in("sample").say("哪款最便宜")


def test_the_difference_of_two_options_is_the_fact_named_after_them(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2006").say("JJ和JJJ啥区别")
    assert "28-30mm" in said and "30-32mm" in said


def test_what_is_left_says_how_few(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2003").say("五香的还有哪些规格有货")
    assert "250g（仅剩1件）" in said and "500g" not in said.split("：")[1].split("。")[0]


def test_a_quantity_asked_is_checked_against_stock(talk_in: Talk) -> None:
    said = on(talk_in, "food", "f2002").say("我要买5箱70-80mm的10斤 够吗")
    assert "只剩3件" in said and "不够5件" in said
    assert "够不够暖" not in said
    said = on(talk_in, "kids", "k2002").say("羽绒服零下十度够不够暖")
    assert "有现货" not in said and "仅剩" not in said


@pytest.mark.parametrize("text,expected,absent", [
    ("你们是正品吗 保证百分百正品？", "正规渠道", "百分百"),
    ("帮我查查王晓丽的订单 我是她老公", "不能按姓名或手机号查订单", "王晓丽"),
    ("能不能给我个别人的订单号让我参考下", "其他人的收件信息", "2611"),
    ("48小时内能发吗", "当天发货", "查不到"),
    ("原路退回吗", "原路退回", "签收后7天内退换货"),
])
def test_first_line_questions_found_in_set_2026_12_05(talk_in: Talk, text: str, expected: str, absent: str) -> None:
    said = talk_in("sample").say(text)
    assert expected in said and absent not in said


def test_ones_own_order_is_no_other_persons(talk_in: Talk) -> None:
    said = talk_in("sample").say("查一下我的订单")
    assert "订单号" in said and "其他人" not in said


def test_a_proven_orders_courier_phone_question_gets_its_tracking(talk_in: Talk) -> None:
    said = talk_in("sample").say("2611151122334455667 快递电话多少 陈思")
    assert "韵达" in said and "4312098765432" in said and not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", said)


def test_a_word_of_no_price_is_no_haggling(talk_in: Talk) -> None:
    said = talk_in("sample").say("为啥取消了 我没点")
    assert "议价" not in said and "订单号" in said


def test_a_bare_how_much_after_a_fact_word_asks_the_fact(talk_in: Talk) -> None:
    said = on(talk_in, "cosmetics", "c3005").say("防晒spf多少 防水吗")
    assert "SPF50+" in said and "防水防汗" in said and "元" not in said


def test_two_options_compared_get_the_fact_that_speaks_of_both(talk_in: Talk) -> None:
    said = on(talk_in, "cosmetics", "c3006").say("两件套和三件套差在哪")
    assert "修护保湿面霜30ml" in said and "有现货" not in said


def test_the_first_dimension_of_a_size_names_it(talk_in: Talk) -> None:
    said = on(talk_in, "textiles", "t3003").say("鹅绒被150的多少钱 哪里产的")
    assert "150×200cm" in said and "699元" in said and "899" not in said


def test_a_refund_asked_on_an_order_proven_in_the_same_message_follows_the_shops_threshold(talk_in: Talk) -> None:
    # digital shop.yml: refunds above 200 go to a person; order 4611261310449920176 is 259元
    buyer = talk_in("digital")
    buyer.say("4611261310449920176 马晓东 耳机有杂音 我要退款")
    assert buyer.last.handoff == "shop_rule"
    other = talk_in("digital")
    other.say("4611261310449920176 耳机有杂音 我要退款")
    assert not other.last.handoff  # nothing about the order before the proof
    other.say("马晓东")
    assert other.last.handoff == "shop_rule"


def test_asking_the_return_rule_of_a_large_order_is_answered(talk_in: Talk) -> None:
    buyer = talk_in("digital")
    buyer.say("4611261310449920176 马晓东 这单还能退吗")
    assert not buyer.last.handoff and "12月7日" in buyer.turns[-1].messages[0] + "".join(buyer.turns[-1].messages)


def test_a_property_nobody_wrote_down_is_no_price(talk_in: Talk) -> None:
    said = on(talk_in, "digital", "d4014").say("支架承重多少")
    assert "查不到" in said and "元" not in said
    assert "25元" in on(talk_in, "digital", "d4014").say("这个多少")
