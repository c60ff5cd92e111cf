"""When action_answer ends a Rasa session (actions/session.py), with rasa-sdk's real Tracker and a real shop.

The live test (tests/live/test_long_conversation_live.py) runs the same through Rasa for 300 turns."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer
from kefu.tickets.store import TicketStore
from kefu.settings import Settings

NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
META = {"platform": "jd", "product_id": "p1002"}


def user(text: str, intent: str = "inform", ts: float = 1.0) -> Dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": ts, "metadata": META,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": []}}


def session_with(earlier: int, text: str, intent: str = "inform", state: Optional[dict] = None) -> Tracker:
    """A session as Rasa sends it: its start, ``earlier`` buyer messages answered, then ``text``."""
    events: List[Dict[str, Any]] = [{"event": "action", "name": "action_session_start"},
                                    {"event": "session_started"}, {"event": "action", "name": "action_listen"}]
    for n in range(earlier):
        events += [user("你好", "greet", float(n)), {"event": "action", "name": "action_answer"},
                   {"event": "bot", "text": "亲，您好"}, {"event": "action", "name": "action_listen"}]
    events.append(user(text, intent, float(earlier)))
    latest = events[-1]["parse_data"] | {"metadata": META}
    return Tracker("buyer-9", {"dialogue_state": state, "session_started_metadata": META}, latest, events, False,
                   None, {}, "action_listen")


def answer(action: ActionAnswer, tracker: Tracker) -> List[Dict[str, Any]]:
    return asyncio.run(action.run(CollectingDispatcher(), tracker, {}))


@pytest.fixture
def action(store, config) -> ActionAnswer:
    return ActionAnswer(store=store, config=config, clock=lambda: NOON)


def kinds(events: List[Dict[str, Any]]) -> List[str]:
    return [e["event"] for e in events]


def test_the_tenth_buyer_message_ends_the_session_with_each_slot_carried_once(action) -> None:
    assert "session_started" not in kinds(answer(action, session_with(8, "黑色L有吗", "ask_stock")))
    events = answer(action, session_with(9, "黑色L有吗", "ask_stock"))
    cut = kinds(events).index("session_started")
    state = events[0]["value"]
    assert events[0]["name"] == "dialogue_state" and state["product_id"] == "p1002"
    carried = events[cut + 1:-1]
    assert sorted((e["name"], e["value"] == (state if e["name"] == "dialogue_state" else META)) for e in carried) \
        == [("dialogue_state", True), ("session_started_metadata", True)]
    assert events[-1] == {"event": "followup", "name": "action_listen", "timestamp": None}


def test_no_boundary_after_a_miss_the_next_answer_ends_the_session(action) -> None:
    events = answer(action, session_with(9, "阿巴阿巴", "nlu_fallback"))
    assert "session_started" not in kinds(events)
    events = answer(action, session_with(10, "黑色L有吗", "ask_stock", state=events[0]["value"]))
    assert "session_started" in kinds(events)


def test_no_boundary_while_a_ticket_is_open(action) -> None:
    TicketStore(Settings.from_env().db_path).create(conversation_id="buyer-9", platform="jd", reason="complain",
                                                    priority=2)
    for earlier in (9, 10, 30):
        assert "session_started" not in kinds(answer(action, session_with(earlier, "人呢")))


def test_zero_turns_means_sessions_end_only_by_time(action, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_SESSION_MAX_TURNS", "0")
    assert "session_started" not in kinds(answer(action, session_with(50, "黑色L有吗", "ask_stock")))
    monkeypatch.setenv("KEFU_SESSION_MAX_TURNS", "-1")
    with pytest.raises(ValueError, match="KEFU_SESSION_MAX_TURNS"):
        Settings.from_env()
