"""A moment of payment the buyer names, and an order's 运费险 only after the proof.

From the retired held-out set of 2026-12-03: 「今天下午四点拍还能今天发吗」 (cut-off 15:30) was told
「您现在下单今天就能发出」 — the answer for now, not for four o'clock; 「周五下午四点拍呢」 was asked
which product. 「2611302030472915836 这单买了运费险没」 was answered for an order nobody had proven
to be theirs. Dates are checked against tests/shops/textiles/shop.yml (cut-off 15:30, no weekend
dispatch) and tests/shops/cosmetics (cut-off 18:00); the clock is Tuesday 1 December 2026, 10:00.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.dialogue.moments import payment_moment
from tests.dialogue.conftest import TUESDAY_MORNING


@pytest.mark.parametrize("text, at", [
    ("今天下午四点拍还能今天发吗", (1, 16, 0)),
    ("今晚七点下单啥时候发", (1, 19, 0)),
    ("周五下午四点拍呢", (4, 16, 0)),
    ("明早9:30付款", (2, 9, 30)),
    ("十一点拍", (1, 11, 0)),
])
def test_a_named_moment_of_payment_is_read(text, at) -> None:
    day, hour, minute = at
    paid = payment_moment(text, TUESDAY_MORNING)
    assert paid is not None
    assert paid.at == dt.datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("text", ["今天拍能发吗", "几点前下单当天发", "发货要几天"])
def test_no_hour_named_is_no_moment(text) -> None:
    assert payment_moment(text, TUESDAY_MORNING) is None


@pytest.mark.parametrize("shop, text, ship_day, not_said", [
    ("textiles", "今天下午四点拍还能今天发吗", "明天（12月2日）", "今天就能发出"),
    ("textiles", "周五下午四点拍呢", "周一（12月7日）", "请问您咨询的是哪款商品"),
    ("textiles", "下午3点半前拍今天发吗", "今天（12月1日）发出", "明天"),
    ("cosmetics", "今晚七点下单啥时候发", "明天（12月2日）", "今天就能发出"),
])
def test_dispatch_is_counted_from_the_moment_named(talk_in, shop, text, ship_day, not_said) -> None:
    said = talk_in(shop).say(text)
    assert ship_day in said and not_said not in said, said


@pytest.mark.parametrize("text", ["2611302030472915836 这单买了运费险没", "订单2611302030472915836有运费险吗",
                                  "2611302030472915836 退的话运费谁出"])
def test_an_orders_freight_insurance_waits_for_the_proof(talk_in, text) -> None:
    talk = talk_in("cosmetics")
    said = talk.say(text)
    assert "2611302030472915836有运费险" not in said and "您的订单有运费险" not in said
    if "运费险" in text:
        assert "收件人" in said or "尾号" in said
        assert "2611302030472915836有运费险" in talk.say("尾号7760")
