"""Size advice: measurements from one message, usual size instead, the chart's answer."""

import asyncio

from action_helpers import make_tracker, run, texts

from actions.size import ActionAskHeight, ActionSizeAdvice, ValidateSizeForm


def test_height_and_weight_read_from_one_message(store, dispatcher, domain):
    form = ValidateSizeForm(store=store)
    tracker = make_tracker("170 120斤", slots={"product_id": "p1001"}, active_loop="size_form")
    extracted = asyncio.run(form.extract_height(dispatcher, tracker, domain))
    assert extracted == {"height": 170, "weight": 60.0}


def test_nothing_extracted_from_an_unrelated_message(store, dispatcher, domain):
    form = ValidateSizeForm(store=store)
    tracker = make_tracker("什么时候发货", "ask_shipping_time", active_loop="size_form")
    assert asyncio.run(form.extract_height(dispatcher, tracker, domain)) == {}


def test_invalid_height_is_refused_with_a_hint(store, dispatcher, domain):
    form = ValidateSizeForm(store=store)
    assert form.validate_height("999", dispatcher, make_tracker(), domain) == {"height": None}
    assert "身高" in texts(dispatcher)[0]
    assert form.validate_weight("120斤", dispatcher, make_tracker(), domain) == {"weight": 60.0}


def test_usual_size_replaces_measurements_and_shoes_ask_the_usual_size(store, domain):
    form = ValidateSizeForm(store=store)
    required = lambda slots: asyncio.run(form.required_slots([], None, make_tracker(slots=slots), domain))
    assert required({"product_id": "p1001"}) == ["height", "weight"]
    assert required({"product_id": "p1001", "usual_size": "M"}) == ["usual_size"]
    shoes = next(p.id for p in store.products() if p.category == "鞋")
    assert required({"product_id": shoes}) == ["usual_size"]


def test_advice_from_the_size_chart(store, dispatcher, domain):
    tracker = make_tracker(slots={"product_id": "p1001", "height": 170.0, "weight": 60.0})
    run(ActionSizeAdvice(store=store), dispatcher, tracker, domain)
    assert "建议您选L码" in texts(dispatcher)[0]


def test_between_two_sizes_is_said(store, dispatcher, domain):
    tracker = make_tracker(slots={"product_id": "p1001", "height": 167.0, "weight": 58.0})
    run(ActionSizeAdvice(store=store), dispatcher, tracker, domain)
    assert "之间" in texts(dispatcher)[0]


def test_question_names_the_product(store, dispatcher, domain):
    run(ActionAskHeight(store=store), dispatcher, make_tracker(slots={"product_id": "p1001"}), domain)
    assert "身高" in texts(dispatcher)[0] and "纯棉圆领短袖T恤" in texts(dispatcher)[0]
