"""action_fallback: a Chinese rephrase request first, a person on the second miss in a row.

A miss is ``nlu_fallback`` (not understood) or ``out_of_scope`` (keyboard mashing,
unrelated questions); the two count together, in either order.
"""

import pytest
from action_helpers import make_tracker, run, user_event

from actions.fallback import ActionFallback, consecutive_fallbacks


def test_counts_only_consecutive_misses():
    events = [user_event("asdf", "nlu_fallback"), user_event("你好", "greet"), user_event("qwer", "nlu_fallback")]
    assert consecutive_fallbacks(events) == 1
    assert consecutive_fallbacks(events + [{"event": "bot", "text": "x"}, user_event("zz", "nlu_fallback")]) == 2
    assert consecutive_fallbacks([]) == 0


def test_out_of_scope_and_nlu_fallback_count_together():
    mixed = [user_event("今天天气怎么样", "out_of_scope"), {"event": "bot", "text": "x"}, user_event("zz", "nlu_fallback")]
    assert consecutive_fallbacks(mixed) == 2
    assert consecutive_fallbacks([user_event("zz", "nlu_fallback"), user_event("🐶🐶", "out_of_scope")]) == 2
    # An understood message in between resets the count.
    assert consecutive_fallbacks([user_event("讲个笑话", "out_of_scope"), user_event("XL", "inform"),
                                  user_event("🐶🐶", "out_of_scope")]) == 1


@pytest.mark.parametrize("intent", ["nlu_fallback", "out_of_scope"])
def test_first_miss_asks_to_rephrase(dispatcher, domain, intent):
    events = run(ActionFallback(), dispatcher, make_tracker("asdfgh", intent), domain)
    assert events == []
    assert "换个说法" in dispatcher.messages[0]["text"]


def test_out_of_scope_after_an_understood_message_only_asks_to_rephrase(dispatcher, domain):
    tracker = make_tracker("股票明天涨吗", "out_of_scope", events=[user_event("在吗", "greet")])
    assert run(ActionFallback(), dispatcher, tracker, domain) == []
    assert len(dispatcher.messages) == 1 and "换个说法" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize("first, second", [("nlu_fallback", "out_of_scope"), ("out_of_scope", "nlu_fallback"),
                                           ("out_of_scope", "out_of_scope")])
def test_second_miss_of_either_kind_hands_off(dispatcher, domain, first, second):
    tracker = make_tracker("zxcv", second, events=[user_event("asdf", first), {"event": "bot", "text": "x"}])
    events = run(ActionFallback(), dispatcher, tracker, domain)
    assert [(e["event"], e.get("name")) for e in events] == [("followup", "action_handoff")]
    assert dispatcher.messages == []


@pytest.mark.parametrize("first, second", [("nlu_fallback", "nlu_fallback"), ("out_of_scope", "nlu_fallback"),
                                           ("nlu_fallback", "out_of_scope")])
def test_second_miss_in_a_form_ends_the_form_and_hands_off(dispatcher, domain, first, second):
    tracker = make_tracker("zxcv", second, events=[user_event("asdf", first)], active_loop="size_form")
    events = run(ActionFallback(), dispatcher, tracker, domain)
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events if e["event"] == "active_loop"
    ]
    assert {"event": "slot", "name": "requested_slot", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events if e["event"] == "slot"
    ]
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "action_handoff"
    assert dispatcher.messages == []
