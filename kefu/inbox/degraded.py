"""Degraded mode: when a buyer's message got no reply, a ticket says so, even if kefu.db is down.

The channel sends the holding answer (``replies.yml`` ``holding``) and calls
:meth:`DegradedTickets.open` with what failed. When the ticket store itself
cannot be written (locked past its busy timeout, read-only, missing folder), the
ticket is appended to ``<state_dir>/pending-tickets.jsonl`` (0600) and created on
a later call once the store answers again. When the disk refuses that file too (a full
state disk), the ticket waits in this process's memory and is retried every few seconds
(:class:`kefu.inbox.memory.Retrier`) until the store takes it: no buyer message is lost
either way, unless the process dies while the disk is still full (health is red meanwhile).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.inbox.memory import Retrier
from kefu.settings import Settings

logger = logging.getLogger("kefu.edge")

REASON = "degraded"
PRIORITY = 2
QUEUE_NAME = "pending-tickets.jsonl"
# Tickets neither the store nor the queue file took (one per process: every instance shares it).
IN_MEMORY = Retrier("degraded-tickets")


class DegradedTickets:
    """Open a ``degraded`` ticket now, or queue it on disk until the ticket store is back."""

    def __init__(self, settings: Settings, store: Optional[TicketStore] = None) -> None:
        self.settings = settings
        self.store = store or TicketStore(settings.db_path)
        self.queue_path: Path = settings.state_dir / QUEUE_NAME
        self._lock = threading.Lock()

    def open(self, *, conversation_id: str, platform: str, failure: str, buyer_text: str,
             now: Optional[float] = None) -> Optional[int]:
        """The ticket id, or None when it was queued because the store is down."""
        record = {"conversation_id": conversation_id, "platform": platform, "failure": failure,
                  "buyer_text": buyer_text, "ts": time.time() if now is None else now}
        self.flush()
        try:
            return self._create(record)
        except (sqlite3.Error, OSError) as exc:
            self.store.close_connection()  # a connection SQLite opened read-only stays so: reopen later
            logger.error("ticket store unavailable (%s); degraded ticket for %s queued in %s",
                         exc, conversation_id, self.queue_path)
            try:
                self._append(record)
            except OSError as disk:  # the disk is full too: keep it in memory until the store takes it
                logger.error("cannot queue it on disk either (%s); kept in memory", disk)
                IN_MEMORY.run(f"degraded ticket for {conversation_id}", lambda: self._create_reopening(record))
            return None

    def _create_reopening(self, record: Dict[str, Any]) -> int:
        try:
            return self._create(record)
        except (sqlite3.Error, OSError):
            self.store.close_connection()
            raise

    def _create(self, record: Dict[str, Any]) -> int:
        line = TranscriptLine("buyer", record["buyer_text"], record["ts"], source_key=f"degraded:{record['ts']!r}")
        ticket, _ = self.store.create(
            conversation_id=record["conversation_id"], platform=record["platform"], reason=REASON,
            priority=PRIORITY, detail=f"没有自动回复：{record['failure']}", transcript=[line], now=record["ts"],
        )
        return ticket.id

    def _append(self, record: Dict[str, Any]) -> None:
        with self._lock:
            self.queue_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.queue_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def has_pending(self) -> bool:
        """Cheap check (one stat) for tickets waiting on disk or in memory."""
        if IN_MEMORY.waiting:
            IN_MEMORY.flush()
        try:
            return self.queue_path.stat().st_size > 0
        except OSError:
            return False

    def pending(self) -> List[Dict[str, Any]]:
        try:
            lines = self.queue_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                logger.error("skipping an unreadable line in %s", self.queue_path)
        return records

    def flush(self) -> int:
        """Create every queued ticket the store now accepts; keep the rest queued. Returns how many."""
        with self._lock:
            records = self.pending()
            if not records:
                return 0
            left: List[Dict[str, Any]] = []
            created = 0
            for record in records:
                if left:
                    left.append(record)
                    continue
                try:
                    self._create(record)
                    created += 1
                except (sqlite3.Error, OSError):
                    self.store.close_connection()
                    left.append(record)
            tmp = self.queue_path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in left)
            os.replace(tmp, self.queue_path)
        if created:
            logger.info("created %d queued degraded ticket(s)", created)
        return created
