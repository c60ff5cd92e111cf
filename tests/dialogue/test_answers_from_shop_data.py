"""What a buyer reads, checked against the sample shop's data (shop/*.yml), message by message.

Expected facts are read off the shop files by hand (stock counts, restock dates,
delivery days, the 16:00 cut-off, Saturday but no Sunday shipping, the 7-day window
from delivery, the 顺丰 surcharge of 12 yuan, free shipping but for 新疆/西藏/青海),
never produced by the code. The clock is Tuesday 1 Dec 2026, 10:00.
"""

from __future__ import annotations

import pytest


def has_all(text: str, *parts: str) -> None:
    missing = [p for p in parts if p not in text]
    assert not missing, f"missing {missing} in: {text}"


def has_none(text: str, *parts: str) -> None:
    present = [p for p in parts if p in text]
    assert not present, f"should not say {present}: {text}"


# -- issue reproductions: crashes, wrong SKUs, stale dates -----------------------------------------

def test_stock_and_size_in_one_message_with_weight_in_gongjin(talk):
    c = talk(product="p1005")
    reply = c.say("卡其色L有吗？我165 55公斤穿啥码")
    has_all(reply, "卡其色/L", "仅剩1件", "165cm", "55kg", "L码")
    assert len(c.last.messages) == 2


def test_height_weight_and_two_sizes_to_choose_from(talk):
    reply = talk(product="p1002").say("我170 65kg 穿L还是XL")
    has_all(reply, "170cm", "65kg", "L码")


@pytest.mark.parametrize("text, size", [("25.5厘米穿多大", "42码"), ("脚长245", "40码"), ("我脚240mm穿几码", "39码"),
                                        ("脚长24.5cm 平时穿39", "40码")])
def test_foot_length_in_every_unit_against_the_shoe_chart(talk, text, size):
    reply = talk(product="p1006").say(text)
    has_all(reply, size)
    has_none(reply, "没有完全理解")


def test_a_weight_alone_asks_for_the_height_once_then_answers(talk):
    c = talk(product="p1001")
    has_all(c.say("120斤穿什么码"), "身高")
    reply = c.say("165")
    has_all(reply, "165cm", "60kg")
    assert c.state.pending is None
    # the size question is closed: the next message is not read as a height
    has_all(c.say("周日发货吗"), "周日不发货")


def test_the_sku_answered_is_the_sku_asked(talk):
    reply = talk(product="p1006").say("白色37呢 什么时候到货")
    has_all(reply, "白色/37", "缺货", "12月3日")
    has_none(reply, "41", "有现货，您可以放心")


def test_a_restock_date_in_the_past_is_never_promised(talk, shop):
    c = talk(product="p1002")
    reply = c.say("灰色M码有吗")
    has_all(reply, "灰色/M", "补货时间还没有确定")
    has_none(reply, "11月28日")
    [task] = c.last.tasks
    assert task.kind == "restock_notice" and "灰色/M" in task.summary


def test_the_return_window_comes_from_the_order(talk):
    reply = talk().say("裙子小了想退 订单2611140815987654321 收件人赵敏")
    has_all(reply, "11月15日签收", "超过7天")
    has_none(reply, "签收后7天内退换货（")
    reply = talk().say("2611250820135792468这个还能退吗 收件人何雨")
    has_all(reply, "11月28日签收", "12月5日前")


def test_a_bare_number_is_a_size_of_the_trousers_not_an_order(talk):
    reply = talk(product="p1004").say("深蓝29还有吗")
    has_all(reply, "深蓝色/29", "有现货")
    has_none(reply, "订单")


def test_an_order_number_anywhere_is_used(talk):
    reply = talk().say("2611230955001122334 没付款 能改尺码吗 收件人孙浩")
    has_all(reply, "2611230955001122334", "还没有付款", "重新选择")
    has_none(reply, "哪款商品")


def test_a_colour_the_shop_does_not_sell_is_named_and_the_real_ones_offered(talk):
    reply = talk(product="p1002").say("卫衣荧光绿有吗")
    has_all(reply, "没有", "黑色", "灰色", "藏青色")


