"""The platform of each conversation, fixed at its first message and never changed by what follows.

Which rule pack guards a reply depends on the platform, so a buyer must not be
able to move a Pinduoduo conversation onto Taobao's rules by saying 「我是在淘宝买的」
or by sending other metadata later. The first message's trusted metadata (or the
shop default) decides, the choice is stored in kefu.db (``conversation_platform``),
and every later message, the output channels and the handoff read it from here.

The store keeps what it has seen in memory too, so a locked or read-only kefu.db
does not change a conversation's platform mid-way: when the database cannot be
written, the platform is still fixed for this process and written on a later turn.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Dict, Optional, Union

from kefu.db import SQLiteStore
from kefu.shop.config import default_platform

logger = logging.getLogger("kefu.edge")

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_platform (
    conversation_id TEXT PRIMARY KEY,
    platform        TEXT NOT NULL,
    source          TEXT NOT NULL,
    fixed_at        REAL NOT NULL
);
"""
MAX_CACHED = 50_000


class ConversationPlatformStore(SQLiteStore):
    """``fix(conversation_id, requested)`` once; ``platform_of(conversation_id)`` thereafter."""

    SCHEMA = SCHEMA

    def __init__(self, db_path: Union[str, Path]) -> None:
        super().__init__(db_path)
        self._cache: Dict[str, str] = {}
        self._unsaved: Dict[str, str] = {}
        self._lock = threading.Lock()

    def _remember(self, conversation_id: str, platform: str) -> None:
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[conversation_id] = platform

    def stored(self, conversation_id: str) -> Optional[str]:
        """The fixed platform, or None when the conversation has not started (or the DB is unreadable)."""
        cached = self._cache.get(conversation_id)
        if cached:
            return cached
        try:
            row = self.conn.execute(
                "SELECT platform FROM conversation_platform WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        except sqlite3.Error as exc:
            logger.warning("conversation_platform unreadable (%s)", exc)
            self.close_connection()  # SQLite may have opened it read-only: reopen next time
            return None
        if row is None:
            return None
        self._remember(conversation_id, row["platform"])
        return row["platform"]

    def platform_of(self, conversation_id: str) -> str:
        """The conversation's platform: the fixed one, else the shop default (pushes before any message)."""
        return self.stored(conversation_id) or default_platform()

    def fix(self, conversation_id: str, requested: Optional[str]) -> str:
        """Fix the platform at the first message (``requested`` from trusted metadata, else the default);
        later calls return the first choice whatever they request."""
        existing = self.stored(conversation_id)
        if existing:
            if requested and requested != existing:
                logger.debug("conversation %s stays on %s (later metadata said %s)",
                            conversation_id, existing, requested)
            self._save_pending()
            return existing
        platform = requested or default_platform()
        source = "metadata" if requested else "default"
        self._remember(conversation_id, platform)
        try:
            self.conn.execute(
                "INSERT INTO conversation_platform (conversation_id, platform, source, fixed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (conversation_id, platform, source, time.time()),
            )
        except sqlite3.Error as exc:
            logger.warning("conversation_platform not writable (%s); %s kept in memory", exc, conversation_id)
            self.close_connection()
            with self._lock:
                self._unsaved[conversation_id] = platform
        return platform

    def _save_pending(self) -> None:
        if not self._unsaved:
            return
        with self._lock:
            pending, self._unsaved = self._unsaved, {}
        try:
            for conversation_id, platform in pending.items():
                self.conn.execute(
                    "INSERT INTO conversation_platform (conversation_id, platform, source, fixed_at)"
                    " VALUES (?, ?, 'metadata-late', ?) ON CONFLICT DO NOTHING",
                    (conversation_id, platform, time.time()),
                )
        except sqlite3.Error:
            self.close_connection()
            with self._lock:
                self._unsaved.update(pending)
