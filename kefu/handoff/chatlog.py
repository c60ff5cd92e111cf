"""What the buyer web chat shows: buyer messages it forwarded, bot messages Rasa called back with.

Every message gets an increasing id; the page polls ``/chat/messages?after=<id>``
so nothing is lost or shown twice, even across reloads.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from kefu.db import SQLiteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_chat_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    sender          TEXT NOT NULL CHECK (sender IN ('buyer', 'bot')),
    text            TEXT NOT NULL,
    payload         TEXT,
    ts              REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS handoff_chat_conversation ON handoff_chat_messages (conversation_id, id);
"""

MAX_PAGE = 200


class ChatLog(SQLiteStore):
    """Every web-chat message of every conversation, in order (nothing is dropped)."""

    SCHEMA = SCHEMA

    def add(self, conversation_id: str, sender: str, text: str, payload: Optional[str] = None) -> int:
        cursor = self.conn.execute(
            "INSERT INTO handoff_chat_messages (conversation_id, sender, text, payload, ts) VALUES (?, ?, ?, ?, ?)",
            (conversation_id, sender, text, payload, time.time()),
        )
        return int(cursor.lastrowid)

    def after(self, conversation_id: str, after: int = 0, limit: int = MAX_PAGE) -> List[Dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, sender, text, ts FROM handoff_chat_messages WHERE conversation_id = ? AND id > ?"
            " ORDER BY id LIMIT ?",
            (conversation_id, after, min(max(limit, 1), MAX_PAGE)),
        ).fetchall()
        return [dict(row) for row in rows]
