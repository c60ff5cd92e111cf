"""Rasa's conversation events as its event broker publishes them: one durable feed in kefu's database.

Rasa tells other services what happened in a conversation through an *event broker*
(``endpoints.yml`` ``event_broker:``): its tracker store publishes every new event once,
as it stores it. kefu's broker (``kefu_rasa.event_broker.KefuEventBroker``) appends them
here, to the ``conversation_events`` table of kefu's own database (``kefu.db`` or, with
``KEFU_DATABASE_URL``, PostgreSQL), so ticket sync (kefu.handoff.sync) and reports
(kefu.handoff.report) read a feed Rasa publishes instead of Rasa's private tracker tables,
on SQLite and PostgreSQL alike.

- **Durable**: a row is committed before ``publish`` returns; a web app that is down
  reads it when it is back.
- **In order**: ids grow in commit order. On SQLite there is one writer at a time; on
  PostgreSQL each append is a transaction holding kefu's write lock (``BEGIN IMMEDIATE``,
  kefu.db), so replica A's id 7 can never become visible after replica B's id 8 — a
  reader that has seen 8 will never find a 7 behind its cursor.
- **Read once**: a consumer keeps its cursor in ``feed_cursors``, in the same database,
  written in the same transaction as what it did with the events (:meth:`EventFeed.advance`).

The columns are the ones reports filter on (type, time, intent, action or slot name),
taken from the event as Rasa's SQL tracker store takes them.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence

from kefu.db import SQLiteStore, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sender_id   TEXT NOT NULL,
    type_name   TEXT NOT NULL,
    timestamp   REAL,
    intent_name TEXT,
    action_name TEXT,
    data        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversation_events_time ON conversation_events (timestamp);
CREATE TABLE IF NOT EXISTS feed_cursors (
    consumer    TEXT PRIMARY KEY,
    last_id     INTEGER NOT NULL
);
"""
BATCH = 1000


class FeedEvent(NamedTuple):
    id: int
    sender_id: str
    data: str  # the event's JSON, as Rasa published it (``sender_id`` plus ``Event.as_dict()``)


def columns(event: Mapping[str, Any]) -> Dict[str, Any]:
    """The indexed columns of one published event, as Rasa's SQL tracker store derives them."""
    parse = event.get("parse_data")
    intent = (parse.get("intent") or {}).get("name") if isinstance(parse, dict) else None
    timestamp = event.get("timestamp")
    name = event.get("name")
    return {"sender_id": str(event.get("sender_id") or ""), "type_name": str(event.get("event") or ""),
            "timestamp": float(timestamp) if isinstance(timestamp, (int, float)) else None,
            "intent_name": intent if isinstance(intent, str) else None,
            "action_name": name if isinstance(name, str) else None}


class EventFeed(SQLiteStore):
    """The ``conversation_events`` feed: appended by Rasa's broker, read by cursor or by period."""

    SCHEMA = SCHEMA

    @property
    def conn(self) -> Any:
        conn = super().conn
        if getattr(self._local, "tuned", None) is not conn:
            # WAL with synchronous=NORMAL: a commit survives a crash of the process (Rasa's, the
            # web app's) without an fsync per event (3.8 ms -> 0.05 ms an append on this disk);
            # an OS crash or power cut may lose the last events, as for the tracker store.
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.tuned = conn
        return conn

    def append(self, event: Mapping[str, Any]) -> int:
        """Store one published event (durable and ordered on return); its feed id."""
        row = columns(event)
        data = json.dumps(dict(event))  # ASCII, as Rasa stores events: a lone surrogate stays representable
        with transaction(self.conn) as conn:
            cursor = conn.execute(
                "INSERT INTO conversation_events (sender_id, type_name, timestamp, intent_name, action_name, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (row["sender_id"], row["type_name"], row["timestamp"], row["intent_name"], row["action_name"], data))
            return int(cursor.lastrowid)

    def read(self, cursor: int, limit: int = BATCH) -> List[FeedEvent]:
        """Events after ``cursor``, oldest first."""
        rows = self.conn.execute("SELECT id, sender_id, data FROM conversation_events WHERE id > ? ORDER BY id LIMIT ?",
                                 (cursor, limit)).fetchall()
        return [FeedEvent(int(r["id"]), r["sender_id"], r["data"]) for r in rows]

    def between(self, since: float, until: float, types: Sequence[str]) -> List[Any]:
        """Rows (sender_id, type_name, intent_name, action_name, data, timestamp) of these event types in the
        period, in feed order: what reports count."""
        marks = ", ".join("?" for _ in types)
        return self.conn.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data, timestamp FROM conversation_events"
            f" WHERE timestamp >= ? AND timestamp < ? AND type_name IN ({marks}) ORDER BY id",
            (since, until, *types)).fetchall()

    def cursor(self, consumer: str) -> Optional[int]:
        """Where ``consumer`` stopped (None: it never read the feed)."""
        row = self.conn.execute("SELECT last_id FROM feed_cursors WHERE consumer = ?", (consumer,)).fetchone()
        return None if row is None else int(row[0])

    def first_after(self, since: float) -> int:
        """A cursor from which every event at or after ``since`` is read (a consumer's first start)."""
        row = self.conn.execute("SELECT MIN(id) FROM conversation_events WHERE timestamp >= ?", (since,)).fetchone()
        if row is not None and row[0] is not None:
            return int(row[0]) - 1
        return self.last_id()

    def last_id(self) -> int:
        row = self.conn.execute("SELECT MAX(id) FROM conversation_events").fetchone()
        return int(row[0] or 0) if row is not None else 0

    @staticmethod
    def advance(conn: Any, consumer: str, last_id: int) -> None:
        """Move ``consumer``'s cursor, inside the caller's transaction on ``conn`` (the same database), so
        what it did with the events and the cursor past them commit together."""
        conn.execute("INSERT INTO feed_cursors (consumer, last_id) VALUES (?, ?)"
                     " ON CONFLICT (consumer) DO UPDATE SET last_id = excluded.last_id", (consumer, last_id))
