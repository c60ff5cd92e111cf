"""Workbench library: masking, response rules, quick phrases, login throttle, event-driven sync, report.

The sync tests write conversations with Rasa's own SQLTrackerStore (the real tracker
store the stack uses), then let the console's feed read them.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List

import pytest
import yaml

from kefu.handoff.phrases import PhraseError, load_phrases, parse_phrases
from kefu.masking import mask_data, mask_text
from kefu.tickets.response_rules import DEFAULTS, ResponseRuleError, countdown, parse_response_rules
from kefu.feed import EventFeed
from kefu.handoff.sync import TicketSync
from kefu.handoff.throttle import LoginThrottle
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.settings import PROJECT_ROOT

# --- masking -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, hidden, shown", [
    ("我电话 13812345678", "12345678", "138****5678"),
    ("电话 138 1234 5678 尽快", "1234 5678", "138****5678"),
    ("电话１３８１２３４５６７８", "１２３４", "138****5678"),
    ("打我电话一三八一二三四五六七八谢谢", "一二三四", "138****5678"),
    ("身份证 110101199003071234", "19900307", "110101********1234"),
    ("退款打到卡 4111 1111 1111 1111", "1111 1111 1111 1111", "4111********1111"),
])
def test_personal_numbers_are_masked_in_every_written_form(text: str, hidden: str, shown: str) -> None:
    masked = mask_text(text)
    assert hidden not in masked and shown in masked


@pytest.mark.parametrize("text", ["订单号 240501123456789012 还没到", "第一次买，三件一起发", "价格 1999 元", ""])
def test_order_numbers_and_ordinary_text_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_mask_data_reaches_nested_strings_and_keeps_other_values() -> None:
    data = {"order": {"手机": "13812345678", "金额": 499.0, "物流": [{"内容": "快递员 13912345678 派送中"}]}, "id": 7}
    masked = mask_data(data)
    assert masked["order"]["手机"] == "138****5678" and masked["order"]["金额"] == 499.0 and masked["id"] == 7
    assert "13912345678" not in json.dumps(masked, ensure_ascii=False)


# --- response rules ------------------------------------------------------------------------------


def test_defaults_follow_the_platforms_rules_and_shop_yml_overrides_them() -> None:
    assert DEFAULTS["taobao"].limit_seconds == DEFAULTS["pinduoduo"].limit_seconds == 180
    assert DEFAULTS["jd"].limit_seconds == 30
    rules = parse_response_rules({"jd": {"limit_seconds": 60}, "douyin": {"warn_seconds": 90, "label": "平均响应时长"}})
    assert rules["jd"].limit_seconds == 60 and rules["jd"].warn_seconds == 40
    assert rules["douyin"].warn_seconds == 90 and rules["douyin"].label == "平均响应时长"
    assert rules["taobao"] == DEFAULTS["taobao"]
    shop = yaml.safe_load((PROJECT_ROOT / "shop" / "shop.yml").read_text(encoding="utf-8"))
    assert parse_response_rules(shop.get("response_rules"))["pinduoduo"].limit_seconds == 180


@pytest.mark.parametrize("section, message", [
    ({"wechat": {"limit_seconds": 60}}, "unknown platform"),
    ({"jd": {"limit": 60}}, "unknown key(s) limit"),
    ({"jd": {"limit_seconds": 5}}, "limit_seconds"),
    ({"jd": {"limit_seconds": True}}, "limit_seconds"),
    ({"jd": {"limit_seconds": 60, "warn_seconds": 60}}, "warn_seconds"),
    ({"jd": {"bot_counts": "no"}}, "bot_counts"),
    ({"jd": 60}, "must be a mapping"),
    ([1, 2], "must be a mapping"),
])
def test_bad_response_rules_are_refused_with_the_key_named(section: Any, message: str) -> None:
    with pytest.raises(ResponseRuleError, match="shop.yml") as error:
        parse_response_rules(section)
    assert message in str(error.value)


def _lines(*pairs: Any) -> List[TranscriptLine]:
    return [TranscriptLine(sender, "…", ts) for sender, ts in pairs]


def test_countdown_starts_at_the_oldest_unanswered_buyer_message_and_turns_amber_then_red() -> None:
    rule = DEFAULTS["pinduoduo"]  # 180 s, amber from 120 s
    opened = 1000.0
    lines = _lines(("buyer", 900.0), ("bot", 905.0), ("buyer", 1010.0), ("buyer", 1050.0))
    # The bot's answer before the handoff does not count on Pinduoduo; the clock never starts before the ticket.
    assert countdown(lines, rule, opened, now=1060.0)["since"] == opened
    assert countdown(lines, rule, opened, now=1060.0)["state"] == "ok"
    assert countdown(lines, rule, opened, now=1130.0)["state"] == "warn"
    late = countdown(lines, rule, opened, now=1200.0)
    assert late["state"] == "late" and late["remaining_seconds"] == -20
    answered = lines + _lines(("agent", 1100.0))
    assert countdown(answered, rule, opened, now=1200.0) is None
    again = answered + _lines(("buyer", 1150.0))
    assert countdown(again, rule, opened, now=1160.0)["remaining_seconds"] == 170


def test_where_bot_replies_count_a_bot_answer_stops_the_clock() -> None:
    rule = parse_response_rules({"taobao": {"bot_counts": True}})["taobao"]
    assert countdown(_lines(("buyer", 10.0), ("bot", 12.0)), rule, 0.0, now=50.0) is None


# --- quick phrases -------------------------------------------------------------------------------


def test_the_shop_phrase_library_loads_clean_for_every_platform_and_is_searchable() -> None:
    library = load_phrases(PROJECT_ROOT / "shop" / "phrases.yml")
    assert len(library.phrases) >= 8 and len(library.groups()) >= 3
    assert library.search("/wl")[0].code == "wl"
    assert {p.code for p in library.search("退款")} >= {"tk"}
    rendered = library.get("tk").render({"订单号": "240501123456"})
    assert "240501123456" in rendered and "{订单号}" not in rendered
    assert "{商品名}" in library.get("th").render({})  # no value: the placeholder stays visible to the agent


@pytest.mark.parametrize("phrase, message", [
    ({"code": "wx", "text": "亲，加我微信聊"}, "wx on pinduoduo: blocked"),
    ({"code": "bb", "text": "亲，这个宝贝很好"}, "bb on pinduoduo: rewritten"),
    ({"code": "Bad Code", "text": "亲"}, "code must be"),
    ({"code": "v", "text": "亲，{买家名}您好"}, "unknown variable"),
    ({"code": "x", "text": "亲", "color": "red"}, "nothing else"),
    ({"code": "e", "text": "  "}, "text must be"),
])
def test_a_phrase_that_breaks_a_rule_or_the_format_stops_the_load(phrase: dict, message: str) -> None:
    with pytest.raises(PhraseError) as error:
        parse_phrases({"groups": {"测试": [phrase]}})
    assert message in str(error.value)


def test_duplicate_shortcodes_are_refused() -> None:
    with pytest.raises(PhraseError, match="already used"):
        parse_phrases({"groups": {"a": [{"code": "hi", "text": "亲，您好"}], "b": [{"code": "hi", "text": "亲，在的"}]}})


# --- login throttle ------------------------------------------------------------------------------


def test_throttle_per_account_and_per_address() -> None:
    throttle = LoginThrottle(per_account=3, per_address=5, window=60)
    for _ in range(3):
        assert throttle.retry_after("lin", "10.0.0.1", now=100) == 0
        throttle.failed("lin", "10.0.0.1", now=100)
    assert throttle.retry_after("lin", "10.0.0.9", now=101) > 0      # the account is paused, from any address
    assert throttle.retry_after("wang", "10.0.0.1", now=101) == 0    # another account from the address: not yet
    throttle.failed("wang", "10.0.0.1", now=101)
    throttle.failed("zhao", "10.0.0.1", now=101)
    assert throttle.retry_after("qian", "10.0.0.1", now=102) > 0     # spraying from one address is paused too
    assert throttle.retry_after("lin", "10.0.0.9", now=161) == 0     # the window passed
    throttle.succeeded("wang")
    assert throttle.retry_after("wang", "10.0.0.2", now=102) == 0


# --- event-driven ticket sync over Rasa's real SQL tracker store and kefu's event broker ------------


def _save_conversation(kefu_db: Path, sender: str, events: list) -> None:
    """Rasa's SQL tracker store (conversations.db beside ``kefu_db``) saves the conversation and, as in
    the running stack, publishes its new events through kefu's broker into the feed in ``kefu_db``."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from kefu_rasa.event_broker import KefuEventBroker

    broker = KefuEventBroker(EventFeed(kefu_db))
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(kefu_db.with_name("conversations.db")),
                            event_broker=broker)
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, [])
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert broker.flush(), f"the feed did not take the events ({broker.last_error})"
    asyncio.run(broker.close())


