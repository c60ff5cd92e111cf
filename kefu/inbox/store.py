"""The inbox table: one row per buyer message a channel accepted, written before it is acknowledged.

A row's ``state`` says how far the message got:

=============  =====================================================================
``received``   stored; not handled yet (being processed, or its process died)
``waiting``    the buyer has the holding answer and a ticket, Rasa has not seen it yet
               (the web chat during a Rasa outage): delivered when Rasa is back
``failed``     processing raised; handled again on the next attempt
``answered``   the bot's replies went out (``replies`` keeps them, for a retry)
``held``       the bot could not answer: the holding answer and a ticket
``quiet``      a person has the conversation; the message is on the ticket
=============  =====================================================================

De-duplication is by ``(channel, message_id)`` and counts a message as seen only once it
is *handled* (answered, held, quiet): a retry of a message that was stored but never
handled (its process was killed, its turn failed) is processed, not refused. While a
message is being processed in this process, a retry is told so (``in_flight``) instead
of starting a second turn.

When a write fails (a full disk, a read-only or locked file) the row is kept in memory
and written later by a :class:`~kefu.inbox.memory.Retrier`, in order; :attr:`Inbox.degraded`
says so for the health checks.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from kefu.db import SQLiteStore
from kefu.inbox.disk import disk_problem
from kefu.inbox.memory import Retrier

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    platform        TEXT NOT NULL,
    text            TEXT NOT NULL,
    metadata        TEXT NOT NULL DEFAULT '{}',
    state           TEXT NOT NULL DEFAULT 'received',
    attempts        INTEGER NOT NULL DEFAULT 1,
    replies         TEXT,
    detail          TEXT,
    owner           TEXT NOT NULL,
    received_at     REAL NOT NULL,
    handled_at      REAL,
    UNIQUE (channel, message_id)
);
CREATE INDEX IF NOT EXISTS inbox_unhandled ON inbox_messages (channel, state, received_at);
"""

HANDLED = ("answered", "held", "quiet")
UNHANDLED = ("received", "waiting", "failed")
STATES = HANDLED + UNHANDLED
Key = Tuple[str, str]


def new_message_id() -> str:
    """For a client that sent none: unique, so it is never taken for a retry."""
    return "k-" + uuid.uuid4().hex


