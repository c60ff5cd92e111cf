"""Replay protection and de-duplication for the bridge, in the shared SQLite file.

A nonce is accepted once (within twice the freshness window; older requests are
refused by their timestamp anyway, so older nonces are forgotten). A message id
is processed once per platform and shop: sidecars and platforms retry, and a
retried buyer message must not be answered twice.
"""

from __future__ import annotations

import time
from typing import Optional

from kefu.db import SQLiteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS bridge_nonces (nonce TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS bridge_nonces_seen ON bridge_nonces (seen_at);
CREATE TABLE IF NOT EXISTS bridge_messages (
    platform TEXT NOT NULL, shop_id TEXT NOT NULL, message_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
    received_at REAL NOT NULL, state TEXT NOT NULL, replies INTEGER NOT NULL DEFAULT 0, delivery TEXT,
    PRIMARY KEY (platform, shop_id, message_id));
CREATE TABLE IF NOT EXISTS bridge_conversations (
    conversation_id TEXT PRIMARY KEY, platform TEXT NOT NULL, shop_id TEXT NOT NULL, buyer_id TEXT NOT NULL,
    last_seen REAL NOT NULL);
"""


class BridgeStore(SQLiteStore):
    SCHEMA = SCHEMA

    def use_nonce(self, nonce: str, *, keep_s: float, now: Optional[float] = None) -> bool:
        """True the first time ``nonce`` is seen; False for a replay."""
        now = time.time() if now is None else now
        self.conn.execute("DELETE FROM bridge_nonces WHERE seen_at < ?", (now - keep_s,))
        return self.conn.execute("INSERT INTO bridge_nonces VALUES (?, ?) ON CONFLICT DO NOTHING", (nonce, now)).rowcount == 1

    def accept_message(self, platform: str, shop_id: str, message_id: str, conversation_id: str) -> bool:
        """True when this message id is new (it is recorded as accepted); False for a duplicate."""
        cursor = self.conn.execute(
            "INSERT INTO bridge_messages (platform, shop_id, message_id, conversation_id, received_at, state)"
            " VALUES (?, ?, ?, ?, ?, 'accepted') ON CONFLICT DO NOTHING", (platform, shop_id, message_id, conversation_id, time.time()))
        return cursor.rowcount == 1

    def remember_conversation(self, conversation_id: str, platform: str, shop_id: str, buyer_id: str) -> None:
        """Who a (hashed) conversation id belongs to, so a person's reply can be pushed to the sidecar later."""
        self.conn.execute(
            "INSERT INTO bridge_conversations VALUES (?, ?, ?, ?, ?) ON CONFLICT(conversation_id) DO UPDATE SET"
            " last_seen = excluded.last_seen", (conversation_id, platform, shop_id, buyer_id, time.time()))

    def conversation(self, conversation_id: str) -> Optional[dict]:
        row = self.conn.execute("SELECT * FROM bridge_conversations WHERE conversation_id = ?",
                                (conversation_id,)).fetchone()
        return dict(row) if row else None

    def finish(self, platform: str, shop_id: str, message_id: str, *, state: str, replies: int = 0,
               delivery: Optional[str] = None) -> None:
        self.conn.execute(
            "UPDATE bridge_messages SET state = ?, replies = ?, delivery = ? WHERE platform = ? AND shop_id = ?"
            " AND message_id = ?", (state, replies, delivery, platform, shop_id, message_id))

    def message(self, platform: str, shop_id: str, message_id: str) -> Optional[dict]:
        row = self.conn.execute("SELECT * FROM bridge_messages WHERE platform = ? AND shop_id = ? AND message_id = ?",
                                (platform, shop_id, message_id)).fetchone()
        return dict(row) if row else None
