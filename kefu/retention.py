"""Retention of buyers' personal data (PIPL): ``kefu purge`` removes it from old conversations and tickets.

The Personal Information Protection Law (个人信息保护法, art. 19) keeps personal
information no longer than the purpose needs. kefu needs a conversation's words
while the buyer may still come back about it (the return window, a complaint);
after ``KEFU_RETENTION_DAYS`` (default 180) days they go. What is removed, older
than the cut-off:

* Rasa's tracker store (``conversations.db``) and the event feed its broker fills
  (``conversation_events``, kefu.feed): the text, metadata and parsed text of every buyer
  and bot message;
* tickets: every transcript line's text, the ticket's detail; the web chat's log;
* tasks done, address changes and invoice requests: summaries, addresses, titles, tax
  numbers and e-mails; the guard's audit of rewritten messages;
* the durable inbox's handled messages and agents' replies queued for REST buyers once taken;
* images buyers and agents sent (the files under the state folder's ``media/`` and their records);
* the bridge's buyer nicknames; the values of old slot events (the dialogue state may hold a number
  the buyer typed as an order number) and the numbers of old proof attempts.

Rows are kept, with their times, platforms, reasons, outcomes and counts, so
reports (``kefu report``) over old periods still add up; only the personal content
becomes :data:`PURGED`. Run it daily (cron or a systemd timer: ``kefu purge``);
``--dry-run`` counts what would go. docs/privacy.md says the same for the shop.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, Optional

from kefu.db import connect, table_names, transaction
from kefu.settings import Settings
from kefu.cli import CommandError

PURGED = "[已按保留期限清除]"
# (table, time column, time kind, SET clause, extra condition) in kefu.db
_KEFU_DB = (
    ("handoff_messages", "ts", "epoch", f"text = '{PURGED}'", f"text != '{PURGED}'"),
    ("handoff_tickets", "created_at", "epoch", "detail = ''", "status = 'closed' AND detail != ''"),
    ("handoff_chat_messages", "ts", "epoch", f"text = '{PURGED}', payload = NULL", f"text != '{PURGED}'"),
    ("tasks", "created_at", "epoch", f"summary = '{PURGED}', details = '{{}}'",
     f"status = 'done' AND summary != '{PURGED}'"),
    ("shop_address_changes", "created_at", "iso", f"new_address = '{PURGED}'", f"new_address != '{PURGED}'"),
    ("shop_invoice_requests", "created_at", "iso", f"title = '{PURGED}', tax_number = NULL, email = NULL",
     f"title != '{PURGED}'"),
    ("guard_audit", "created_at", "epoch", f"original = '{PURGED}', sent = '{PURGED}'", f"original != '{PURGED}'"),
    ("bridge_conversations", "last_seen", "epoch", f"buyer_id = '{PURGED}'", f"buyer_id != '{PURGED}'"),
    # The numbers buyers typed as order numbers (an ID or card number among them); the limit needs a day.
    ("proof_attempts", "at", "epoch", f"order_id = '{PURGED}'", f"order_id != '{PURGED}'"),
    # The durable inbox (kefu.inbox): each message's words, metadata and the replies it got, once handled.
    ("inbox_messages", "received_at", "epoch", f"text = '{PURGED}', metadata = '{{}}', replies = NULL, detail = NULL",
     f"text != '{PURGED}' AND handled_at IS NOT NULL"),
    # Agents' notes on a buyer's profile (客户资料): free text, often a phone or an address.
    ("handoff_customer_notes", "ts", "epoch", f"text = '{PURGED}'", f"text != '{PURGED}'"),
    # Agents' replies queued for REST buyers (kefu.handoff.outbox), once taken.
    ("handoff_outbox", "queued_at", "epoch", f"text = '{PURGED}'", f"text != '{PURGED}' AND taken_at IS NOT NULL"),
)


def purge_kefu_db(db_path: Any, cutoff: float, *, dry_run: bool = False) -> Dict[str, int]:
    """Personal content older than ``cutoff`` (unix seconds) removed from kefu's own tables; rows kept."""
    conn = connect(db_path)
    counts: Dict[str, int] = {}
    sqlite = isinstance(conn, sqlite3.Connection)
    try:
        if sqlite:  # overwrite what is removed instead of leaving it in free pages
            conn.execute("PRAGMA secure_delete = ON")
        present = table_names(conn)
        iso_cutoff = dt.datetime.fromtimestamp(cutoff, dt.timezone.utc).isoformat()
        with transaction(conn) as tx:
            for table, column, kind, assignment, condition in _KEFU_DB:
                if table not in present:
                    continue
                bound = cutoff if kind == "epoch" else iso_cutoff
                where = f"{column} < ? AND {condition}"
                if dry_run:
                    row = tx.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", (bound,)).fetchone()
                    counts[table] = int(row[0])
                else:
                    counts[table] = tx.execute(f"UPDATE {table} SET {assignment} WHERE {where}", (bound,)).rowcount
        if sqlite and not dry_run:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no old page left in the write-ahead log
    finally:
        conn.close()
    return counts


