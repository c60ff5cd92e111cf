"""Ticket sync: what a paused conversation's buyer writes reaches the ticket, driven by Rasa's events.

While a conversation is paused Rasa logs the buyer's messages and tells nobody.
Rather than fetching the tracker of every open ticket every few seconds (14% of
Rasa's CPU with 204 open tickets), the web app reads the tracker store's
``events`` table *incrementally* (``id > cursor``: one indexed query per tick,
nothing when nothing happened) and appends the new events of conversations that
have an active ticket. Rasa is not involved at all.

Poison-proofing: each event is converted and stored on its own; an event that
cannot be decoded, or a ticket whose update fails, is logged and skipped and the
cursor moves on, so one bad conversation never blocks the others.

The feed needs Rasa's SQL tracker store on SQLite (``endpoints.yml``, the
default; the file is ``Settings.tracker_db_path``). With another tracker store
the feed reports itself unavailable and a ticket is synced from Rasa's HTTP API
when an agent opens it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from kefu.tickets.store import TicketStore, transcript_from_events

log = logging.getLogger("kefu.handoff.sync")
BATCH = 1000
# The dialogue keeps the product and order it talks about in one slot (kefu.dialogue.engine.State);
# the ticket follows them, so the side panel shows what the buyer is asking about now.
STATE_SLOT = "dialogue_state"
STATE_FIELDS = ("product_id", "order_id")


@dataclass
class SyncResult:
    events_read: int = 0
    lines_added: Dict[int, int] = field(default_factory=dict)  # ticket id -> new transcript lines
    buyer_messages: Dict[int, int] = field(default_factory=dict)  # ticket id -> new lines from the buyer
    skipped: int = 0
    new_tickets: List[int] = field(default_factory=list)


class TrackerEventFeed:
    """New rows of Rasa's SQL tracker store ``events`` table, oldest first, from a cursor."""

    def __init__(self, tracker_db: Path) -> None:
        self.path = Path(tracker_db)
        self._conn: Optional[sqlite3.Connection] = None

    @property
    def available(self) -> bool:
        """Whether Rasa's SQLite tracker store is there to follow (else: sync over Rasa's HTTP API)."""
        return self.path.exists()

    def _connection(self) -> Optional[sqlite3.Connection]:
        if self._conn is None:
            if not self.path.exists():
                return None
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=2, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._conn = conn
        return self._conn

    def start_cursor(self, since_ts: Optional[float]) -> int:
        """The cursor from which events newer than ``since_ts`` (oldest active ticket) are read."""
        conn = self._connection()
        if conn is None:
            return 0
        try:
            if since_ts is None:
                row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()
            else:
                row = conn.execute("SELECT COALESCE(MIN(id) - 1, (SELECT COALESCE(MAX(id), 0) FROM events))"
                                   " FROM events WHERE timestamp >= ?", (since_ts,)).fetchone()
        except sqlite3.Error:  # table not created yet: Rasa has not stored anything
            return 0
        return int(row[0] or 0)

    def read(self, cursor: int, limit: int = BATCH) -> List[Tuple[int, str, str]]:
        """(id, sender_id, data JSON) of events after ``cursor``; [] when the store is not there yet."""
        conn = self._connection()
        if conn is None:
            return []
        try:
            rows = conn.execute("SELECT id, sender_id, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
                                (cursor, limit)).fetchall()
        except sqlite3.Error as exc:
            log.debug("tracker store not readable yet (%s)", exc)
            return []
        return [(int(r["id"]), r["sender_id"], r["data"]) for r in rows]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class TicketSync:
    """Moves buyer/bot events of paused conversations into their tickets; reports new tickets."""

    def __init__(self, tickets: TicketStore, feed: TrackerEventFeed) -> None:
        self.tickets = tickets
        self.feed = feed
        self.cursor: Optional[int] = None
        self.newest_ticket = tickets.newest_id()

    def step(self) -> SyncResult:
        """One pass: read what is new, store it; never raises for one bad event or ticket."""
        result = SyncResult()
        if self.cursor is None:
            oldest = min((t.created_at for t in self.tickets.queue()), default=None)
            self.cursor = self.feed.start_cursor(oldest)
        while True:
            rows = self.feed.read(self.cursor)
            if not rows:
                break
            # Tickets read *after* the events: a handoff's ticket exists before the bot's reply that
            # follows it is stored, so no event of a just-opened ticket is passed over.
            active = {t.conversation_id: t for t in self.tickets.queue()}
            for event_id, sender, data in rows:
                self.cursor = event_id
                result.events_read += 1
                ticket = active.get(sender)
                if ticket is None:
                    continue
                try:
                    self._apply(ticket.id, json.loads(data), result)
                except Exception:  # poison: log, skip, keep going
                    result.skipped += 1
                    log.warning("ticket %s: skipped tracker event %s that could not be synced", ticket.id, event_id,
                                exc_info=True)
            if len(rows) < BATCH:
                break
        newest = self.tickets.newest_id()
        if newest > self.newest_ticket:
            result.new_tickets = list(range(self.newest_ticket + 1, newest + 1))
            self.newest_ticket = newest
        return result

    def _follow_state(self, ticket_id: int, state: Dict[str, Any]) -> None:
        for column in STATE_FIELDS:
            value = state.get(column)
            if isinstance(value, str) and value.strip():
                self.tickets.conn.execute(f"UPDATE handoff_tickets SET {column} = ? WHERE id = ?",
                                          (value.strip()[:64], ticket_id))

    def _apply(self, ticket_id: int, event: Any, result: SyncResult) -> None:
        if not isinstance(event, dict):
            raise ValueError("event is not a JSON object")
        if event.get("event") == "slot":
            if event.get("name") == STATE_SLOT and isinstance(event.get("value"), dict):
                self._follow_state(ticket_id, event["value"])
            return
        lines = transcript_from_events([event])
        added = self.tickets.append(ticket_id, lines)
        if added:
            result.lines_added[ticket_id] = result.lines_added.get(ticket_id, 0) + added
            if lines[0].sender == "buyer":
                result.buyer_messages[ticket_id] = result.buyer_messages.get(ticket_id, 0) + added