# -- specific questions, not the topic -------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected, absent",
    [
        ("周日发货吗", ("周日不发货", "周一（12月7日）"), ("16:00前付款",)),
        ("周六发不发货", ("周六正常发货",), ("不发货",)),
        ("可以发顺丰吗 我补差价", ("顺丰速运", "12元"), ("16:00",)),
        ("能发京东快递吗", ("不支持发这家快递", "中通快递"), ()),
        ("包邮吗", ("包邮", "新疆", "10元"), ()),
        ("发新疆包邮吗", ("新疆", "10元运费"), ("全国包邮",)),
        ("发杭州包邮不", ("浙江包邮",), ()),
        ("今天能发货吗", ("今天就能发出",), ()),
        ("是现货还是预售", ("现货", "48小时"), ()),
        ("发北京几天能到", ("北京", "2-3天", "12月3日至12月4日"), ()),
        ("寄到乌鲁木齐要多久", ("新疆", "5-8天", "12月6日至12月9日"), ()),
        ("不是有运费险吗 运费谁出", ("运费险", "质量问题", "您承担"), ()),
        ("退款多久到账", ("1-3个工作日",), ("7天内退换",)),
        ("吊牌剪了还能退吗", ("吊牌",), ()),
        ("质量问题退货运费谁出", ("质量问题", "我们承担"), ("需要您承担",)),
        ("能开专票吗", ("专票", "纳税人识别号"), ()),
        ("发票什么时候开", ("确认收货后3个工作日内",), ()),
        ("发票是纸质的还是电子的", ("电子普票", "纸质普票"), ()),
        ("发票抬头开错了怎么办", ("重开",), ()),
        ("有没有优惠券 直播间说有券", ("店铺满减券", "满199元减20元"), ("议价",)),
        ("能便宜点吗", ("不能议价", "满199元减20元"), ()),
    ],
)
def test_the_specific_question_gets_the_specific_answer(talk, text, expected, absent):
    reply = talk().say(text)
    has_all(reply, *expected)
    has_none(reply, "没有完全理解", *absent)


# -- several questions in one message -------------------------------------------------------------

@pytest.mark.parametrize(
    "product, text, expected",
    [
        ("p1001", "那白色M和L各要两件 有吗", ("白色/M要2件有货", "白色/L要2件有货")),
        ("p1001", "白色M有货吗 发北京几天到", ("白色/M", "有现货", "北京", "12月3日至12月4日")),
        ("p1002", "我170 60kg穿啥码 不合适能换吗", ("M码", "换货")),
        (None, "两件能便宜点吗 包邮不", ("不能议价", "包邮")),
        (None, "周六发货吗 顺丰要加钱吗", ("周六正常发货", "12元")),
        ("p1005", "卡其色L有吗 发广州几天 能开发票吗", ("仅剩1件", "广东", "2-3天", "专票")),
        ("p1004", "深蓝28和29有吗", ("深蓝色/28", "售罄", "深蓝色/29")),
        ("p1002", "黑色L呢 我170 120斤穿哪个", ("黑色/L", "170cm", "60kg", "M码")),
    ],
)
def test_every_question_in_the_message_is_answered_in_order(talk, product, text, expected):
    c = talk(product=product)
    reply = c.say(text)
    has_all(reply, *expected)
    positions = [reply.index(part) for part in expected]
    assert positions == sorted(positions), reply
    assert 1 <= len(c.last.messages) <= 3


# -- requests the platform forbids ----------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("加个微信吧 以后直接找你买", "平台内沟通"),
        ("好评返现吗", "平台规则不允许"),
        ("晒图有红包吗", "平台规则不允许"),
        ("可以货到付款吗", "收货后再付款"),
        ("我直接转账给你行不", "平台下单付款"),
        ("别家比你们便宜10块", "统一标价"),
        ("你们有实体店吗 我去店里买", "没有门店"),
        ("留个电话吧", "平台内沟通"),
    ],
)
def test_forbidden_requests_get_a_polite_on_platform_answer(talk, text, expected):
    reply = talk().say(text)
    has_all(reply, expected)
    has_none(reply, "没有完全理解", "微信", "返现", "转账")


# -- follow-ups and context -----------------------------------------------------------------------

def test_a_stock_conversation_with_follow_ups(talk):
    c = talk(product="p1002")
    has_all(c.say("这件还有货吗"), "黑色", "灰色", "藏青色", "M、L、XL")
    has_all(c.say("黑色XL"), "黑色/XL", "仅剩1件")
    has_all(c.say("那L呢"), "黑色/L", "有现货")
    has_all(c.say("藏青色的呢"), "藏青色/L", "有现货")


def test_a_size_question_interrupted_by_shipping_is_not_asked_again(talk):
    c = talk(product="p1002")
    has_all(c.say("我穿多大码合适"), "身高和体重")
    has_all(c.say("发新疆几天能到"), "新疆", "5-8天")
    has_none(c.last.messages[0], "身高")
    has_all(c.say("170 120斤"), "170cm", "60kg", "M码")


def test_an_invoice_request_collects_type_title_tax_number_and_records_it(talk):
    c = talk()
    has_all(c.say("我要开发票"), "电子普票", "纸质普票", "专票")
    has_all(c.say("专票"), "抬头")
    has_all(c.say("杭州简衣科技有限公司"), "税号")
    reply = c.say("91330100MA2B3C4D5E")
    has_all(reply, "已为您登记专票", "杭州简衣科技有限公司")
    assert [t.kind for t in c.last.tasks] == ["invoice_request"]
    assert c.last.records[0].values["tax_number"] == "91330100MA2B3C4D5E"


def test_an_unrelated_question_ends_the_invoice_request_and_it_never_resurfaces(talk):
    c = talk(product="p1002")
    has_all(c.say("能开发票吗 我要开一张"), "发票")
    reply = c.say("不合适能换吗 换大一码")
    has_all(reply, "换货")
    has_none(reply, "抬头")
    reply = c.say("好的")
    has_none(reply, "抬头", "税号")


