"""kefu's Rasa event broker: every event Rasa's tracker store stores is published into kefu's event feed.

Named in ``endpoints.yml`` and ``endpoints.scale.yml``::

    event_broker:
      type: kefu_rasa.event_broker.KefuEventBroker

Rasa 3.6 (``rasa/core/brokers/broker.py``) loads a broker given by module path through
``from_endpoint_config`` and hands it to the tracker store, which publishes each event it stores
as ``{"sender_id": ..., **event.as_dict()}`` (kefu's tracker store right after the commit, see
kefu_rasa/tracker_store.py; Rasa's own stores through ``TrackerStore.stream_events``). The events land in :class:`kefu.feed.EventFeed`
(kefu's database: SQLite, or PostgreSQL with ``KEFU_DATABASE_URL``), which ticket sync and
reports read; nothing in kefu reads Rasa's tracker tables.

Why not Rasa's ``type: SQL`` broker: its table is also called ``events``, so it cannot share a
database with the SQL tracker store (PostgreSQL would need a second database), it has no time or
type column (a report over a period would parse every row), and on SQLite it opens a connection
and fsyncs for every event.

``publish`` never blocks and never raises. It runs on Rasa's event loop inside the tracker
store's save: a database wait there (kefu.db locked by another process for 12 s, read-only, a
PostgreSQL restart) would stall every conversation, and an exception would fail the save, after
which those events would never be published again. So ``publish`` queues the event and one writer
thread appends the queue to the feed in order, retrying an event the feed refuses until it takes
it. Normally an event is in the feed within a millisecond; while the database refuses writes the
events wait in memory (``waiting``), as kefu's tracker store keeps unsaved trackers: a crash of Rasa
during such an outage loses the waiting events, a crash or restart of the web app loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text, Tuple

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from kefu.feed import EventFeed
from kefu.settings import Settings

logger = logging.getLogger("kefu_rasa.event_broker")
MAX_KEPT = 100_000  # events kept in memory while the feed refuses them (hours of a busy shop)
RETRY_DELAYS_S: Tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)  # then every 2 s
CLOSE_TIMEOUT_S = 10.0


class KefuEventBroker(EventBroker):
    """Publishes Rasa's events into :class:`kefu.feed.EventFeed` from one writer thread, in order."""

    def __init__(self, feed: EventFeed) -> None:
        self.feed = feed
        self.dropped = 0
        self.last_error: Optional[str] = None
        self._queue: "queue.Queue[Optional[Dict[Text, Any]]]" = queue.Queue()
        self._writer = threading.Thread(target=self._write_all, name="kefu-event-feed", daemon=True)
        self._writer.start()

    @classmethod
    async def from_endpoint_config(cls, broker_config: EndpointConfig,
                                   event_loop: Optional[AbstractEventLoop] = None) -> "KefuEventBroker":
        """The feed in kefu's configured database (``KEFU_DB_PATH`` / ``KEFU_DATABASE_URL``)."""
        feed = EventFeed(Settings.from_env().db_path)
        feed.last_id()  # opened (and created) now: a broken database shows at start-up, not at the first turn
        return cls(feed)

    @property
    def waiting(self) -> int:
        """Events published but not in the feed yet (0 when everything is stored)."""
        return self._queue.unfinished_tasks

    def publish(self, event: Dict[Text, Any]) -> None:
        if self._queue.unfinished_tasks >= MAX_KEPT:
            self.dropped += 1
            logger.error("event feed unwritable for %d events: an event of %s dropped", MAX_KEPT, event.get("sender_id"))
            return
        self._queue.put(dict(event))

    def _write_all(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                self._queue.task_done()
                return
            self._write(event)
            self._queue.task_done()

    def _write(self, event: Dict[Text, Any]) -> None:
        failures = 0
        while True:
            try:
                self.feed.append(event)
            except sqlite3.OperationalError as exc:  # locked, read-only, full, PostgreSQL away: try again, in order
                self.last_error = f"{type(exc).__name__}: {exc}"
                if not failures:
                    logger.error("event feed not written (%s); events wait in memory until it takes them",
                                 self.last_error)
                time.sleep(RETRY_DELAYS_S[min(failures, len(RETRY_DELAYS_S) - 1)])
                failures += 1
                continue
            except Exception:  # this event can never be stored (not JSON, not encodable): the others go on
                self.dropped += 1
                logger.exception("event %r of %s cannot be stored in the feed: dropped", event.get("event"),
                                 event.get("sender_id"))
                return
            if failures:
                logger.info("event feed written again after %d attempts (%d event(s) still waiting)",
                            failures + 1, self.waiting - 1)
                self.last_error = None
            return

    def flush(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Wait until every published event is in the feed; whether that happened within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def is_ready(self) -> bool:
        return self._writer.is_alive()

    async def close(self) -> None:
        """Rasa stops: what is queued is written (up to :data:`CLOSE_TIMEOUT_S`), then the writer ends."""
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._writer.join, CLOSE_TIMEOUT_S)
        if self._writer.is_alive():
            logger.error("Rasa stops with %d event(s) the feed did not take (%s)", self.waiting - 1, self.last_error)
