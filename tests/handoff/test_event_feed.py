"""Ticket sync fed by Rasa's event broker (kefu_rasa/event_broker.py -> kefu/feed.py -> kefu/handoff/sync.py).

Real objects throughout: kefu's SQL tracker store (Rasa's, subclassed) saves conversations and
publishes through kefu's broker, exactly as endpoints.yml wires them in the running stack; the
sync reads kefu's database. Faults are real: another connection holds kefu.db's write lock.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

from kefu.feed import EventFeed
from kefu.handoff.sync import TicketSync
from kefu.tickets.store import TicketStore
from tests.faults import locked, read_only


@pytest.fixture
def rasa(tmp_path: Path) -> Iterator[Tuple[Any, Any]]:
    """(tracker store, broker): kefu's SQL tracker store on conversations.db publishing into kefu.db's feed."""
    from rasa.shared.core.domain import Domain

    from kefu_rasa.event_broker import KefuEventBroker
    from kefu_rasa.tracker_store import ResilientSQLTrackerStore

    broker = KefuEventBroker(EventFeed(tmp_path / "kefu.db"))
    store = ResilientSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db"),
                                     event_broker=broker)
    yield store, broker
    asyncio.run(broker.close())


def _say(store: Any, sender: str, *texts: str, bot: str = "") -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, [])
    for text in texts:
        tracker.update(UserUttered(text, intent={"name": "request_human", "confidence": 0.9}))
    if bot:
        tracker.update(ActionExecuted("action_waiting"))
        tracker.update(BotUttered(bot))
    asyncio.run(store.save(tracker))


def _feed(db: Path) -> List[Tuple[str, str, str]]:
    return [(e.sender_id, json.loads(e.data)["event"], json.loads(e.data).get("text") or "")
            for e in EventFeed(db).read(0)]


def test_every_stored_event_is_published_once_in_the_order_rasa_stored_it(rasa: Any, tmp_path: Path) -> None:
    store, broker = rasa
    _say(store, "buyer-1", "在吗")
    _say(store, "buyer-2", "你好")
    _say(store, "buyer-1", "人呢", bot="亲，已经转给人工客服")  # a second save of buyer-1: only the new events
    assert broker.flush()
    stored = {sender: [(e.type_name, getattr(e, "text", None) or "") for e in asyncio.run(store.retrieve(sender)).events]
              for sender in ("buyer-1", "buyer-2")}
    published = _feed(tmp_path / "kefu.db")
    assert [(kind, text) for sender, kind, text in published if sender == "buyer-1"] == stored["buyer-1"]
    assert [(kind, text) for sender, kind, text in published if sender == "buyer-2"] == stored["buyer-2"]
    assert [text for _, kind, text in published if kind == "user"] == ["在吗", "你好", "人呢"]


def test_what_arrives_while_the_web_app_is_down_reaches_the_ticket_once(rasa: Any, tmp_path: Path) -> None:
    store, broker = rasa
    tickets = TicketStore(tmp_path / "kefu.db")
    ticket, _ = tickets.create(conversation_id="buyer-d", platform="taobao", reason="request_human", priority=2)
    TicketSync(tickets, EventFeed(tmp_path / "kefu.db")).step()  # the web app runs, then goes down
    _say(store, "buyer-d", "在吗", "还有人吗", bot="亲，您的消息已经收到")
    _say(store, "someone-else", "你好")
    assert broker.flush()

    back = TicketSync(tickets, EventFeed(tmp_path / "kefu.db")).step()  # the web app is back
    lines = [(line.sender, line.text) for line in tickets.get(ticket.id).transcript]
    assert lines == [("buyer", "在吗"), ("buyer", "还有人吗"), ("bot", "亲，您的消息已经收到")]
    assert back.buyer_messages == {ticket.id: 2}  # the console rings for the two messages

    again = TicketSync(tickets, EventFeed(tmp_path / "kefu.db")).step()  # restarted once more
    assert again.events_read == 0 and again.buyer_messages == {}  # read once: no second ring
    assert [(line.sender, line.text) for line in tickets.get(ticket.id).transcript] == lines


def test_a_locked_kefu_db_does_not_stall_rasa_and_its_events_arrive_once_released(rasa: Any, tmp_path: Path) -> None:
    store, broker = rasa
    _say(store, "buyer-l", "第一句")  # kefu.db exists, in WAL mode
    assert broker.flush()
    with locked(tmp_path / "kefu.db"):  # another process holds the write lock (past SQLite's 10 s busy timeout)
        _say(store, "buyer-l", "锁住的时候说的")  # returns at once: the save does not wait for kefu.db
        assert broker.waiting > 0
        turn = [e.text for e in asyncio.run(store.retrieve("buyer-l")).events if e.type_name == "user"]
        assert turn == ["第一句", "锁住的时候说的"]  # Rasa stored the turn meanwhile
    assert broker.flush(timeout=30), broker.last_error
    assert [text for _, kind, text in _feed(tmp_path / "kefu.db") if kind == "user"] == ["第一句", "锁住的时候说的"]


def test_a_turn_rasa_could_not_store_is_published_once_when_it_is_stored(rasa: Any, tmp_path: Path) -> None:
    store, broker = rasa
    _say(store, "buyer-r", "你好")
    with read_only(tmp_path / "conversations.db"):  # the tracker store refuses the write: the turn is kept
        _say(store, "buyer-r", "只读的时候说的")
        assert store.unsaved == 1
        assert broker.flush() and [t for _, k, t in _feed(tmp_path / "kefu.db") if k == "user"] == ["你好"]
    _say(store, "buyer-r", "又能写了")  # stores the kept turn and this one
    assert store.unsaved == 0 and broker.flush()
    assert [t for _, k, t in _feed(tmp_path / "kefu.db") if k == "user"] == ["你好", "只读的时候说的", "又能写了"]
    stored = [e.type_name for e in asyncio.run(store.retrieve("buyer-r")).events]
    assert [k for _, k, _ in _feed(tmp_path / "kefu.db")] == stored  # the feed is exactly what was stored


def test_an_event_the_feed_can_never_store_does_not_block_the_ones_after_it(rasa: Any, tmp_path: Path) -> None:
    _, broker = rasa
    broker.publish({"sender_id": "buyer-p", "event": "user", "text": "坏的", "metadata": {"x": object()}})  # not JSON
    broker.publish({"sender_id": "buyer-p", "event": "user", "text": "好的", "timestamp": 1.0})
    assert broker.flush()
    assert _feed(tmp_path / "kefu.db") == [("buyer-p", "user", "好的")] and broker.dropped == 1


def test_the_feed_keeps_the_columns_reports_filter_on(tmp_path: Path) -> None:
    feed = EventFeed(tmp_path / "kefu.db")
    feed.append({"sender_id": "b", "event": "user", "timestamp": 10.0, "text": "有货吗",
                 "parse_data": {"intent": {"name": "ask_stock"}}})
    feed.append({"sender_id": "b", "event": "slot", "timestamp": 11.0, "name": "dialogue_state", "value": {}})
    feed.append({"sender_id": "b", "event": "bot", "timestamp": 99.0, "text": "有"})
    rows = [(r["type_name"], r["intent_name"], r["action_name"]) for r in feed.between(0, 50, ("user", "slot", "bot"))]
    assert rows == [("user", "ask_stock", None), ("slot", None, "dialogue_state")]  # 99.0 is outside the period
    conn = sqlite3.connect(tmp_path / "kefu.db")
    assert conn.execute("SELECT COUNT(*) FROM conversation_events").fetchone()[0] == 3
    conn.close()
