"""Places per clause, the courier of an order, and complaints told from care questions.

From the retired held-out set of 2026-12-03: 「发长沙几天 新疆包邮吗」 answered 湖南's free shipping for
新疆; 「发啥快递 我在佛山 大概几天」 left 「大概几天」 unanswered and read 「我在佛山」 as a question;
「2611220010864209753 次仁 啥快递 单号多少」 got the shop's default courier beside the parcel's real one;
「用了你家精华脸又红又痒 烂脸了 必须给我说法」 was asked which size; 「乳胶枕脏了咋洗」 was handed off as
a complaint. Facts from shop/ and tests/shops/cosmetics, tests/shops/textiles.
"""

from __future__ import annotations

import pytest

from kefu.dialogue import complaint


@pytest.mark.parametrize("text, first, second", [
    ("发长沙几天 新疆包邮吗", "湖南", "新疆需要补15元"),
    ("北京几天到 西藏包邮不", "北京", "西藏"),
    ("杭州几天能到 新疆运费多少", "浙江", "新疆需要补15元"),
])
def test_each_clause_gets_its_own_place(talk_in, text, first, second) -> None:
    said = talk_in("cosmetics").say(text)
    assert first in said and second in said, said
    assert "发往湖南包邮" not in said


@pytest.mark.parametrize("text", ["发啥快递 我在佛山 大概几天", "我在广州 一般几天", "我人在深圳 要多久到"])
def test_a_bare_how_long_beside_a_place_is_transit(talk_in, text) -> None:
    said = talk_in("cosmetics").say(text)
    assert "发往广东" in said and "查不到" not in said, said


@pytest.mark.parametrize("text", ["2611220010864209753 次仁 啥快递 单号多少", "订单2611220010864209753 次仁 发的什么快递",
                                  "2611220010864209753 次仁 哪家快递送的"])
def test_the_courier_of_an_order_is_that_parcels_courier(talk_in, text) -> None:
    said = talk_in("sample").say(text)
    assert "SF1402233445566" in said and "我们默认发" not in said, said


def test_asking_to_switch_courier_still_gets_the_policy(talk_in) -> None:
    said = talk_in("sample").say("能发顺丰吗")
    assert "顺丰" in said and "差价" in said


@pytest.mark.parametrize("text", ["用了你家精华脸又红又痒 烂脸了 必须给我说法", "擦完脸上起红疹 你们必须赔",
                                  "用了一次就爆痘 给我个说法"])
def test_a_reaction_to_a_product_is_a_complaint(text) -> None:
    assert complaint.is_complaint(text)


@pytest.mark.parametrize("text", ["乳胶枕脏了咋洗", "枕套脏了咋处理", "被子脏了如何清洗"])
def test_how_to_wash_something_dirty_is_a_care_question(text) -> None:
    assert not complaint.is_complaint(text)
