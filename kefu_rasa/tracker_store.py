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

Named in ``endpoints.yml`` (``tracker_store: type: kefu_rasa.tracker_store.ResilientSQLTrackerStore``);
it takes the same options as Rasa's ``SQL`` type (dialect, url, db, ...).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger("kefu_rasa.tracker_store")
MAX_KEPT = 10_000


class ResilientSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose failed saves are kept and retried instead of dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unsaved: Dict[Text, Text] = {}  # sender id -> serialised tracker

    @property
    def unsaved(self) -> int:
        """How many conversations wait for the database (0 when all is stored)."""
        return len(self._unsaved)

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await super().save(tracker)
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
                await super().save(tracker)
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
