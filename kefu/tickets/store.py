"""Handoff tickets and their transcripts, in the shared SQLite file.

A ticket belongs to one conversation; while it is open (or claimed) the bot is
paused for that conversation and every buyer message is appended to the
ticket. Transcript lines carry a ``source_key`` (e.g. the Rasa event
timestamp) so syncing the same tracker twice never duplicates a line.

Life cycle: ``open`` -> ``claimed`` (one agent holds it; others get a
:class:`ClaimConflict`) -> ``closed`` (with an outcome). ``release`` puts a
claimed ticket back in the queue.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from kefu.db import SQLiteStore, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    platform        TEXT NOT NULL,
    product_id      TEXT,
    order_id        TEXT,
    reason          TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'closed')),
    agent           TEXT,
    created_at      REAL NOT NULL,
    answer_after    REAL,
    claimed_at      REAL,
    closed_at       REAL,
    outcome         TEXT
);
CREATE INDEX IF NOT EXISTS handoff_tickets_status ON handoff_tickets (status, priority, created_at);
CREATE INDEX IF NOT EXISTS handoff_tickets_conversation ON handoff_tickets (conversation_id, status);
CREATE TABLE IF NOT EXISTS handoff_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES handoff_tickets (id),
    sender     TEXT NOT NULL CHECK (sender IN ('buyer', 'bot', 'agent', 'system')),
    text       TEXT NOT NULL,
    ts         REAL NOT NULL,
    source_key TEXT,
    agent      TEXT,
    UNIQUE (ticket_id, source_key)
);
CREATE TABLE IF NOT EXISTS handoff_recalls (
    ticket_id  INTEGER NOT NULL,
    source_key TEXT NOT NULL,
    agent      TEXT NOT NULL,
    ts         REAL NOT NULL,
    PRIMARY KEY (ticket_id, source_key)
);
CREATE TABLE IF NOT EXISTS handoff_audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ts        REAL NOT NULL,
    agent     TEXT,
    ticket_id INTEGER,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
"""

ACTIVE = ("open", "claimed")
DEFAULT_HANDLING_MINUTES = 5.0
RECALL_SECONDS = 120  # 消息撤回: as on the platforms, within two minutes of sending


class TicketError(Exception):
    """Base of ticket errors; ``status_code`` is the HTTP status the console answers with."""

    status_code = 400


class TicketNotFound(TicketError):
    status_code = 404


class ClaimConflict(TicketError):
    """Another agent holds the ticket (or it is closed)."""

    status_code = 409


@dataclass(frozen=True)
class TranscriptLine:
    sender: str
    text: str
    ts: float
    source_key: Optional[str] = None
    agent: Optional[str] = None


@dataclass
class Ticket:
    id: int
    conversation_id: str
    platform: str
    product_id: Optional[str]
    order_id: Optional[str]
    reason: str
    priority: int
    detail: str
    status: str
    agent: Optional[str]
    created_at: float
    answer_after: Optional[float]
    claimed_at: Optional[float]
    closed_at: Optional[float]
    outcome: Optional[str]
    transcript: List[TranscriptLine] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Ticket":
        return cls(**{key: row[key] for key in row.keys()})

    @property
    def agent_replied(self) -> bool:
        """Whether a person has answered on this ticket: the buyer is no longer "waiting for a
        person", so no acknowledgement of the wait may be sent any more."""
        return any(line.sender == "agent" for line in self.transcript)

    def waiting_seconds(self, now: Optional[float] = None) -> float:
        return max(0.0, (now or time.time()) - self.created_at)

    def as_dict(self, now: Optional[float] = None) -> Dict[str, Any]:
        data = {key: value for key, value in self.__dict__.items() if key != "transcript"}
        data["waiting_seconds"] = round(self.waiting_seconds(now))
        data["transcript"] = [line.__dict__ for line in self.transcript]
        return data


