"""Stock: the form asks only what is missing; answers in stock / only N left / restock with alternatives."""

import asyncio

from action_helpers import make_tracker, run, texts

from actions.stock import ActionAskStockSlot, ActionStock, ValidateStockForm


def required(store, tracker, domain):
    form = ValidateStockForm(store=store)
    return asyncio.run(form.required_slots(["color", "size"], None, tracker, domain))


def test_form_asks_for_the_colour_when_only_the_size_is_known(store, domain):
    assert required(store, make_tracker(slots={"product_id": "p1001", "size": "L"}), domain) == ["color"]
    assert required(store, make_tracker(slots={"product_id": "p1001"}), domain) == ["color", "size"]
    assert required(store, make_tracker(slots={"product_id": "p1001", "size": "L", "color": "黑色"}), domain) == []


def test_form_needs_nothing_without_a_product(store, domain):
    assert required(store, make_tracker(slots={}), domain) == []


def test_in_stock(store, config, dispatcher, domain):
    tracker = make_tracker(slots={"product_id": "p1001", "color": "黑色", "size": "L"})
    run(ActionStock(store=store, config=config), dispatcher, tracker, domain)
    assert "有现货" in texts(dispatcher)[0]


def test_only_a_few_left(store, config, dispatcher, domain):
    tracker = make_tracker(slots={"product_id": "p1001", "color": "黑色", "size": "M"})
    run(ActionStock(store=store, config=config), dispatcher, tracker, domain)
    assert "仅剩2件" in texts(dispatcher)[0]


def test_restock_date_and_alternatives(store, config, dispatcher, domain):
    tracker = make_tracker(slots={"product_id": "p1001", "color": "白色", "size": "XL"})
    run(ActionStock(store=store, config=config), dispatcher, tracker, domain)
    answer = texts(dispatcher)[0]
    assert "12月5日" in answer and "有现货的还有" in answer


def test_without_a_product_asks_which_one(store, config, dispatcher, domain):
    run(ActionStock(store=store, config=config), dispatcher, make_tracker(slots={}), domain)
    assert "哪款商品" in texts(dispatcher)[0]


def test_colour_question_lists_the_product_colours(store, config, dispatcher, domain):
    tracker = make_tracker(slots={"product_id": "p1001", "size": "L"})
    run(ActionAskStockSlot(store=store, config=config), dispatcher, tracker, domain)
    assert "黑色" in texts(dispatcher)[0] and "白色" in texts(dispatcher)[0]


def test_unknown_colour_is_not_kept(store, config, dispatcher, domain):
    form = ValidateStockForm(store=store, config=config)
    out = form.validate_color("紫色", dispatcher, make_tracker(slots={"product_id": "p1001"}), domain)
    assert out == {"color": None}
    assert form.validate_color("黑的", dispatcher, make_tracker(slots={"product_id": "p1001"}), domain) == {
        "color": "黑色"
    }