def test_sync_follows_the_event_feed_and_a_poisoned_event_blocks_nothing(tmp_path: Path) -> None:
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    kefu_db = tmp_path / "kefu.db"
    tickets = TicketStore(kefu_db)
    _save_conversation(kefu_db, "other-buyer", [UserUttered("你好")])
    now = time.time()
    first, _ = tickets.create(conversation_id="buyer-a", platform="taobao", reason="complain", priority=2, now=now - 5)
    second, _ = tickets.create(conversation_id="buyer-b", platform="jd", reason="request_human", priority=3, now=now - 5)
    sync = TicketSync(tickets, EventFeed(kefu_db))
    sync.step()

    _save_conversation(kefu_db, "buyer-a", [UserUttered("半个表情\ud83d也要收到"), SlotSet("dialogue_state", {"order_id": "240501123456"})])
    conn = sqlite3.connect(kefu_db)  # a row no JSON parser can read, between the two conversations
    conn.execute("INSERT INTO conversation_events (sender_id, type_name, timestamp, data)"
                 " VALUES ('buyer-a', 'user', ?, '{oops')", (time.time(),))
    conn.commit()
    conn.close()
    _save_conversation(kefu_db, "buyer-b", [UserUttered("人呢"), BotUttered("机器人的话")])
    _save_conversation(kefu_db, "no-ticket", [UserUttered("不该出现")])

    result = sync.step()
    assert result.skipped == 1
    texts_a = [line.text for line in tickets.get(first.id).transcript]
    assert texts_a == ["半个表情\ufffd也要收到"]  # kept, with the broken half replaced
    assert tickets.get(first.id).order_id == "240501123456"
    assert [(l.sender, l.text) for l in tickets.get(second.id).transcript] == [("buyer", "人呢"), ("bot", "机器人的话")]
    assert result.buyer_messages == {first.id: 1, second.id: 1} and result.lines_added[second.id] == 2
    assert sync.step().events_read == 0  # incremental: nothing new, nothing read

    third, _ = tickets.create(conversation_id="buyer-c", platform="douyin", reason="threat", priority=1)
    assert sync.step().new_tickets == [third.id]


