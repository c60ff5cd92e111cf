"""Agent replies for buyers whose channel cannot be called back (the REST channel): queued here.

A REST buyer's request has already been answered when an agent writes, and the REST channel
has no address to push to. So the reply (already guarded and sent through Rasa's tracker) is
also queued for the conversation, and the REST channel hands the queue out with its answer to
the buyer's next message, oldest first, each once (:meth:`Outbox.take`): the channel contract in
docs/workbench.md. Web-chat buyers (the page polls) and bridge buyers (signed callback) are
reached already and are not queued.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

from kefu.db import SQLiteStore, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    text            TEXT NOT NULL,
    agent           TEXT,
    queued_at       REAL NOT NULL,
    taken_at        REAL
);
CREATE INDEX IF NOT EXISTS handoff_outbox_waiting ON handoff_outbox (conversation_id, taken_at, id);
"""
MAX_TAKE = 20


class Outbox(SQLiteStore):
    SCHEMA = SCHEMA

    def put(self, conversation_id: str, text: str, agent: Optional[str] = None, now: Optional[float] = None) -> int:
        cursor = self.conn.execute("INSERT INTO handoff_outbox (conversation_id, text, agent, queued_at)"
                                   " VALUES (?, ?, ?, ?)",
                                   (conversation_id, text, agent, time.time() if now is None else now))
        return int(cursor.lastrowid)

    def take(self, conversation_id: str, now: Optional[float] = None) -> List[Dict[str, Any]]:
        """The waiting replies, oldest first, marked taken in the same transaction (each handed out once)."""
        with transaction(self.conn) as conn:
            rows = conn.execute("SELECT id, text, agent, queued_at FROM handoff_outbox WHERE conversation_id = ?"
                                " AND taken_at IS NULL ORDER BY id LIMIT ?", (conversation_id, MAX_TAKE)).fetchall()
            if rows:
                conn.execute(f"UPDATE handoff_outbox SET taken_at = ? WHERE id IN ({','.join('?' * len(rows))})",
                             (time.time() if now is None else now, *(row["id"] for row in rows)))
        return [{"recipient_id": conversation_id, "text": row["text"], "custom": {"kefu_agent": row["agent"]}}
                for row in rows]

    def waiting(self, conversation_id: str) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM handoff_outbox WHERE conversation_id = ? AND taken_at IS NULL",
                                     (conversation_id,)).fetchone()[0])