def this_owner() -> str:
    """Which process holds a ``received`` row: ``host:pid`` (recovery leaves live owners alone)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` ran on this host and that process is gone (or is this process's predecessor)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's replica: its own recovery handles it
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class Receipt:
    """What :meth:`Inbox.receive` decided: ``new`` or ``retry`` (process it), ``handled`` (a duplicate:
    ``replies`` are what was sent), ``in_flight`` (being processed here right now)."""

    status: str
    channel: str
    message_id: str
    state: str = "received"
    replies: List[Dict[str, Any]] = field(default_factory=list)
    stored: bool = True  # False: kept in memory, the disk refused it

    @property
    def process(self) -> bool:
        return self.status in ("new", "retry")


class Inbox(SQLiteStore):
    """Buyer messages, durable before they are acknowledged; one instance per process and database."""

    SCHEMA = SCHEMA

    def __init__(self, db_path: Any, *, state_dir: Any = None, retrier: Optional[Retrier] = None) -> None:
        super().__init__(db_path)
        self.state_dir = state_dir
        self.retrier = retrier or Retrier("inbox")
        self._lock = threading.Lock()
        self._in_flight: Dict[Key, float] = {}
        self._memory: Dict[Key, Dict[str, Any]] = {}  # latest state of rows with writes still waiting
        self._pending: Dict[Key, int] = {}  # writes of each key not landed yet

    # -- health ---------------------------------------------------------------------------------
    @property
    def degraded(self) -> Optional[str]:
        """Why the inbox cannot promise durability right now (None when it can)."""
        problems = []
        if self.state_dir is not None:
            problem = disk_problem(self.state_dir)
            if problem:
                problems.append(problem)
        if self.retrier.waiting:
            problems.append(f"inbox: {self.retrier.waiting} write(s) kept in memory until the database takes them "
                            f"({self.retrier.last_error})")
        return "; ".join(problems) or None

    # -- receiving ------------------------------------------------------------------------------
    def receive(self, channel: str, message_id: Optional[str], *, conversation_id: str, platform: str,
                text: str, metadata: Optional[Mapping[str, Any]] = None, now: Optional[float] = None) -> Receipt:
        message_id = message_id or new_message_id()
        key = (channel, message_id)
        with self._lock:
            if key in self._in_flight:
                return Receipt("in_flight", channel, message_id)
            self._in_flight[key] = time.monotonic()
        try:
            return self._receive(key, conversation_id, platform, text, metadata or {}, now)
        except BaseException:
            self.release(channel, message_id)
            raise

    def _receive(self, key: Key, conversation_id: str, platform: str, text: str, metadata: Mapping[str, Any],
                 now: Optional[float]) -> Receipt:
        channel, message_id = key
        kept = self._memory.get(key)
        if kept is not None and "state" in kept:
            return self._known(key, kept)
        try:
            existing = self._row(key)
        except Exception:  # unreadable: at least once (a duplicate is possible, a loss is not)
            existing = None
        if existing is not None:
            return self._known(key, existing)
        row = {"channel": channel, "message_id": message_id, "conversation_id": conversation_id,
               "platform": platform, "text": text, "metadata": json.dumps(dict(metadata), ensure_ascii=False,
                                                                          default=str),
               "owner": this_owner(), "received_at": time.time() if now is None else now}
        stored = self._write(key, f"store {channel} message", lambda: self._insert(row), row)
        return Receipt("new", channel, message_id, stored=stored)

    def _known(self, key: Key, row: Mapping[str, Any]) -> Receipt:
        channel, message_id = key
        if row["state"] in HANDLED:
            self.release(channel, message_id)
            return Receipt("handled", channel, message_id, row["state"], stored_replies(row.get("replies")))
        self._write(key, f"retry {channel} message", lambda: self._retried(key), None)
        return Receipt("retry", channel, message_id, row["state"])

    def finish(self, channel: str, message_id: str, state: str, replies: Sequence[Mapping[str, Any]] = (),
               detail: str = "") -> None:
        """Record the outcome; a handled state makes later copies of the message duplicates."""
        if state not in STATES:
            raise ValueError(f"unknown inbox state {state!r}")
        key = (channel, message_id)
        values = {"state": state, "replies": json.dumps(list(replies), ensure_ascii=False, default=str),
                  "detail": detail[:500], "handled_at": time.time() if state in HANDLED else None}
        try:
            self._write(key, f"mark {channel} message {state}", lambda: self._update(key, values), None,
                        update={**values, "replies": values["replies"]})
        finally:
            if state != "received":
                self.release(channel, message_id)

    def release(self, channel: str, message_id: str) -> None:
        with self._lock:
            self._in_flight.pop((channel, message_id), None)

    # -- reading --------------------------------------------------------------------------------
    def message(self, channel: str, message_id: str) -> Optional[Dict[str, Any]]:
        kept = self._memory.get((channel, message_id))
        try:
            row = self._row((channel, message_id))
        except Exception:
            row = None
        if row is None and kept is None:
            return None
        return {**(dict(row) if row is not None else {}), **(kept or {})}

    def unhandled(self, channel: str, *, states: Sequence[str] = UNHANDLED, limit: int = 200) -> List[Dict[str, Any]]:
        """Unhandled messages of ``channel``, oldest first, not being processed in this process
        (with the memory copies; only those when the database cannot be read)."""
        marks = ",".join("?" * len(states))
        try:
            rows = [dict(r) for r in self.conn.execute(
                f"SELECT * FROM inbox_messages WHERE channel = ? AND state IN ({marks}) ORDER BY id LIMIT ?",
                (channel, *states, limit))]
        except Exception:  # unreadable now: what memory holds still goes out
            rows = []
        rows = [{**r, **self._memory.get((r["channel"], r["message_id"]), {})} for r in rows]
        rows = [r for r in rows if r.get("state") in states]
        seen = {(r["channel"], r["message_id"]) for r in rows}
        rows += [dict(r) for k, r in list(self._memory.items())
                 if k[0] == channel and k not in seen and "text" in r and r.get("state", "received") in states]
        with self._lock:
            return [r for r in rows if (r["channel"], r["message_id"]) not in self._in_flight]

    def claim(self, channel: str, message_id: str) -> bool:
        """Take an unhandled message for processing in this process (False: someone here already is)."""
        with self._lock:
            if (channel, message_id) in self._in_flight:
                return False
            self._in_flight[(channel, message_id)] = time.monotonic()
        self._write((channel, message_id), "claim", lambda: self._retried((channel, message_id)), None)
        return True

    def counts(self, channel: Optional[str] = None) -> Dict[str, int]:
        """Messages per state (the fault suite's sent-vs-processed figures)."""
        sql = "SELECT state, COUNT(*) AS n FROM inbox_messages"
        args: Tuple[Any, ...] = ()
        if channel:
            sql, args = sql + " WHERE channel = ?", (channel,)
        return {row["state"]: row["n"] for row in self.conn.execute(sql + " GROUP BY state", args)}

    # -- writing --------------------------------------------------------------------------------
    def _write(self, key: Key, label: str, write: Any, row: Optional[Dict[str, Any]], *,
               update: Optional[Dict[str, Any]] = None) -> bool:
        """Write now, or keep the row's latest state in memory while the retrier writes it later, in
        order (True: stored now). Reads see the memory copy until every write of the key has landed."""
        with self._lock:
            if row is not None:
                self._memory[key] = {**row, "state": "received", "attempts": 1, "replies": None}
            elif update is not None:
                self._memory[key] = {**self._memory.get(key, {"channel": key[0], "message_id": key[1]}), **update}
            self._pending[key] = self._pending.get(key, 0) + 1

        def landed() -> None:
            try:
                write()
            except Exception:
                if threading.current_thread().name == self.retrier.thread_name:
                    # opened while the file could not be written, SQLite keeps it read-only: reopen next time
                    # (only here: closing a connection opened before the fault may checkpoint into it)
                    self.close_connection()
                raise
            with self._lock:
                left = self._pending.get(key, 1) - 1
                if left <= 0:
                    self._pending.pop(key, None)
                    self._memory.pop(key, None)
                else:
                    self._pending[key] = left

        return self.retrier.run(label, landed)

    def _row(self, key: Key) -> Optional[Dict[str, Any]]:
        row = self.conn.execute("SELECT * FROM inbox_messages WHERE channel = ? AND message_id = ?", key).fetchone()
        return dict(row) if row is not None else None

    def _insert(self, row: Dict[str, Any]) -> None:
        self.conn.execute(  # SQL both engines speak: the same text runs on PostgreSQL (kefu.db)
            "INSERT INTO inbox_messages (channel, message_id, conversation_id, platform, text, metadata,"
            " owner, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            tuple(row[name] for name in ("channel", "message_id", "conversation_id", "platform", "text", "metadata",
                                         "owner", "received_at")))

    def _retried(self, key: Key) -> None:
        self.conn.execute("UPDATE inbox_messages SET attempts = attempts + 1, owner = ? WHERE channel = ? AND"
                          " message_id = ?", (this_owner(), *key))

    def _update(self, key: Key, values: Dict[str, Any]) -> None:
        self.conn.execute("UPDATE inbox_messages SET state = ?, replies = ?, detail = ?, handled_at = ?"
                          " WHERE channel = ? AND message_id = ?",
                          (values["state"], values["replies"], values["detail"], values["handled_at"], *key))


def stored_replies(raw: Any) -> List[Dict[str, Any]]:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return value if isinstance(value, list) else []
