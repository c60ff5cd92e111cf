"""Rasa's SQL tracker store, made to lose nothing while its database is locked or read-only.

Rasa wraps every tracker store in ``FailSafeTrackerStore``: a failed save goes to
an in-memory store that nothing reads back, and the next retrieve reads the
stale database, so every turn during the fault silently vanished from the
conversation (issue 9 #5). :class:`ResilientSQLTrackerStore` keeps a tracker it
could not save, serves it to the next retrieve of that conversation (the
dialogue goes on where it was), and writes it on the next successful save: the
SQL store appends exactly the events the database does not have yet. Only a
restart of Rasa while the database is still unwritable loses the kept trackers;
the channel's health check (``/webhooks/rest/``) is red during the fault, so the
supervisor reports it.

On SQLite it also keeps one pooled connection with ``synchronous=NORMAL`` (see
:meth:`ResilientSQLTrackerStore._pool_sqlite`): Rasa's own SQL store, through SQLAlchemy
1.4's NullPool, opens a new connection per save and retrieve and fsyncs several times per save
(~10-20 ms per save on a shared disk, two saves per turn). This used to be a patch of every
``SQLTrackerStore.__init__`` (kefu_rasa/patches.py); it is kefu's store's own behaviour now.

Rasa's event broker (``endpoints.yml`` ``event_broker:``, kefu_rasa/event_broker.py) gets every
event this store stores, once, right after it is committed: Rasa's own ``stream_events`` loads the
stored session again before each save to diff it (13 of 29 ms per save, measured on this machine) and
publishes before the commit, so a turn whose save failed and was stored later was published by the
failed save or never; here the events ``SQLTrackerStore.save`` appends are the ones published, in the
same form (``{"sender_id": ..., **event.as_dict()}``), and a kept tracker's events are published when
they are finally stored.

Named in ``endpoints.yml`` (``tracker_store: type: kefu_rasa.tracker_store.ResilientSQLTrackerStore``);
it takes the same options as Rasa's ``SQL`` type (dialect, url, db, ...).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterator, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger("kefu_rasa.tracker_store")
MAX_KEPT = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Rollback journal (not WAL) with ``synchronous=NORMAL``. WAL was measured faster, but a WAL
    database shares a memory-mapped ``-shm`` file with every reader: when conversations.db became
    read-only (the fault suite, tests/live/test_faults_live.py) Rasa died of SIGBUS. A journal file
    has no mapping: the store refuses the write and this store keeps the turn."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = DELETE")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


class ResilientSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose failed saves are kept and retried instead of dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite()
        self._unsaved: Dict[Text, Text] = {}  # sender id -> serialised tracker
        self._appending: Dict[Text, List[Event]] = {}  # sender id -> events the save in progress appends

    def _pool_sqlite(self) -> None:
        """One pooled connection (Rasa's event loop is one thread) with ``synchronous=NORMAL``: a crash
        of Rasa loses nothing committed, a power cut may lose the last turns. PostgreSQL is untouched."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4,
                                       connect_args={"check_same_thread": False})
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """Rasa's: the events the database does not have yet; remembered for :meth:`_store` to publish."""
        events = list(super()._additional_events(session, tracker))
        self._appending[tracker.sender_id] = events
        return iter(events)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Nothing before the save: :meth:`_store` publishes what the save committed."""

    async def _store(self, tracker: DialogueStateTracker) -> None:
        """Rasa's SQL save, then the events it appended, once committed, to the event broker."""
        try:
            await super().save(tracker)
        finally:
            appended = self._appending.pop(tracker.sender_id, [])
        if self.event_broker is not None:
            for event in appended:
                self.event_broker.publish({"sender_id": tracker.sender_id, **event.as_dict()})

    @property
    def unsaved(self) -> int:
        """How many conversations wait for the database (0 when all is stored)."""
        return len(self._unsaved)

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await self._store(tracker)
        except Exception as exc:  # any database error: keep the tracker, never drop the turn
            if len(self._unsaved) < MAX_KEPT or tracker.sender_id in self._unsaved:
                self._unsaved[tracker.sender_id] = self.serialise_tracker(tracker)
            logger.error("conversation %s not saved (%s); kept in memory (%d waiting) until the database "
                         "takes it", tracker.sender_id, type(exc).__name__, len(self._unsaved))
            return
        self._unsaved.pop(tracker.sender_id, None)
        if self._unsaved:
            await self._save_kept()

    async def _save_kept(self) -> None:
        for sender_id in list(self._unsaved):
            tracker = self.deserialise_tracker(sender_id, self._unsaved[sender_id])
            if tracker is None:
                self._unsaved.pop(sender_id, None)
                continue
            try:
                await self._store(tracker)
            except Exception:
                return  # still failing: try again after the next successful save
            self._unsaved.pop(sender_id, None)
            logger.info("conversation %s saved after the database came back", sender_id)

    def _kept(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        serialised = self._unsaved.get(sender_id)
        return self.deserialise_tracker(sender_id, serialised) if serialised else None

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return self._kept(sender_id) or await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        kept = self._kept(conversation_id)
        if kept is not None:
            return kept
        return await super().retrieve_full_tracker(conversation_id)