class TicketStore(SQLiteStore):
    """Read/write access to tickets. Connects lazily; safe to share between threads."""

    SCHEMA = SCHEMA

    # --- creating and reading ---------------------------------------------------------------------

    def create(
        self,
        *,
        conversation_id: str,
        platform: str,
        reason: str,
        priority: int,
        detail: str = "",
        product_id: Optional[str] = None,
        order_id: Optional[str] = None,
        transcript: Sequence[TranscriptLine] = (),
        answer_after: Optional[float] = None,
        now: Optional[float] = None,
    ) -> "tuple[Ticket, bool]":
        """Open a ticket, or return the conversation's active one. Returns (ticket, created)."""
        if not conversation_id:
            raise TicketError("conversation_id is required")
        now = time.time() if now is None else now
        with transaction(self.conn) as conn:
            row = conn.execute(
                "SELECT id FROM handoff_tickets WHERE conversation_id = ? AND status IN ('open', 'claimed')",
                (conversation_id,),
            ).fetchone()
            created = row is None
            if created:
                ticket_id = conn.execute(
                    "INSERT INTO handoff_tickets (conversation_id, platform, product_id, order_id, reason,"
                    " priority, detail, created_at, answer_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (conversation_id, platform, product_id, order_id, reason, priority, detail, now, answer_after),
                ).lastrowid
            else:
                ticket_id = row["id"]
                # A more urgent trigger on an active ticket raises its priority.
                conn.execute(
                    "UPDATE handoff_tickets SET priority = CASE WHEN ? < priority THEN ? ELSE priority END WHERE id = ?",
                    (priority, priority, ticket_id)
                )
            self._append(conn, ticket_id, transcript)
        return self.get(ticket_id), created

    def get(self, ticket_id: int) -> Ticket:
        row = self.conn.execute("SELECT * FROM handoff_tickets WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise TicketNotFound(f"工单 {ticket_id} 不存在")
        ticket = Ticket.from_row(row)
        ticket.transcript = self.transcript(ticket_id)
        return ticket

    def transcript(self, ticket_id: int) -> List[TranscriptLine]:
        rows = self.conn.execute(
            "SELECT sender, text, ts, source_key, agent FROM handoff_messages WHERE ticket_id = ? ORDER BY ts, id",
            (ticket_id,),
        ).fetchall()
        return [TranscriptLine(**dict(row)) for row in rows]

    def active_for(self, conversation_id: str) -> Optional[Ticket]:
        row = self.conn.execute(
            "SELECT id FROM handoff_tickets WHERE conversation_id = ? AND status IN ('open', 'claimed')",
            (conversation_id,),
        ).fetchone()
        return self.get(row["id"]) if row else None

    def latest_for(self, conversation_id: str) -> Optional[Ticket]:
        """The conversation's active ticket, else its newest closed one (whose access rules apply)."""
        active = self.active_for(conversation_id)
        if active is not None:
            return active
        row = self.conn.execute("SELECT id FROM handoff_tickets WHERE conversation_id = ? ORDER BY id DESC LIMIT 1",
                                (conversation_id,)).fetchone()
        return self.get(row["id"]) if row else None

    def queue(self, include_claimed: bool = True) -> List[Ticket]:
        """Active tickets, most urgent first, oldest first within a priority."""
        statuses = ACTIVE if include_claimed else ("open",)
        rows = self.conn.execute(
            f"SELECT * FROM handoff_tickets WHERE status IN ({','.join('?' * len(statuses))})"
            " ORDER BY priority, created_at, id",
            statuses,
        ).fetchall()
        return [Ticket.from_row(row) for row in rows]

    def lines_of(self, ticket_ids: Sequence[int]) -> Dict[int, List[TranscriptLine]]:
        """Transcripts of several tickets in one query (the queue's countdowns and previews)."""
        out: Dict[int, List[TranscriptLine]] = {ticket_id: [] for ticket_id in ticket_ids}
        for start in range(0, len(ticket_ids), 500):
            chunk = list(ticket_ids[start:start + 500])
            rows = self.conn.execute(
                f"SELECT ticket_id, sender, text, ts, source_key, agent FROM handoff_messages"
                f" WHERE ticket_id IN ({','.join('?' * len(chunk))}) ORDER BY ts, id", chunk).fetchall()
            for row in rows:
                out[row["ticket_id"]].append(TranscriptLine(row["sender"], row["text"], row["ts"], row["source_key"], row["agent"]))
        return out

    def newest_id(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM handoff_tickets").fetchone()[0])

    def search(
        self,
        *,
        text: Optional[str] = None,
        order_id: Optional[str] = None,
        buyer: Optional[str] = None,
        product_id: Optional[str] = None,
        platform: Optional[str] = None,
        status: Optional[str] = None,
        since: Optional[float] = None,
        until: Optional[float] = None,
        limit: int = 50,
    ) -> List[Ticket]:
        """Tickets (closed ones included), newest first, matching every criterion given.

        ``text`` matches any transcript line; ``buyer`` matches the conversation id."""
        where, params = [], []  # type: List[str], List[Any]
        for column, value in (("order_id", order_id), ("product_id", product_id), ("platform", platform),
                              ("status", status)):
            if value:
                where.append(f"t.{column} = ?")
                params.append(value)
        if buyer:
            where.append("instr(t.conversation_id, ?) > 0")
            params.append(buyer)
        if since is not None:
            where.append("t.created_at >= ?")
            params.append(since)
        if until is not None:
            where.append("t.created_at < ?")
            params.append(until)
        if text:
            where.append("EXISTS (SELECT 1 FROM handoff_messages m WHERE m.ticket_id = t.id AND instr(m.text, ?) > 0)")
            params.append(text)
        sql = "SELECT t.* FROM handoff_tickets t" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.conn.execute(sql + " ORDER BY t.created_at DESC, t.id DESC LIMIT ?",
                                 (*params, max(1, min(limit, 200)))).fetchall()
        return [Ticket.from_row(row) for row in rows]

    def waiting_ahead(self, priority: int) -> int:
        """Unclaimed tickets a new ticket of ``priority`` would wait behind."""
        row = self.conn.execute(
            "SELECT COUNT(*) AS n FROM handoff_tickets WHERE status = 'open' AND priority <= ?", (priority,)
        ).fetchone()
        return int(row["n"])

    def average_handling_minutes(self, last: int = 20) -> float:
        rows = self.conn.execute(
            "SELECT closed_at - COALESCE(claimed_at, created_at) AS seconds FROM handoff_tickets"
            " WHERE status = 'closed' ORDER BY closed_at DESC LIMIT ?",
            (last,),
        ).fetchall()
        durations = sorted(row["seconds"] / 60 for row in rows if row["seconds"] is not None)
        if not durations:
            return DEFAULT_HANDLING_MINUTES
        return durations[len(durations) // 2]

    # --- transcript -------------------------------------------------------------------------------

    def append(self, ticket_id: int, lines: Iterable[TranscriptLine]) -> int:
        """Append lines (deduplicated by source_key); returns how many were new."""
        with transaction(self.conn) as conn:
            return self._append(conn, ticket_id, lines)

    @staticmethod
    def append_within(conn: Any, ticket_id: int, lines: Iterable[TranscriptLine]) -> int:
        """:meth:`append` inside the caller's transaction on ``conn`` (ticket sync moves its feed
        cursor in the same one, so an event's lines are stored exactly once)."""
        return TicketStore._append(conn, ticket_id, lines)

    @staticmethod
    def _append(conn: sqlite3.Connection, ticket_id: int, lines: Iterable[TranscriptLine]) -> int:
        added = 0
        for line in lines:
            cursor = conn.execute(
                "INSERT INTO handoff_messages (ticket_id, sender, text, ts, source_key, agent)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (ticket_id, line.sender, line.text, line.ts, line.source_key, line.agent),
            )
            added += cursor.rowcount
        return added

    # --- agent actions ----------------------------------------------------------------------------

    def claim(self, ticket_id: int, agent: str, now: Optional[float] = None) -> Ticket:
        """Take a ticket. Claiming one's own ticket again is fine; anyone else's is a conflict."""
        with transaction(self.conn) as conn:
            ticket = self._locked(conn, ticket_id)
            if ticket["status"] == "closed":
                raise ClaimConflict(f"工单 {ticket_id} 已结束")
            if ticket["status"] == "claimed" and ticket["agent"] != agent:
                raise ClaimConflict(f"工单 {ticket_id} 已由 {ticket['agent']} 认领")
            conn.execute(
                "UPDATE handoff_tickets SET status = 'claimed', agent = ?, claimed_at = COALESCE(claimed_at, ?)"
                " WHERE id = ?",
                (agent, time.time() if now is None else now, ticket_id),
            )
        return self.get(ticket_id)

    def release(self, ticket_id: int, agent: str) -> Ticket:
        with transaction(self.conn) as conn:
            self._require_holder(conn, ticket_id, agent)
            conn.execute(
                "UPDATE handoff_tickets SET status = 'open', agent = NULL, claimed_at = NULL WHERE id = ?",
                (ticket_id,),
            )
        return self.get(ticket_id)

    def require_holder(self, ticket_id: int, agent: str) -> Ticket:
        """The ticket, if ``agent`` holds it; else :class:`ClaimConflict`."""
        with transaction(self.conn) as conn:
            self._require_holder(conn, ticket_id, agent)
        return self.get(ticket_id)

    def add_agent_reply(self, ticket_id: int, agent: str, text: str, now: Optional[float] = None) -> None:
        ts = time.time() if now is None else now
        self.append(ticket_id, [TranscriptLine("agent", text, ts, f"agent:{ts:.6f}", agent)])

    def recall(self, ticket_id: int, agent: str, source_key: str, now: Optional[float] = None) -> TranscriptLine:
        """Mark the holder's own reply ``source_key`` recalled (within RECALL_SECONDS); a system line says so."""
        now = time.time() if now is None else now
        with transaction(self.conn) as conn:
            self._require_holder(conn, ticket_id, agent)
            row = conn.execute("SELECT sender, text, ts, source_key, agent FROM handoff_messages"
                               " WHERE ticket_id = ? AND source_key = ?", (ticket_id, source_key)).fetchone()
            if row is None or row["sender"] != "agent" or row["agent"] != agent:
                raise TicketNotFound("没有这条可以撤回的客服消息")
            if now - row["ts"] > RECALL_SECONDS:
                raise ClaimConflict(f"只能撤回 {RECALL_SECONDS // 60} 分钟内发送的消息")
            if conn.execute("SELECT 1 FROM handoff_recalls WHERE ticket_id = ? AND source_key = ?",
                            (ticket_id, source_key)).fetchone():
                raise ClaimConflict("这条消息已经撤回")
            conn.execute("INSERT INTO handoff_recalls (ticket_id, source_key, agent, ts) VALUES (?, ?, ?, ?)",
                         (ticket_id, source_key, agent, now))
            self._append(conn, ticket_id, [TranscriptLine("system", f"{agent} 撤回了一条消息", now,
                                                          f"recall:{source_key}", agent)])
        self.audit("recall", agent=agent, ticket_id=ticket_id, detail=source_key)
        return TranscriptLine(row["sender"], row["text"], row["ts"], row["source_key"], row["agent"])

    def recalled(self, ticket_id: int) -> set:
        rows = self.conn.execute("SELECT source_key FROM handoff_recalls WHERE ticket_id = ?", (ticket_id,)).fetchall()
        return {row["source_key"] for row in rows}

    def transfer(self, ticket_id: int, agent: str, to_agent: str, note: str = "", *,
                 supervisor: bool = False, now: Optional[float] = None) -> Ticket:
        """Hand a claimed ticket to ``to_agent`` with a note (the holder, or a supervisor, may)."""
        ts = time.time() if now is None else now
        with transaction(self.conn) as conn:
            row = self._locked(conn, ticket_id) if supervisor else self._require_holder(conn, ticket_id, agent)
            if row["status"] == "closed":
                raise ClaimConflict(f"工单 {ticket_id} 已结束")
            if to_agent == row["agent"]:
                raise TicketError(f"工单 {ticket_id} 已由 {to_agent} 处理")
            conn.execute("UPDATE handoff_tickets SET status = 'claimed', agent = ?, claimed_at = COALESCE(claimed_at, ?)"
                         " WHERE id = ?", (to_agent, ts, ticket_id))
            line = f"{agent} 转接给 {to_agent}" + (f"：{note}" if note else "")
            self._append(conn, ticket_id, [TranscriptLine("system", line, ts, f"transfer:{ts:.6f}", agent)])
        self.audit("transfer", agent=agent, ticket_id=ticket_id, detail=f"to {to_agent}")
        return self.get(ticket_id)

    def close(self, ticket_id: int, agent: str, outcome: str, now: Optional[float] = None) -> Ticket:
        with transaction(self.conn) as conn:
            self._require_holder(conn, ticket_id, agent)
            conn.execute(
                "UPDATE handoff_tickets SET status = 'closed', closed_at = ?, outcome = ? WHERE id = ?",
                (time.time() if now is None else now, outcome, ticket_id),
            )
        return self.get(ticket_id)

    def close_unclaimed(self, ticket_id: int, outcome: str, now: Optional[float] = None) -> bool:
        """Close an open ticket no agent claimed (the bot answers again: kefu.inbox.webchat); False when
        it was claimed or closed meanwhile (then it stays with its agent)."""
        cursor = self.conn.execute(
            "UPDATE handoff_tickets SET status = 'closed', closed_at = ?, outcome = ? WHERE id = ? AND status = 'open'",
            (time.time() if now is None else now, outcome, ticket_id))
        if cursor.rowcount == 1:
            self.audit("close", agent=None, ticket_id=ticket_id, detail=outcome)
        return cursor.rowcount == 1

    def audit(self, action: str, *, agent: Optional[str], ticket_id: Optional[int], detail: str = "") -> None:
        self.conn.execute(
            "INSERT INTO handoff_audit (ts, agent, ticket_id, action, detail) VALUES (?, ?, ?, ?, ?)",
            (time.time(), agent, ticket_id, action, detail),
        )

    def audit_log(self, ticket_id: Optional[int] = None) -> List[Dict[str, Any]]:
        if ticket_id is None:
            rows = self.conn.execute("SELECT * FROM handoff_audit ORDER BY id").fetchall()
        else:
            rows = self.conn.execute("SELECT * FROM handoff_audit WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [dict(row) for row in rows]

    @staticmethod
    def _locked(conn: sqlite3.Connection, ticket_id: int) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM handoff_tickets WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise TicketNotFound(f"工单 {ticket_id} 不存在")
        return row

    def _require_holder(self, conn: sqlite3.Connection, ticket_id: int, agent: str) -> sqlite3.Row:
        row = self._locked(conn, ticket_id)
        if row["status"] != "claimed" or row["agent"] != agent:
            holder = row["agent"] or "nobody"
            raise ClaimConflict(f"工单 {ticket_id} 当前状态 {row['status']}（处理人 {holder}），请先认领")
        return row


def repair_text(text: str) -> str:
    """Lone UTF-16 surrogates (half an emoji) -> U+FFFD, so the line can be stored and shown."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def transcript_from_events(events: Iterable[Mapping[str, Any]], since: Optional[float] = None) -> List[TranscriptLine]:
    """Buyer and bot lines from a Rasa tracker's events (dicts as in the tracker JSON).

    Bot events pushed by the console carry ``metadata.kefu_agent`` and are
    skipped: the console records agent replies itself, as ``agent`` lines.
    """
    lines: List[TranscriptLine] = []
    for event in events or ():
        if not isinstance(event, Mapping):
            continue
        kind = event.get("event")
        text = event.get("text")
        ts = event.get("timestamp")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
            continue
        if not isinstance(ts, (int, float)):
            continue
        if since is not None and ts < since:
            continue
        if kind == "bot" and (event.get("metadata") or {}).get("kefu_agent"):
            continue
        sender = "buyer" if kind == "user" else "bot"
        lines.append(TranscriptLine(sender, repair_text(text), float(ts), f"rasa:{kind}:{ts!r}"))
    return lines
