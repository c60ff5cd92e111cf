"""What the buyer web chat shows: buyer messages it forwarded, bot messages Rasa called back with.

Every message gets an increasing id (and its payload: an image, a card); the page polls ``/chat/messages?after=<id>``
so nothing is lost or shown twice, even across reloads. A recalled message (消息撤回) keeps its
id, loses its text, and is listed in every poll's ``recalled`` so an open page removes it too.
"""

from __future__ import annotations

import json
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
CREATE TABLE IF NOT EXISTS handoff_chat_recalls (
    message_id      INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    ts              REAL NOT NULL
);
"""

MAX_PAGE = 200


def _payload(raw: Optional[str]) -> Optional[Dict[str, Any]]:
    """What travels beside a line's text (an image, a card, buttons), as the page reads it."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


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
            "SELECT m.id, m.sender, CASE WHEN r.message_id IS NULL THEN m.text ELSE '' END AS text, m.ts,"
            " CASE WHEN r.message_id IS NULL THEN m.payload END AS payload,"
            " r.message_id IS NOT NULL AS recalled FROM handoff_chat_messages m"
            " LEFT JOIN handoff_chat_recalls r ON r.message_id = m.id WHERE m.conversation_id = ? AND m.id > ?"
            " ORDER BY m.id LIMIT ?",
            (conversation_id, after, min(max(limit, 1), MAX_PAGE)),
        ).fetchall()
        return [dict(row, recalled=bool(row["recalled"]), payload=_payload(row["payload"])) for row in rows]

    def is_web_chat(self, conversation_id: str) -> bool:
        """Whether the buyer writes through the web chat (only its page can take a message back)."""
        return self.conn.execute("SELECT 1 FROM handoff_chat_messages WHERE conversation_id = ? AND sender = 'buyer'"
                                 " LIMIT 1", (conversation_id,)).fetchone() is not None

    def recalled_ids(self, conversation_id: str) -> List[int]:
        rows = self.conn.execute("SELECT message_id FROM handoff_chat_recalls WHERE conversation_id = ?"
                                 " ORDER BY message_id", (conversation_id,)).fetchall()
        return [row["message_id"] for row in rows]

    def recall_sent(self, conversation_id: str, text: str, since: float) -> Optional[int]:
        """Recall the newest bot message of ``conversation_id`` with ``text`` shown after ``since``;
        its id, or None when the web chat never showed it (another channel: no recall there)."""
        row = self.conn.execute(
            "SELECT m.id FROM handoff_chat_messages m LEFT JOIN handoff_chat_recalls r ON r.message_id = m.id"
            " WHERE m.conversation_id = ? AND m.sender = 'bot' AND m.text = ? AND m.ts >= ? AND r.message_id IS NULL"
            " ORDER BY m.id DESC LIMIT 1", (conversation_id, text, since)).fetchone()
        if row is None:
            return None
        self.conn.execute("INSERT INTO handoff_chat_recalls (message_id, conversation_id, ts) VALUES (?, ?, ?)",
                          (row["id"], conversation_id, time.time()))
        return int(row["id"])
