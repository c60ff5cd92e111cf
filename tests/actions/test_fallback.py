"""action_fallback: a Chinese rephrase request first, a person on the second miss in a row."""

from action_helpers import make_tracker, run, user_event

from actions.fallback import ActionFallback, consecutive_fallbacks


def test_counts_only_consecutive_misses():
    events = [user_event("asdf", "nlu_fallback"), user_event("你好", "greet"), user_event("qwer", "nlu_fallback")]
    assert consecutive_fallbacks(events) == 1
    assert consecutive_fallbacks(events + [{"event": "bot", "text": "x"}, user_event("zz", "nlu_fallback")]) == 2
    assert consecutive_fallbacks([]) == 0


def test_first_miss_asks_to_rephrase(dispatcher, domain):
    events = run(ActionFallback(), dispatcher, make_tracker("asdfgh", "nlu_fallback"), domain)
    assert events == []
    assert "换个说法" in dispatcher.messages[0]["text"]


def test_second_miss_in_a_form_ends_the_form_and_hands_off(dispatcher, domain):
    tracker = make_tracker(
        "zxcv", "nlu_fallback", events=[user_event("asdf", "nlu_fallback")], active_loop="size_form"
    )
    events = run(ActionFallback(), dispatcher, tracker, domain)
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events if e["event"] == "active_loop"
    ]
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "action_handoff"
    assert dispatcher.messages == []
