"""Agent replies for buyers whose channel cannot be called back (the REST channel): queued here.

A REST buyer's request has already been answered when an agent writes, and the REST channel
has no address to push to. So what a person sends a REST buyer (already guarded, and in Rasa's
tracker as usual) is also queued for the conversation — replies, the text form of an image or a
card, the handback line and the 满意度 invitation — and the REST channel hands the queue out
with its answer to the buyer's next message, oldest first, each once (:meth:`Outbox.take`): the
channel contract in docs/workbench.md. Web-chat buyers (the page polls) and bridge buyers (signed
callback) are reached already and are not queued.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Dict, List, Mapping, Optional

from kefu.db import SQLiteStore, column_names, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    text            TEXT NOT NULL,
    agent           TEXT,
    queued_at       REAL NOT NULL,
    taken_at        REAL,
    custom          TEXT
);
CREATE INDEX IF NOT EXISTS handoff_outbox_waiting ON handoff_outbox (conversation_id, taken_at, id);
"""
MAX_TAKE = 20


class Outbox(SQLiteStore):
    SCHEMA = SCHEMA

    @property
    def conn(self) -> sqlite3.Connection:
        conn = super().conn
        if not getattr(self._local, "migrated", False):
            if "custom" not in column_names(conn, "handoff_outbox"):  # a file from before rich messages
                try:
                    conn.execute("ALTER TABLE handoff_outbox ADD COLUMN custom TEXT")
                except sqlite3.OperationalError:  # another process added it first
                    pass
            self._local.migrated = True
        return conn

    def put(self, conversation_id: str, text: str, agent: Optional[str] = None, now: Optional[float] = None,
            custom: Optional[Mapping[str, Any]] = None) -> int:
        """Queue ``text`` (already guarded) for the REST buyer ``conversation_id``; ``custom`` travels
        beside it (a 满意度 invitation's ticket and choices, a card's data)."""
        cursor = self.conn.execute("INSERT INTO handoff_outbox (conversation_id, text, agent, queued_at, custom)"
                                   " VALUES (?, ?, ?, ?, ?)",
                                   (conversation_id, text, agent, time.time() if now is None else now,
                                    json.dumps(dict(custom), ensure_ascii=False) if custom else None))
        return int(cursor.lastrowid)

    def take(self, conversation_id: str, now: Optional[float] = None) -> List[Dict[str, Any]]:
        """The waiting messages, oldest first, marked taken in the same transaction (each handed out once),
        in the shape of Rasa's REST answers: ``{"recipient_id", "text", "custom": {"kefu_agent", ...}}``."""
        with transaction(self.conn) as conn:
            rows = conn.execute("SELECT id, text, agent, queued_at, custom FROM handoff_outbox"
                                " WHERE conversation_id = ? AND taken_at IS NULL ORDER BY id LIMIT ?",
                                (conversation_id, MAX_TAKE)).fetchall()
            if rows:
                conn.execute(f"UPDATE handoff_outbox SET taken_at = ? WHERE id IN ({','.join('?' * len(rows))})"
                             " AND taken_at IS NULL",
                             (time.time() if now is None else now, *(row["id"] for row in rows)))
        return [{"recipient_id": conversation_id, "text": row["text"],
                 "custom": {"kefu_agent": row["agent"], **json.loads(row["custom"] or "{}")}}
                for row in rows]

    def waiting(self, conversation_id: str) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM handoff_outbox WHERE conversation_id = ? AND taken_at IS NULL",
                                     (conversation_id,)).fetchone()[0])
