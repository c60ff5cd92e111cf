"""Ticket sync and reports on PostgreSQL: fed by Rasa's event broker, as on SQLite (issue 20 part 3).

Rasa's SQL tracker store (kefu's subclass) on a real PostgreSQL publishes through kefu's broker
into the feed in kefu's PostgreSQL database; the ticket sync and the report read it there.
Several replicas publish at once: a reader following the feed by cursor while they write must
see every event exactly once (ids become visible in commit order, kefu/feed.py).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any, List

import pytest

from kefu.feed import EventFeed
from kefu.handoff.sync import TicketSync
from kefu.tickets.store import TicketStore

pytestmark = pytest.mark.scale
WRITERS, EVENTS_EACH = 4, 150


def _tracker_store(pg_url: str, broker: Any) -> Any:
    from rasa.shared.core.domain import Domain
    from sqlalchemy.engine.url import make_url

    from kefu_rasa.tracker_store import ResilientSQLTrackerStore

    url = make_url(pg_url)
    return ResilientSQLTrackerStore(domain=Domain.empty(), dialect="postgresql", host=url.host, port=url.port,
                                    db=url.database, username=url.username, password=url.password,
                                    event_broker=broker)


def _say(store: Any, sender: str, intent: str, *texts: str) -> None:
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, [])
    for text in texts:
        tracker.update(UserUttered(text, intent={"name": intent, "confidence": 0.9}, metadata={"platform": "jd"}))
    asyncio.run(store.save(tracker))


def test_ticket_sync_and_reports_work_on_postgres(kefu_on_postgres: Path, pg_url: str) -> None:
    from kefu.handoff.report import build_report
    from kefu_rasa.event_broker import KefuEventBroker

    broker = KefuEventBroker(EventFeed(kefu_on_postgres))
    store = _tracker_store(pg_url, broker)
    tickets = TicketStore(kefu_on_postgres)
    ticket, _ = tickets.create(conversation_id="pg-buyer", platform="jd", reason="request_human", priority=3)
    TicketSync(tickets, EventFeed(kefu_on_postgres)).step()  # the web app starts, then goes down
    _say(store, "pg-buyer", "request_human", "在吗", "人呢")
    _say(store, "pg-other", "ask_stock", "有货吗")
    assert broker.flush(), broker.last_error

    synced = TicketSync(tickets, EventFeed(kefu_on_postgres)).step()  # back: catches up
    assert [line.text for line in tickets.get(ticket.id).transcript] == ["在吗", "人呢"]
    assert synced.buyer_messages == {ticket.id: 2}
    assert TicketSync(tickets, EventFeed(kefu_on_postgres)).step().events_read == 0  # nothing read twice

    report = build_report(kefu_on_postgres, time.time() - 600, time.time() + 1)
    assert (report.conversations, report.buyer_messages, report.handed_off) == (2, 3, 1)
    assert dict(report.intents)["问库存"] == 1
    assert not kefu_on_postgres.exists()  # all of it in PostgreSQL, no SQLite file
    asyncio.run(broker.close())


def _publish_in_process(args: tuple) -> int:
    url, db_path, writer = args
    os.environ["KEFU_DATABASE_URL"] = url
    os.environ["KEFU_DB_PATH"] = db_path
    from kefu_rasa.event_broker import KefuEventBroker

    broker = KefuEventBroker(EventFeed(Path(db_path)))
    for n in range(EVENTS_EACH):
        broker.publish({"sender_id": f"replica-{writer}", "event": "user", "text": f"{writer}:{n}", "timestamp": n})
    assert broker.flush(60), broker.last_error
    return writer


def test_a_reader_following_several_publishing_replicas_sees_every_event_once(kefu_on_postgres: Path,
                                                                             pg_url: str) -> None:
    feed = EventFeed(kefu_on_postgres)
    cursor, seen = feed.last_id(), []  # the table exists before the writers start
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WRITERS) as pool:
        done = pool.map_async(_publish_in_process, [(pg_url, str(kefu_on_postgres), w) for w in range(WRITERS)])
        while True:
            finished = done.ready()
            for event in feed.read(cursor, limit=50):  # small batches: many reads while they write
                seen.append(event.data)
                cursor = event.id
            if finished and not feed.read(cursor):
                break
        done.get()
    texts: List[str] = [json.loads(data)["text"] for data in seen]
    assert len(texts) == WRITERS * EVENTS_EACH and len(set(texts)) == len(texts)
    for writer in range(WRITERS):  # and each replica's events in the order it published them
        assert [t for t in texts if t.startswith(f"{writer}:")] == [f"{writer}:{n}" for n in range(EVENTS_EACH)]
