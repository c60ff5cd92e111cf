"""Ticket sync: what Rasa stores for a conversation with an open ticket reaches it, fed by Rasa's event broker.

While a person is on the way the action server writes each buyer message to the ticket itself
(actions/waiting.py); what only Rasa knows reaches the ticket here: the bot's sentences (stored
after the action ran, the hand-off sentence among them), the product and order the dialogue state
moves to, and messages no action saw (the action server down). Rasa's tracker store publishes
every event it stores to its event broker; kefu's broker (kefu_rasa/event_broker.py) appends them
to kefu's event feed (:mod:`kefu.feed`, in kefu's own database, SQLite or PostgreSQL alike). The
web app reads that feed *incrementally* (``id > cursor``: one indexed query per tick, nothing when
nothing happened) and appends the new events of conversations that have an active ticket. Rasa is
not involved at all, and no Rasa table is read.

Exactly once: the cursor is kept in the same database (``feed_cursors``) and moves in the same
transaction as the ticket lines and state an event produced, so a web app that was down (or
killed mid-batch) starts where it stopped: nothing missed, nothing applied twice. On its very
first start it begins at the oldest active ticket.

Poison-proofing: each event is converted and stored on its own; an event that cannot be
decoded, or a ticket whose update fails, is logged and skipped and the cursor moves on, so one
bad conversation never blocks the others.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from kefu.db import transaction
from kefu.feed import BATCH, EventFeed
from kefu.tickets.store import TicketStore, transcript_from_events

log = logging.getLogger("kefu.handoff.sync")
CONSUMER = "ticket-sync"
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


class TicketSync:
    """Moves buyer/bot events of conversations with an active ticket into it; reports new tickets."""

    def __init__(self, tickets: TicketStore, feed: EventFeed) -> None:
        self.tickets = tickets
        self.feed = feed
        self.cursor: Optional[int] = None
        self._stored_cursor: Optional[int] = None  # the cursor as the database has it
        self.newest_ticket = tickets.newest_id()

    def _start(self) -> int:
        """Where this consumer stopped; on its first start, the oldest active ticket's first event."""
        stored = self.feed.cursor(CONSUMER)
        if stored is not None:
            return stored
        oldest = min((t.created_at for t in self.tickets.queue()), default=None)
        return self.feed.last_id() if oldest is None else self.feed.first_after(oldest)

    def step(self) -> SyncResult:
        """One pass: read what is new, store it; never raises for one bad event or ticket."""
        result = SyncResult()
        if self.cursor is None:
            self.cursor = self._stored_cursor = self._start()
        while True:
            rows = self.feed.read(self.cursor)
            if not rows:
                break
            # Tickets read *after* the events: a handoff's ticket exists before the bot's reply that
            # follows it is stored, so no event of a just-opened ticket is passed over.
            active = {t.conversation_id: t for t in self.tickets.queue()}
            for event in rows:
                result.events_read += 1
                ticket = active.get(event.sender_id)
                if ticket is not None:
                    self._apply_once(ticket.id, event.id, event.data, result)
                self.cursor = event.id
            if self._stored_cursor != self.cursor:  # past the events no ticket wanted, too
                with transaction(self.tickets.conn) as conn:
                    EventFeed.advance(conn, CONSUMER, self.cursor)
                self._stored_cursor = self.cursor
            if len(rows) < BATCH:
                break
        newest = self.tickets.newest_id()
        if newest > self.newest_ticket:
            result.new_tickets = list(range(self.newest_ticket + 1, newest + 1))
            self.newest_ticket = newest
        return result

    def _apply_once(self, ticket_id: int, event_id: int, data: str, result: SyncResult) -> None:
        """The event's lines or state on the ticket and the cursor past it, in one transaction."""
        try:
            event = json.loads(data)
            with transaction(self.tickets.conn) as conn:
                added, from_buyer = self._apply(conn, ticket_id, event)
                EventFeed.advance(conn, CONSUMER, event_id)
            self._stored_cursor = event_id
        except Exception:  # poison: log, skip, keep going
            result.skipped += 1
            log.warning("ticket %s: skipped feed event %s that could not be synced", ticket_id, event_id,
                        exc_info=True)
            return
        if added:
            result.lines_added[ticket_id] = result.lines_added.get(ticket_id, 0) + added
            if from_buyer:
                result.buyer_messages[ticket_id] = result.buyer_messages.get(ticket_id, 0) + added

    @staticmethod
    def _follow_state(conn: Any, ticket_id: int, state: Dict[str, Any]) -> None:
        for column in STATE_FIELDS:
            value = state.get(column)
            if isinstance(value, str) and value.strip():
                conn.execute(f"UPDATE handoff_tickets SET {column} = ? WHERE id = ?", (value.strip()[:64], ticket_id))

    def _apply(self, conn: Any, ticket_id: int, event: Any) -> Tuple[int, bool]:
        """(lines added, whether they are the buyer's) for one event of the ticket's conversation."""
        if not isinstance(event, dict):
            raise ValueError("event is not a JSON object")
        if event.get("event") == "slot":
            if event.get("name") == STATE_SLOT and isinstance(event.get("value"), dict):
                self._follow_state(conn, ticket_id, event["value"])
            return 0, False
        lines = transcript_from_events([event])
        added = self.tickets.append_within(conn, ticket_id, lines)
        return added, bool(lines) and lines[0].sender == "buyer"