def test_logistics_needs_the_order_to_be_the_buyers(talk):
    c = talk()
    has_all(c.say("我的快递到哪了"), "订单号")
    reply = c.say("2611290915246801357")
    has_all(reply, "收件人姓名或手机号后四位")
    has_none(reply, "78319988776655")
    reply = c.say("尾号3344")
    has_all(reply, "中通快递", "78319988776655", "北京转运中心", "12月2日")


def test_the_order_in_the_channel_metadata_is_trusted(talk):
    reply = talk(order="2611290915246801357").say("到哪了")
    has_all(reply, "78319988776655")


def test_a_parcel_without_movement_becomes_a_task(talk):
    c = talk(order="2611151122334455667")
    reply = c.say("怎么还没到")
    has_all(reply, "没有更新", "联系快递公司")
    assert [t.kind for t in c.last.tasks] == ["logistics_check"]


def test_an_address_change_is_registered_as_a_task(talk):
    c = talk(order="2611301015864213579")
    has_all(c.say("地址写错了能改吗"), "还没有发货", "新的收货地址")
    reply = c.say("广东省深圳市福田区福华三路 88 号 林峰")
    has_all(reply, "已为您登记", "福华三路")
    assert [t.kind for t in c.last.tasks] == ["address_change"]
    assert c.last.records[0].values["order_id"] == "2611301015864213579"


def test_a_wrong_receiver_is_not_enough(talk):
    c = talk()
    c.say("查下物流 2611290915246801357")
    has_all(c.say("张三"), "对不上")


# -- never silence, never spam --------------------------------------------------------------------

def test_two_misses_in_a_row_go_to_a_person_one_rephrase_first(talk):
    c = talk()
    reply = c.say("asdfghjkl", intent="nlu_fallback", confidence=0.3)
    assert c.last.messages == [reply] and "换个说法" in reply and c.last.handoff is None
    c.say("？？？？", intent="out_of_scope")
    assert c.last.handoff == "fallback" and c.last.messages == []


def test_a_shop_rule_product_goes_to_a_person(talk):
    c = talk()
    c.say("羊毛大衣有货吗")
    assert c.last.handoff == "shop_rule"


def test_small_talk_only_when_nothing_is_asked(talk):
    has_all(talk().say("你好"), "您好")
    reply = talk(product="p1001").say("你好 白色M有货吗")
    has_all(reply, "白色/M")
    has_none(reply, "很高兴为您服务")


def test_a_colour_and_a_product_the_shop_adds_are_understood_without_retraining(tmp_path):
    """Edit catalog.yml, run the loader: the new values are read at run time (no model involved)."""
    import shutil

    from kefu.shop.store import ShopStore, load_shop
    from tests.dialogue.conftest import PROJECT_ROOT, Conversation

    shop_dir = tmp_path / "shop"
    shutil.copytree(PROJECT_ROOT / "shop", shop_dir)
    catalog = shop_dir / "catalog.yml"
    text = catalog.read_text(encoding="utf-8")
    text = text.replace("      - {color: 黑色, size: M, stock: 25}",
                        "      - {color: 荧光绿, size: L, stock: 12}\n      - {color: 黑色, size: M, stock: 25}", 1)
    text += ("\n  - id: p1009\n    name: 摇粒绒马甲\n    aliases: [马甲, 背心]\n    category: 上衣\n    price: 99\n"
             "    skus:\n      - {color: 雾霾蓝, size: M, stock: 2}\n")
    catalog.write_text(text, encoding="utf-8")
    load_shop(shop_dir, tmp_path / "kefu.db")
    store = ShopStore(tmp_path / "kefu.db")
    reply = Conversation(store, product="p1002", shop_dir=shop_dir).say("荧光绿L有吗")
    has_all(reply, "荧光绿/L", "有现货")
    reply = Conversation(store, shop_dir=shop_dir).say("马甲雾霾蓝M还有吗")
    has_all(reply, "摇粒绒马甲", "雾霾蓝/M", "仅剩2件")


def test_a_courier_named_after_another_platform_is_left_out_not_the_whole_answer(shop):
    """With 京东快递 among the couriers, a Pinduoduo buyer still gets the courier answer, without that name."""
    from dataclasses import replace

    from tests.dialogue.conftest import Conversation

    pdd = Conversation(shop, platform="pinduoduo")
    pdd.config = replace(pdd.config, couriers=pdd.config.couriers + ("京东快递",))
    reply = pdd.say("发什么快递")
    has_all(reply, "中通快递", "圆通速递")
    has_none(reply, "京东")
    jd = Conversation(shop, platform="jd")
    jd.config = pdd.config
    has_all(jd.say("发什么快递"), "京东快递")
    reply = pdd.say("发北京几天到")
    has_all(reply, "北京", "2-3天")
