"""The conversation's platform: fixed by its first message, kept whatever comes later."""

from __future__ import annotations

import sqlite3

from kefu.edge.platform_store import ConversationPlatformStore
from kefu.shop.config import default_platform
from kefu.settings import Settings
from tests.faults import locked, read_only


def test_first_message_fixes_the_platform_and_later_metadata_cannot_move_it(settings: Settings) -> None:
    store = ConversationPlatformStore(settings.db_path)
    assert store.fix("b1", "pinduoduo") == "pinduoduo"
    assert store.fix("b1", "taobao") == "pinduoduo"  # 「我是在淘宝买的」 or a second metadata value
    assert store.fix("b1", None) == "pinduoduo"
    fresh = ConversationPlatformStore(settings.db_path)  # another process (the console, a restart)
    assert fresh.platform_of("b1") == "pinduoduo"


def test_no_metadata_at_the_first_message_means_the_shop_default_for_good(settings: Settings) -> None:
    store = ConversationPlatformStore(settings.db_path)
    assert store.fix("b2", None) == default_platform()
    other = "jd" if default_platform() != "jd" else "douyin"
    assert store.fix("b2", other) == default_platform()
    row = sqlite3.connect(settings.db_path).execute(
        "SELECT platform, source FROM conversation_platform WHERE conversation_id = 'b2'").fetchone()
    assert row == (default_platform(), "default")


def test_a_read_only_database_keeps_the_choice_in_memory_and_saves_it_later(settings: Settings) -> None:
    store = ConversationPlatformStore(settings.db_path)
    store.fix("warm-up", "jd")
    store.close_connection()
    with read_only(settings.db_path):
        assert store.fix("b3", "douyin") == "douyin"
        assert store.fix("b3", "taobao") == "douyin"
    assert store.fix("b3", "taobao") == "douyin"  # the write that failed is made now
    assert ConversationPlatformStore(settings.db_path).platform_of("b3") == "douyin"


def test_a_locked_database_does_not_change_a_known_conversation(settings: Settings) -> None:
    store = ConversationPlatformStore(settings.db_path)
    store.fix("b4", "taobao")
    with locked(settings.db_path):
        assert store.fix("b4", "pinduoduo") == "taobao"  # answered from memory, no wait on the lock