def _purged_event(data: str) -> Optional[str]:
    """The event's JSON without the message's words (a slot: without its value, which may hold what the
    buyer typed, e.g. a number read as an order number), or None when there is nothing to remove."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    if event.get("event") == "slot":
        if event.get("value") is None:
            return None
        event["value"] = None
        return json.dumps(event, ensure_ascii=False)
    if event.get("text") == PURGED:
        return None
    event["text"] = PURGED
    event.pop("metadata", None)
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        parse["text"] = PURGED
        parse["entities"] = []
    data_field = event.get("data")
    if isinstance(data_field, dict):
        event["data"] = {}
    return json.dumps(event, ensure_ascii=False)


def purge_trackers(tracker_db: Path, cutoff: float, *, dry_run: bool = False) -> int:
    """Words of buyer and bot messages older than ``cutoff`` removed from Rasa's SQL tracker store."""
    if not Path(tracker_db).exists():
        return 0
    conn = sqlite3.connect(str(tracker_db), timeout=30)
    conn.execute("PRAGMA secure_delete = ON")
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "events" not in tables:
            return 0
        rows = conn.execute("SELECT id, data FROM events WHERE timestamp < ? AND type_name IN ('user', 'bot', 'slot')",
                            (cutoff,)).fetchall()
        changed = [(new, row_id) for row_id, data in rows if (new := _purged_event(data)) is not None]
        if not dry_run and changed:
            with conn:
                conn.executemany("UPDATE events SET data = ? WHERE id = ?", changed)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(changed)
    finally:
        conn.close()


def purge_media(db_path: Any, folder: Path, cutoff: float, *, dry_run: bool = False) -> int:
    """Images buyers and agents sent (kefu.handoff.media) older than ``cutoff``: file and record deleted
    (a photo may show a face, a waybill, an address); the transcript's line is purged with the rest."""
    conn = connect(db_path)
    try:
        if "handoff_media" not in table_names(conn):
            return 0
        names = [row[0] for row in conn.execute("SELECT name FROM handoff_media WHERE created_at < ?", (cutoff,))]
        if dry_run:
            return len(names)
        for name in names:
            (Path(folder) / name).unlink(missing_ok=True)
        with transaction(conn) as tx:
            tx.execute("DELETE FROM handoff_media WHERE created_at < ?", (cutoff,))
    finally:
        conn.close()
    return len(names)


def purge_feed(db_path: Any, cutoff: float, *, dry_run: bool = False) -> int:
    """The same for the event feed Rasa's broker fills (kefu.feed, in kefu's database): rows kept, words gone."""
    conn = connect(db_path)
    try:
        conn.execute("PRAGMA secure_delete = ON")  # SQLite overwrites what is removed (PostgreSQL: no-op)
        if "conversation_events" not in table_names(conn):
            return 0
        rows = conn.execute("SELECT id, data FROM conversation_events WHERE timestamp < ?"
                            " AND type_name IN ('user', 'bot', 'slot')", (cutoff,)).fetchall()
        changed = [(new, row[0]) for row in rows if (new := _purged_event(row[1])) is not None]
        if not dry_run and changed:
            with transaction(conn) as tx:
                tx.executemany("UPDATE conversation_events SET data = ? WHERE id = ?", changed)
        return len(changed)
    finally:
        conn.close()


def purge(settings: Settings, days: Optional[int] = None, *, dry_run: bool = False,
          now: Optional[float] = None) -> Dict[str, int]:
    """Everything older than ``days`` (default ``settings.retention_days``); counts per store."""
    keep = settings.retention_days if days is None else days
    if keep < 1:
        raise ValueError("the retention period is at least 1 day")
    cutoff = (time.time() if now is None else now) - keep * 86400
    feed = purge_feed(settings.db_path, cutoff, dry_run=dry_run)  # first: kefu.db's checkpoint follows
    counts = purge_kefu_db(settings.db_path, cutoff, dry_run=dry_run)
    counts["conversations.db events"] = purge_trackers(settings.tracker_db_path, cutoff, dry_run=dry_run)
    counts["media files"] = purge_media(settings.db_path, settings.state_dir / "media", cutoff, dry_run=dry_run)
    counts["conversation_events"] = feed
    return counts


def cmd_purge(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        counts = purge(settings, args.days, dry_run=args.dry_run)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    days = settings.retention_days if args.days is None else args.days
    verb = "would remove" if args.dry_run else "removed"
    print(f"kefu purge: personal data older than {days} days {verb} (rows and counts kept):")
    for store, count in counts.items():
        print(f"  {store:28} {count}")
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    purge_parser = subparsers.add_parser(
        "purge", help="remove buyers' personal data from conversations and tickets older than the retention period")
    purge_parser.add_argument("--days", type=int, default=None,
                              help="retention period in days (default KEFU_RETENTION_DAYS, 180)")
    purge_parser.add_argument("--dry-run", action="store_true", help="count what would be removed, change nothing")
    purge_parser.set_defaults(func=cmd_purge)


__all__ = ["PURGED", "purge", "purge_feed", "purge_kefu_db", "purge_trackers", "register"]
