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


def test_turns_during_a_read_only_database_are_kept_and_written_later(tmp_path: Path) -> None:
    async def run() -> None:
        db = tmp_path / "conversations.db"
        store = ResilientSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))
        tracker = DialogueStateTracker("b1", [])
        turn(tracker, "你好", "您好")
        await store.save(tracker)
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
        fresh = ResilientSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))
        assert texts(await fresh.retrieve("b1")) == ["你好", "您好", "转人工", "已为您转接", "人呢", "请稍等"]

    asyncio.run(run())


def test_a_locked_database_keeps_other_conversations_and_flushes_them(tmp_path: Path) -> None:
    async def run() -> None:
        db = tmp_path / "conversations.db"
        store = ResilientSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))
        first = DialogueStateTracker("b2", [])
        turn(first, "在吗", "在的")
        await store.save(first)
        with locked(db):
            other = DialogueStateTracker("b3", [])
            turn(other, "发货了吗", "已发货")
            await store.save(other)
            assert store.unsaved == 1
        turn(first, "谢谢", "不客气")
        await store.save(first)  # a later success also writes what waited
        fresh = ResilientSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))
        assert texts(await fresh.retrieve("b3")) == ["发货了吗", "已发货"]

    asyncio.run(run())
