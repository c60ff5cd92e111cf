"""action_handoff with real rasa-sdk Trackers and CollectingDispatcher, and a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from kefu.tickets.store import TicketStore
from kefu.settings import Settings
from kefu.shop.config import load_shop_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2025, 5, 6, 12, 0, tzinfo=SHANGHAI)
NIGHT = dt.datetime(2025, 5, 6, 23, 30, tzinfo=SHANGHAI)


def user(text: str, intent: str, ts: float, **extra: Any) -> Dict[str, Any]:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [], **extra}
    return {"event": "user", "text": text, "timestamp": ts, "parse_data": parse, "metadata": {"platform": "pinduoduo"}}


def tracker(events: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None, sender: str = "buyer-1") -> Tracker:
    latest = events[-1]["parse_data"] | {"metadata": events[-1]["metadata"]}
    return Tracker(sender, slots or {}, latest, events, False, None, {"name": None}, "action_listen")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(Settings.from_env({}), state_dir=tmp_path, db_path=tmp_path / "kefu.db")


def run(action: ActionHandoff, t: Tracker) -> "tuple[list, list]":
    import asyncio

    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


def make_action(settings: Settings, now: dt.datetime = NOON) -> ActionHandoff:
    return ActionHandoff(settings=settings, clock=lambda: now, config=load_shop_config(settings.shop_config_path))


@pytest.mark.parametrize(
    "events, reason, priority",
    [
        ([user("衣服破了个洞", "complain", 1.0)], "complain", 2),
        ([user("转人工", "request_human", 1.0)], "request_human", 3),
        ([user("啊啊啊", "nlu_fallback", 1.0), {"event": "bot", "text": "亲，请您换个说法", "timestamp": 1.5},
          user("呜呜呜", "nlu_fallback", 2.0)], "fallback", 3),
        ([user("asdf", "out_of_scope", 1.0), {"event": "bot", "text": "亲，请您换个说法", "timestamp": 1.5},
          user("呜呜呜", "nlu_fallback", 2.0)], "fallback", 3),
        ([user("傻逼客服", "complain", 1.0, abuse={"kind": "insult", "terms": ["傻逼"]})], "insult", 1),
        ([user("不退款我就打12315", "complain", 1.0, abuse={"kind": "threat", "terms": ["12315"]})], "threat", 1),
    ],
    ids=["complain", "request_human", "two_fallbacks", "out_of_scope_then_fallback", "insult", "threat"],
)
def test_each_trigger_opens_a_ticket_and_replies(settings: Settings, events: list, reason: str, priority: int) -> None:
    out_events, messages = run(make_action(settings), tracker(events, {"dialogue_state": {"product_id": "p1001"}}))
    assert out_events == []  # never paused: while the ticket is open, actions/waiting.py answers
    [ticket] = TicketStore(settings.db_path).queue()
    assert (ticket.reason, ticket.priority, ticket.platform, ticket.product_id) == (reason, priority, "pinduoduo", "p1001")
    full = TicketStore(settings.db_path).get(ticket.id)
    assert [l.text for l in full.transcript if l.sender == "buyer"] == [e["text"] for e in events if e["event"] == "user"]
    [message] = messages
    assert "人工客服" in message["text"] and "客服马上为您服务" in message["text"]


def test_shop_rule_product_goes_to_a_person(settings: Settings) -> None:
    events = [user("这件定制的可以改尺寸吗", "request_human", 1.0)]
    run(make_action(settings), tracker(events, {"dialogue_state": {"product_id": "p1008"}}))
    [ticket] = TicketStore(settings.db_path).queue()
    assert ticket.reason == "shop_rule" and ticket.priority == 2 and "p1008" in ticket.detail


def test_wait_time_comes_from_the_queue(settings: Settings) -> None:
    action = make_action(settings)
    run(action, tracker([user("我要投诉", "complain", 1.0)], sender="a"))
    run(action, tracker([user("我要投诉", "complain", 1.0)], sender="b"))
    _, messages = run(action, tracker([user("我要投诉", "complain", 1.0)], sender="c"))
    assert "前面还有2位顾客" in messages[0]["text"] and "分钟" in messages[0]["text"]


def test_while_waiting_one_acknowledgement_then_quiet_and_every_message_on_the_ticket(settings: Settings) -> None:
    action = make_action(settings)
    history = [user("我要投诉", "complain", 1.0)]
    run(action, tracker(history))
    history.append(user("人呢", "request_human", 2.0))
    events, messages = run(action, tracker(history))
    [ticket] = TicketStore(settings.db_path).queue()
    assert len(messages) == 1 and "已经收到" in messages[0]["text"] and "客服马上为您服务" in messages[0]["text"]
    state = next(e["value"] for e in events if e.get("name") == "dialogue_state")
    assert state["acked_ticket"] == ticket.id
    history.append(user("快点啊", "complain", 3.0))
    events, messages = run(action, tracker(history, {"dialogue_state": state}))
    assert messages == [] and events == []
    texts = [l.text for l in TicketStore(settings.db_path).get(ticket.id).transcript if l.sender == "buyer"]
    assert texts == ["我要投诉", "人呢", "快点啊"]


def test_a_threat_while_waiting_raises_the_ticket_priority(settings: Settings) -> None:
    action = make_action(settings)
    history = [user("转人工", "request_human", 1.0)]
    run(action, tracker(history))
    [ticket] = TicketStore(settings.db_path).queue()
    assert ticket.priority == 3
    history.append(user("再不理我就打12315", "complain", 2.0, abuse={"kind": "threat", "terms": ["12315"]}))
    _, messages = run(action, tracker(history, {"dialogue_state": {"acked_ticket": ticket.id}}))
    assert TicketStore(settings.db_path).get(ticket.id).priority == 1
    assert len(messages) == 1 and "优先" in messages[0]["text"]


def test_outside_service_hours_the_buyer_learns_when_a_person_answers(settings: Settings) -> None:
    _, messages = run(make_action(settings, NIGHT), tracker([user("我要投诉", "complain", 1.0)]))
    assert "09:00-23:00" in messages[0]["text"] and "明天09:00" in messages[0]["text"]
    [ticket] = TicketStore(settings.db_path).queue()
    assert ticket.answer_after == dt.datetime(2025, 5, 7, 9, 0, tzinfo=SHANGHAI).timestamp()


def test_new_ticket_is_posted_to_the_webhook(settings: Settings) -> None:
    received: List[dict] = []
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()
            done.set()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hooked = replace(settings, handoff_webhook_url=f"http://127.0.0.1:{server.server_address[1]}/tickets")
    run(make_action(hooked), tracker([user("我要投诉", "complain", 1.0)]))
    assert done.wait(10)
    assert received[0]["type"] == "handoff.ticket_created" and received[0]["reason"] == "complain"
    assert received[0]["transcript"][0]["text"] == "我要投诉"
    server.shutdown()


def test_a_dead_webhook_never_blocks_the_handoff(settings: Settings) -> None:
    dead = replace(settings, handoff_webhook_url="http://127.0.0.1:9/nothing")
    events, messages = run(make_action(dead), tracker([user("我要投诉", "complain", 1.0)]))
    assert events == [] and messages and TicketStore(dead.db_path).queue()
