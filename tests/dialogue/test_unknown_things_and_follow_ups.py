"""Things the shop does not sell or never wrote down, and the follow-ups of an order's return and parcel.

Found by studying held-out set 2026-12-06 (retired 2026-12-07): 「有没有开心果」 in a nut shop without
pistachios and 「有没有AAFCO认证」 about a cat food whose facts say nothing of it were both read as a stock
question and answered with a size question; 「最晚哪天申请」 after a return answer, 「两样东西是一起发的吗」
about a two-item order, a paper invoice the shop does not issue and offers that may or may not stack went
unanswered or were answered wrongly. Expected values are read by hand from tests/shops/*/ (clock: Tuesday
1 December 2026, 10:00).
"""

from __future__ import annotations

from typing import Callable

from kefu.dialogue.absent import asked_thing

from tests.dialogue.conftest import Conversation

Talk = Callable[[str], Conversation]


def test_something_the_shop_does_not_sell_is_said_so_with_what_it_does_sell(talk_in: Talk) -> None:
    for text in ("有没有开心果", "卖不卖芒果"):
        said = talk_in("food").say(text)
        assert "暂时没有" in said and "每日坚果混合果仁" in said, text
        assert "哪个" not in said


def test_a_product_of_the_shop_asked_the_same_way_is_still_a_stock_question(talk_in: Talk) -> None:
    said = talk_in("food").say("有没有坚果")
    assert "暂时没有" not in said and "每日坚果混合果仁" in said and "15袋装" in said


def test_a_property_nobody_wrote_down_gets_honesty_and_a_task_not_a_size_question(talk_in: Talk) -> None:
    buyer = talk_in("pets")
    buyer.product = "c2001"
    said = buyer.say("有没有AAFCO认证啊")
    assert "查不到" in said and "1.5kg" not in said
    assert [t.kind for t in buyer.last.tasks] == ["product_question"]


def test_what_is_asked_about_is_not_absent_when_it_is_an_option_service_or_descriptor() -> None:
    known = {"猫粮", "1.", "5k", "kg"}
    for clause in ("有没有货", "有没有大一点的", "有没有优惠券", "有没有链接", "有没有猫粮", "有没有10kg的"):
        assert asked_thing(clause, known) is None, clause
    assert asked_thing("有没有AAFCO认证啊", known) == "AAFCO认证"


def test_the_last_day_to_apply_for_a_return_is_the_order_s_own(talk_in: Talk) -> None:
    buyer = talk_in("kids")
    buyer.say("2611240930571846290 李慧 裙子想退")
    buyer.say("退货运费谁出")
    said = buyer.say("最晚哪天申请")
    assert "12月11日" in said and "查不到" not in said


def test_two_items_of_one_order_left_in_one_parcel_with_its_waybill(talk_in: Talk) -> None:
    buyer = talk_in("cosmetics")
    buyer.say("2611301415206948353 罗文静 包裹到哪了")
    said = buyer.say("两样东西是一起发的吗")
    assert "丝绒哑光口红" in said and "氨基酸温和洗面奶" in said and "773269104583621" in said
    assert "12月4日" in buyer.say("几号能到")  # still the parcel's date, not a question for the province


def test_a_paper_invoice_the_shop_does_not_issue_is_refused_with_what_it_does(talk_in: Talk) -> None:
    said = talk_in("pets").say("纸质发票能开吗")
    assert "暂不支持开纸质发票" in said and "电子普票" in said


def test_a_special_invoice_asked_second_in_the_message_is_answered(talk_in: Talk) -> None:
    said = talk_in("cosmetics").say("能开发票吗 专票可以吗")
    assert "暂不支持开专票" in said and "电子普票" in said


def test_an_invoice_s_postage_is_the_invoice_s_not_the_return_s(talk_in: Talk) -> None:
    said = talk_in("digital").say("专票怎么给我 邮费谁出")
    assert "顺丰" in said and "邮费由店铺承担" in said
    assert "退货运费" not in said and "您承担" not in said


def test_offers_whose_stacking_no_file_states_are_not_guessed(talk_in: Talk) -> None:
    buyer = talk_in("cosmetics")
    said = buyer.say("满299减30和新客券能一起用吗")
    assert "满99元减10元" in said and "满299减30" in said and "确认不了" in said
    assert "可以叠加" not in said and "不能叠加" not in said and "可以一起用" not in said
    assert [t.kind for t in buyer.last.tasks] == ["promo_question"]
