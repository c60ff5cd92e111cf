"""Shipping time, logistics, returns, address change, bargaining, bare answers."""

import datetime as dt

from action_helpers import MONDAY_MORNING, entity, make_tracker, run, texts

from actions.address import ActionChangeAddress, ValidateAddressForm
from actions.bargain import ActionBargain
from actions.inform import ActionAnswerInform
from actions.logistics import ActionLogistics, ValidateLogisticsForm
from actions.returns import ActionReturnPolicy
from actions.shipping import ActionShippingTime

import asyncio

AWAITING = "2611220845123456701"
SHIPPED = "2611200930456789012"
STUCK = "2611151122334455667"


def clock(moment):
    return lambda: moment


def test_shipping_before_and_after_the_cutoff(store, config, dispatcher, domain):
    before = ActionShippingTime(store=store, config=config, clock=clock(MONDAY_MORNING))
    after = ActionShippingTime(store=store, config=config, clock=clock(MONDAY_MORNING.replace(hour=17)))
    run(before, dispatcher, make_tracker(slots={"province": "新疆"}), domain)
    run(after, dispatcher, make_tracker(slots={"province": "新疆"}), domain)
    today, tomorrow = texts(dispatcher)
    assert "今天就能发出" in today and "新疆" in today
    assert "明天" in tomorrow


def test_stuck_parcel_gets_an_apology(store, config, dispatcher, domain):
    action = ActionLogistics(store=store, config=config, clock=clock(MONDAY_MORNING))
    run(action, dispatcher, make_tracker(slots={"order_id": STUCK}), domain)
    assert "非常抱歉" in texts(dispatcher)[0] and "没有更新" in texts(dispatcher)[0]


def test_moving_parcel_shows_the_latest_event(store, config, dispatcher, domain):
    action = ActionLogistics(store=store, config=config, clock=clock(MONDAY_MORNING))
    run(action, dispatcher, make_tracker(slots={"order_id": SHIPPED}), domain)
    assert "天河体育西营业点" in texts(dispatcher)[0]


def test_unknown_order_number_is_asked_again(store, dispatcher, domain):
    form = ValidateLogisticsForm(store=store)
    assert form.validate_order_id("123456789012345", dispatcher, make_tracker(), domain) == {"order_id": None}
    assert "没有查到" in texts(dispatcher)[0]
    assert form.validate_order_id("12", dispatcher, make_tracker(), domain) == {"order_id": None}
    assert form.validate_order_id(f" {SHIPPED} ", dispatcher, make_tracker(), domain) == {"order_id": SHIPPED}


def test_return_policy_depends_on_the_reason(store, config, dispatcher, domain):
    action = ActionReturnPolicy(store=store, config=config, clock=clock(MONDAY_MORNING))
    run(action, dispatcher, make_tracker(slots={"return_reason": "quality"}), domain)
    run(action, dispatcher, make_tracker(slots={"return_reason": "no_reason"}), domain)
    quality, no_reason = texts(dispatcher)
    assert "由我们承担" in quality and "需要您承担" not in quality
    assert "需要您承担" in no_reason
    assert "申请售后" in quality


def test_address_change_before_shipping_is_recorded(store, dispatcher, domain):
    form = ValidateAddressForm(store=store)
    required = asyncio.run(form.required_slots([], None, make_tracker(slots={"order_id": AWAITING}), domain))
    assert required == ["order_id", "new_address"]
    tracker = make_tracker(slots={"order_id": AWAITING, "new_address": "广东省深圳市南山区科技园路1号 李四"})
    events = run(ActionChangeAddress(store=store), dispatcher, tracker, domain)
    assert "已为您登记" in texts(dispatcher)[0]
    assert [row["order_id"] for row in store.address_changes()] == [AWAITING]
    assert {"event": "slot", "name": "new_address", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


def test_address_change_after_shipping_explains_options(store, dispatcher, domain):
    form = ValidateAddressForm(store=store)
    assert asyncio.run(form.required_slots([], None, make_tracker(slots={"order_id": SHIPPED}), domain)) == [
        "order_id"
    ]
    run(ActionChangeAddress(store=store), dispatcher, make_tracker(slots={"order_id": SHIPPED}), domain)
    assert "已经由" in texts(dispatcher)[0] and "改派" in texts(dispatcher)[0]
    assert store.address_changes() == []
    assert form.validate_new_address("改", dispatcher, make_tracker(), domain) == {"new_address": None}


def test_bargain_offers_the_current_coupon_then_refuses_after_it_expired(store, config, dispatcher, domain):
    run(ActionBargain(store=store, config=config, clock=clock(MONDAY_MORNING)), dispatcher, make_tracker(), domain)
    later = MONDAY_MORNING + dt.timedelta(days=60)
    run(ActionBargain(store=store, config=config, clock=clock(later)), dispatcher, make_tracker(), domain)
    coupon, refusal = texts(dispatcher)
    assert "店铺满减券" in coupon and "满199元减20元" in coupon
    assert "券" not in refusal and "不能议价" in refusal


def test_bare_order_number_looks_up_the_parcel(store, config, dispatcher, domain):
    tracker = make_tracker(SHIPPED, entities=[entity("order_id", SHIPPED)], slots={"order_id": SHIPPED})
    run(ActionAnswerInform(store=store, config=config, clock=clock(MONDAY_MORNING)), dispatcher, tracker, domain)
    assert SHIPPED in texts(dispatcher)[0]


def test_bare_fragment_without_a_topic_asks_what_the_buyer_wants(store, config, dispatcher, domain):
    run(ActionAnswerInform(store=store, config=config), dispatcher, make_tracker("嗯"), domain)
    assert "想咨询" in texts(dispatcher)[0]
