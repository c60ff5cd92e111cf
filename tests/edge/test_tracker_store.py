"""Rasa's tracker store on a read-only or locked conversations.db: the turns are kept, then stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from kefu_rasa.tracker_store import ResilientSQLTrackerStore
from tests.faults import locked, read_only


def texts(tracker: DialogueStateTracker) -> list:
    return [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))]


def turn(tracker: DialogueStateTracker, user: str, bot: str) -> None:
    tracker.update(UserUttered(user))
    tracker.update(BotUttered(bot))
    tracker.update(ActionExecuted("action_listen"))


def open_store(db: Path) -> ResilientSQLTrackerStore:
    """A store on ``db``, as Rasa builds it from endpoints.yml (a second call is another process's view)."""
    return ResilientSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))


async def started(store: ResilientSQLTrackerStore, sender: str, user: str, bot: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, [])
    turn(tracker, user, bot)
    await store.save(tracker)
    return tracker


def test_turns_during_a_read_only_database_are_kept_and_written_later(tmp_path: Path) -> None:
    async def run() -> None:
        db = tmp_path / "conversations.db"
        store = open_store(db)
        await started(store, "b1", "你好", "您好")
        with read_only(db):
            tracker = await store.retrieve("b1")
            turn(tracker, "转人工", "已为您转接")
            await store.save(tracker)  # fails inside, kept
            assert store.unsaved == 1
            again = await store.retrieve("b1")  # the dialogue goes on from the kept tracker
            assert texts(again) == ["你好", "您好", "转人工", "已为您转接"]
        tracker = await store.retrieve("b1")
        turn(tracker, "人呢", "请稍等")
        await store.save(tracker)
        assert store.unsaved == 0
        assert texts(await open_store(db).retrieve("b1")) == ["你好", "您好", "转人工", "已为您转接", "人呢", "请稍等"]

    asyncio.run(run())


def test_a_locked_database_keeps_other_conversations_and_flushes_them(tmp_path: Path) -> None:
    async def run() -> None:
        db = tmp_path / "conversations.db"
        store = open_store(db)
        first = await started(store, "b2", "在吗", "在的")
        with locked(db):
            await started(store, "b3", "发货了吗", "已发货")
            assert store.unsaved == 1
        turn(first, "谢谢", "不客气")
        await store.save(first)  # a later success also writes what waited
        assert texts(await open_store(db).retrieve("b3")) == ["发货了吗", "已发货"]

    asyncio.run(run())


def test_the_sqlite_store_keeps_one_pooled_connection_and_every_event(tmp_path: Path) -> None:
    """kefu's store (no patch of Rasa): one pooled connection, rollback journal, synchronous=NORMAL;
    every event is stored and read back in order (a second store on the file, like a restarted Rasa)."""
    import sqlalchemy as sa
    from rasa.shared.core.events import SlotSet

    domain = Domain.from_yaml("slots:\n  color:\n    type: text\n    mappings: [{type: custom}]\n")
    path = tmp_path / "conversations.db"
    store = ResilientSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker("buyer-1", domain.slots)
    turns = [UserUttered("卫衣黑色有货吗"), SlotSet("color", "黑色"), ActionExecuted("action_stock"),
             BotUttered("亲，加绒连帽卫衣（黑色/XL）目前仅剩1件了"), ActionExecuted("action_listen")]
    for event in turns:
        tracker.update(event)
        asyncio.run(store.save(tracker))
    assert isinstance(store.engine.pool, sa.pool.QueuePool)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"  # no WAL: no shared -shm map
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    again = asyncio.run(ResilientSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path)).retrieve("buyer-1"))
    assert [type(e).__name__ for e in again.events] == [type(e).__name__ for e in turns]
    assert again.get_slot("color") == "黑色" and again.latest_message.text == "卫衣黑色有货吗"
