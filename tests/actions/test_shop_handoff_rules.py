"""shop.yml `handoff:` rules: questions about named products, and refunds above the threshold, go to a person.

Sample shop: p1008 (双面羊毛呢大衣) always goes to a person; refunds above 300 yuan do
(order 2611191640778899001 is 499 yuan, order 2611220845123456701 is 118 yuan).
"""

from action_helpers import make_tracker, run, texts

from actions.returns import ActionReturnPolicy
from actions.stock import ActionStock

HANDOFF = [{"event": "followup", "timestamp": None, "name": "action_handoff"}]


def test_a_named_product_goes_to_a_person_unanswered(store, config, dispatcher, domain):
    tracker = make_tracker("这件大衣黑色M有货吗", intent="ask_stock", slots={"product_id": "p1008"})
    events = run(ActionStock(store=store, config=config), dispatcher, tracker, domain)
    assert events == HANDOFF
    assert dispatcher.messages == []


def test_other_products_are_answered(store, config, dispatcher, domain):
    tracker = make_tracker("黑色L有货吗", intent="ask_stock", slots={"product_id": "p1002", "color": "黑色", "size": "L"})
    events = run(ActionStock(store=store, config=config), dispatcher, tracker, domain)
    assert {"event": "followup", "timestamp": None, "name": "action_handoff"} not in events
    assert "有现货" in texts(dispatcher)[0]


def test_a_refund_above_the_threshold_goes_to_a_person(store, config, dispatcher, domain):
    tracker = make_tracker("这个羽绒服我想退货退款", intent="ask_return_policy", slots={"order_id": "2611191640778899001"})
    assert run(ActionReturnPolicy(store=store, config=config), dispatcher, tracker, domain) == HANDOFF


def test_a_small_refund_is_answered_by_the_bot(store, config, dispatcher, domain):
    tracker = make_tracker("我想退货", intent="ask_return_policy", slots={"order_id": "2611220845123456701"})
    assert run(ActionReturnPolicy(store=store, config=config), dispatcher, tracker, domain) == []
    assert "退" in texts(dispatcher)[0]
