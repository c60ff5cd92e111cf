"""`kefu purge` (issue 18 #7): personal data older than the retention period leaves the stores; counts stay."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kefu.feed import EventFeed
from kefu.handoff.chatlog import ChatLog
from kefu.handoff.profile import ProfileStore
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.retention import PURGED, purge
from kefu.settings import Settings
from kefu.tasks import TaskStore

DAY = 86400.0
OLD_PHONE = "13957902468"
NEW_PHONE = "18611112222"


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"KEFU_STATE_DIR": str(tmp_path)})


def _tracker_db(path: Path, old: float, new: float) -> None:
    """The columns of Rasa's SQLTrackerStore ``events`` table, with a buyer message old and new."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL,"
                 " intent_name TEXT, action_name TEXT, data TEXT)")
    for ts, phone in ((old, OLD_PHONE), (new, NEW_PHONE)):
        event = {"event": "user", "timestamp": ts, "text": f"我电话{phone}", "metadata": {"order_id": "1"},
                 "parse_data": {"text": f"我电话{phone}", "entities": [{"value": phone}], "intent": {"name": "inform"}}}
        conn.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                     ("buyer-1", ts, json.dumps(event, ensure_ascii=False)))
    conn.commit()
    conn.close()


def test_old_personal_data_goes_counts_stay(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    now = time.time()
    old, new = now - 40 * DAY, now - 1 * DAY
    tickets = TicketStore(settings.db_path)
    for conv, ts, phone in (("old-conv", old, OLD_PHONE), ("new-conv", new, NEW_PHONE)):
        ticket, _ = tickets.create(conversation_id=conv, platform="taobao", reason="complain", priority=2,
                                   detail=f"电话 {phone}", transcript=[TranscriptLine("buyer", f"我电话{phone}", ts, f"k{ts}")],
                                   now=ts)
        if conv == "old-conv":
            tickets.claim(ticket.id, "lin", now=ts)
            tickets.close(ticket.id, "lin", "resolved", now=ts)
    ChatLog(settings.db_path).add("old-conv", "buyer", f"我电话{OLD_PHONE}")
    conn = sqlite3.connect(settings.db_path)
    conn.execute("UPDATE handoff_chat_messages SET ts = ?", (old,))
    conn.commit()
    conn.close()
    tasks = TaskStore(settings.db_path)
    task = tasks.create("address_change", conversation_id="old-conv", platform="taobao",
                        summary=f"改地址，电话 {OLD_PHONE}", now=old)
    tasks.done(task.id, "lin", now=old)
    profiles = ProfileStore(settings.db_path)
    profiles.add_note("shop", "buyer-1", f"老客户，电话{OLD_PHONE}", "lin")
    profiles.conn.execute("UPDATE handoff_customer_notes SET ts = ?", (old,))
    profiles.conn.commit()
    profiles.add_note("shop", "buyer-1", f"新号码{NEW_PHONE}", "lin")
    _tracker_db(settings.tracker_db_path, old, new)
    feed = EventFeed(settings.db_path)  # the same messages as Rasa's event broker publishes them
    for ts, phone in ((old, OLD_PHONE), (new, NEW_PHONE)):
        feed.append({"sender_id": "buyer-1", "event": "user", "timestamp": ts, "text": f"我电话{phone}",
                     "parse_data": {"text": f"我电话{phone}", "entities": [{"value": phone}], "intent": {"name": "inform"}}})
    feed.close_connection()

    counts = purge(settings, days=30, now=now)

    assert counts["handoff_messages"] == 1 and counts["handoff_chat_messages"] == 1 and counts["tasks"] == 1
    assert counts["handoff_tickets"] == 1 and counts["conversations.db events"] == 1
    assert counts["handoff_customer_notes"] == 1 and counts["conversation_events"] == 1
    assert [note["text"] for note in profiles.notes("shop", "buyer-1")] == [f"新号码{NEW_PHONE}", PURGED]
    # Gone from the files themselves (secure delete, WAL checkpointed), not only from the rows.
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert OLD_PHONE.encode() not in raw
    assert NEW_PHONE.encode() in raw  # what is newer than 30 days stays
    old_ticket = tickets.search(platform="taobao", status="closed")[0]
    assert [line.text for line in tickets.transcript(old_ticket.id)] == [PURGED]
    assert len(tickets.search(platform="taobao")) == 2  # the tickets themselves are still counted
    assert purge(settings, days=30, now=now)["handoff_messages"] == 0  # idempotent


def test_the_command_counts_without_changing_in_a_dry_run(tmp_path: Path) -> None:
    env = {"KEFU_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    TicketStore(_settings(tmp_path).db_path).create(
        conversation_id="c", platform="jd", reason="complain", priority=2,
        transcript=[TranscriptLine("buyer", "旧消息", time.time() - 400 * DAY, "k")])
    done = subprocess.run([sys.executable, "-m", "kefu", "purge", "--dry-run"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "would remove" in done.stdout and "handoff_messages             1" in done.stdout
    refused = subprocess.run([sys.executable, "-m", "kefu", "purge", "--days", "0"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 2 and "at least 1 day" in refused.stderr and "Traceback" not in refused.stderr


def test_old_images_are_deleted_with_their_records(tmp_path: Path) -> None:
    from kefu.handoff.media import MediaStore
    from tests.handoff.test_rich_messages import png

    settings = _settings(tmp_path)
    media = MediaStore(settings.db_path, settings.state_dir / "media")
    now = time.time()
    old = media.save("old-conv", png(), "buyer", now=now - 40 * DAY)
    new = media.save("new-conv", png(), "buyer", now=now - DAY)
    assert purge(settings, days=30, now=now, dry_run=True)["media files"] == 1
    assert (settings.state_dir / "media" / old.name).exists()
    assert purge(settings, days=30, now=now)["media files"] == 1
    assert not (settings.state_dir / "media" / old.name).exists() and media.get(old.name) is None
    assert media.read(media.get(new.name)) == png()
