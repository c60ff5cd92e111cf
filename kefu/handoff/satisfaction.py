"""满意度: an invitation when an agent closes a chat, one rating (1–5) per chat, read by the reports.

The invitation is recorded when the ticket closes and shown to the buyer: the web chat draws
five stars under it, the signed bridge receives it as a ``rating_invite`` message (docs/bridge.md).
A rating is accepted once per ticket, from the conversation the ticket belongs to, within
``RATING_WINDOW`` of the invitation; anything else is a clear 4xx.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

from kefu.db import SQLiteStore, transaction
from kefu.tickets.store import Ticket, TicketError

RATING_WINDOW = 24 * 3600
SCORE_LABELS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
SATISFIED = 4   # 满意率: ratings of 4 or 5
DISLIKED = 2    # 差评 (counted by the resolution rate): ratings of 1 or 2
MAX_COMMENT = 200

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_ratings (
    ticket_id       INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    platform        TEXT NOT NULL,
    agent           TEXT,
    invited_at      REAL NOT NULL,
    score           INTEGER,
    comment         TEXT,
    channel         TEXT,
    rated_at        REAL
);
CREATE INDEX IF NOT EXISTS handoff_ratings_conv ON handoff_ratings (conversation_id, invited_at);
"""


class RatingError(TicketError):
    status_code = 400


class RatingClosed(TicketError):
    status_code = 409


class SatisfactionStore(SQLiteStore):
    SCHEMA = SCHEMA

    def invite(self, ticket: Ticket, now: Optional[float] = None) -> None:
        self.conn.execute("INSERT INTO handoff_ratings (ticket_id, conversation_id, platform, agent,"
                          " invited_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          (ticket.id, ticket.conversation_id, ticket.platform, ticket.agent,
                           time.time() if now is None else now))

    def pending(self, conversation_id: str, now: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The newest invitation of this conversation not yet answered and still open."""
        now = time.time() if now is None else now
        row = self.conn.execute("SELECT ticket_id, invited_at FROM handoff_ratings WHERE conversation_id = ?"
                                " AND score IS NULL AND invited_at > ? ORDER BY invited_at DESC LIMIT 1",
                                (conversation_id, now - RATING_WINDOW)).fetchone()
        return {"ticket_id": row["ticket_id"], "invited_at": row["invited_at"], "labels": SCORE_LABELS} if row else None

    def rate(self, conversation_id: str, ticket_id: Any, score: Any, comment: Any = None, channel: str = "web",
             now: Optional[float] = None) -> Dict[str, Any]:
        if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
            raise RatingError("ticket_id 必须是整数")
        if not isinstance(score, int) or isinstance(score, bool) or score not in SCORE_LABELS:
            raise RatingError("评分须为 1 到 5 的整数")
        if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
            raise RatingError(f"评价内容最多 {MAX_COMMENT} 个字")
        now = time.time() if now is None else now
        with transaction(self.conn) as conn:
            row = conn.execute("SELECT * FROM handoff_ratings WHERE ticket_id = ?", (ticket_id,)).fetchone()
            if row is None or row["conversation_id"] != conversation_id:
                raise RatingClosed("这次服务没有待评价的邀请")
            if row["score"] is not None:
                raise RatingClosed("这次服务已经评价过了，感谢您")
            if now - row["invited_at"] > RATING_WINDOW:
                raise RatingClosed("评价邀请已过期")
            conn.execute("UPDATE handoff_ratings SET score = ?, comment = ?, channel = ?, rated_at = ?"
                         " WHERE ticket_id = ?", (score, (comment or "").strip() or None, channel, now, ticket_id))
        return {"ticket_id": ticket_id, "score": score, "label": SCORE_LABELS[score]}

    def between(self, since: float, until: float) -> List[Dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM handoff_ratings WHERE invited_at >= ? AND invited_at < ?",
                                 (since, until)).fetchall()
        return [dict(row) for row in rows]