def test_a_restarted_console_catches_up_on_what_arrived_while_it_was_down(tmp_path: Path) -> None:
    from rasa.shared.core.events import UserUttered

    kefu_db = tmp_path / "kefu.db"
    _save_conversation(kefu_db, "early", [UserUttered("很久以前")])
    time.sleep(0.05)
    tickets = TicketStore(kefu_db)
    ticket, _ = tickets.create(conversation_id="buyer-r", platform="taobao", reason="complain", priority=2)
    _save_conversation(kefu_db, "buyer-r", [UserUttered("我等了很久")])
    TicketSync(tickets, EventFeed(kefu_db)).step()  # a fresh console: cursor from the oldest open ticket
    assert [line.text for line in tickets.get(ticket.id).transcript] == ["我等了很久"]


def test_an_empty_feed_is_not_an_error(tmp_path: Path) -> None:
    tickets = TicketStore(tmp_path / "kefu.db")
    result = TicketSync(tickets, EventFeed(tmp_path / "kefu.db")).step()
    assert result.events_read == 0 and result.skipped == 0


# --- report over real stores ---------------------------------------------------------------------


def test_report_figures_from_the_event_feed_tickets_and_guard_audit(tmp_path: Path) -> None:
    from rasa.shared.core.events import BotUttered, UserUttered

    from kefu.guard.enforce import guard_outgoing
    from kefu.handoff.report import build_report, render_html, render_text
    from kefu.settings import Settings

    kefu_db = tmp_path / "kefu.db"
    settings = Settings(state_dir=tmp_path, db_path=kefu_db)
    said = lambda text, intent: UserUttered(text, intent={"name": intent, "confidence": 0.9},  # noqa: E731
                                            metadata={"platform": "pinduoduo"})
    _save_conversation(kefu_db, "answered", [said("有货吗", "ask_stock"), BotUttered("亲，有货哦")])
    _save_conversation(kefu_db, "fallback", [said("asdfgh", "nlu_fallback"), BotUttered("亲，没太明白"),
                                                said("发货时间", "ask_shipping_time"), BotUttered("亲，48小时内发货")])
    _save_conversation(kefu_db, "left-alone", [said("在吗", "greet")])
    _save_conversation(kefu_db, "handed", [said("我要投诉", "complain"), BotUttered("已为您转接人工客服")])
    _save_conversation(kefu_db, "assist:1:ab", [said("有货吗", "ask_stock")])  # a shadow: never counted
    tickets = TicketStore(kefu_db)
    opened = time.time() - 400
    ticket, _ = tickets.create(conversation_id="handed", platform="pinduoduo", reason="complain", priority=2, now=opened,
                               transcript=[TranscriptLine("buyer", "我要投诉", opened, "k1")])
    tickets.claim(ticket.id, "lin")
    tickets.add_agent_reply(ticket.id, "lin", "亲，非常抱歉", now=opened + 200)  # over Pinduoduo's 180 s
    tickets.close(ticket.id, "lin", "resolved")
    guard_outgoing("亲，这个宝贝很好", platform="pinduoduo", conversation_id="handed", source="agent:lin", settings=settings)
    guard_outgoing("亲，这个宝贝有货", platform="pinduoduo", conversation_id="answered", source="action", settings=settings)

    report = build_report(kefu_db, time.time() - 3600, time.time() + 1)
    assert report.conversations == 4 and report.buyer_messages == 5
    assert (report.unanswered, report.handed_off, report.disliked) == (1, 1, 0)
    assert report.resolution_rate == pytest.approx(1 - 2 / 4)
    assert report.fallback_rate == pytest.approx(1 / 5)
    assert dict(report.intents)["问库存"] == 1 and "未识别" in dict(report.intents)  # intent names in Chinese
    assert not [name for name, _ in report.intents if name.isascii()]
    assert report.verdicts["rewritten"] == 2 and dict(report.violations_by_category)["平台禁用词"] == 2
    assert report.within_rule == (0, 1) and report.first_response_seconds == pytest.approx(200, abs=1)
    human = report.sessions[0]
    assert (human["ticket_id"], human["violations"], human["late_replies"], human["score"]) == (ticket.id, 1, 1, 70)
    bots = {s["conversation_id"]: s["score"] for s in report.bot_sessions}
    assert bots == {"left-alone": 70, "fallback": 90, "answered": 90, "handed": 100}
    assert report.agents[0]["agent"] == "lin" and report.agents[0]["violations"] == 1
    text = render_text(report)
    assert "解决率 50.0%" in text and "兜底率 20.0%" in text and "#1 70分" in text
    html = render_html(report)
    assert html.count("<svg") >= 4 and "<script" not in html and "http" not in html.split("<main>")[1]
    only_jd = build_report(kefu_db, time.time() - 3600, time.time() + 1, platform="jd")
    assert only_jd.handed_off == 0 and only_jd.sessions == []


@pytest.mark.parametrize("scheme, ip, forwarded, secure", [
    ("https", "203.0.113.9", None, True),          # TLS straight to the web app
    ("http", "127.0.0.1", "https", True),          # the trusted local proxy terminated TLS
    ("http", "127.0.0.1", "https, http", True),    # the first hop is the client's
    ("http", "203.0.113.9", "https", False),       # anyone else claiming HTTPS is not believed
    ("http", "127.0.0.1", None, False),
    ("http", "127.0.0.1", "http", False),
])
def test_secure_cookies_only_believe_trusted_proxies(scheme: str, ip: str, forwarded: Any, secure: bool) -> None:
    from kefu.handoff.web.common import served_over_https
    from kefu.settings import Settings

    request = SimpleNamespace(scheme=scheme, ip=ip, headers={"x-forwarded-proto": forwarded} if forwarded else {},
                              app=SimpleNamespace(ctx=SimpleNamespace(settings=Settings(trusted_proxies="127.0.0.1,::1"))))
    assert served_over_https(request) is secure


def test_trusted_proxies_must_be_addresses() -> None:
    from kefu.settings import Settings

    assert Settings.from_env({"KEFU_TRUSTED_PROXIES": "10.0.0.1, ::1"}).trusted_proxy_set == {"10.0.0.1", "::1"}
    with pytest.raises(ValueError, match="proxy.local"):
        Settings.from_env({"KEFU_TRUSTED_PROXIES": "proxy.local"})


def test_an_agents_table_from_before_roles_gains_them_and_admin_stays_in_charge(tmp_path: Path) -> None:
    from kefu.handoff.auth import AgentStore, hash_password

    db = tmp_path / "kefu.db"
    conn = sqlite3.connect(db)  # the schema kefu shipped before roles existed
    conn.executescript("CREATE TABLE handoff_agents (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,"
                       " created_at REAL NOT NULL, last_login REAL);")
    for name in ("admin", "lin"):
        conn.execute("INSERT INTO handoff_agents VALUES (?, ?, 0, NULL)", (name, hash_password("old-password")))
    conn.commit()
    conn.close()
    store = AgentStore(db)
    roles = {agent.name: (agent.role, agent.disabled) for agent in store.agents()}
    assert roles == {"admin": ("supervisor", False), "lin": ("agent", False)}
    token, session = store.login("admin", "old-password")
    assert session.supervisor and store.session(token).supervisor
