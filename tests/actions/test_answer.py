"""action_answer with rasa-sdk's real Tracker and CollectingDispatcher, a real SQLite shop and task store."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer
from kefu.dialogue.promises import TaskRequest
from kefu.tickets.store import TicketStore
from kefu.settings import Settings
from kefu.tasks import TASK_KINDS, TaskStore

NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def user(text: str, intent: str = "inform", ts: float = 1.0, metadata: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": ts, "metadata": metadata or {"platform": "jd"},
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": []}}


def tracker(events: List[Dict[str, Any]], state: Optional[Dict[str, Any]] = None, sender: str = "buyer-7") -> Tracker:
    latest = events[-1]["parse_data"] | {"metadata": events[-1]["metadata"]}
    return Tracker(sender, {"dialogue_state": state}, latest, events, False, None, {}, "action_listen")


def run(action: ActionAnswer, t: Tracker) -> "tuple[list, list]":
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, [m["text"] for m in dispatcher.messages]


@pytest.fixture
def action(store, config) -> ActionAnswer:
    return ActionAnswer(store=store, config=config, clock=lambda: NOON)


def state_of(events: List[dict]) -> Dict[str, Any]:
    return next(e["value"] for e in events if e.get("event") == "slot" and e["name"] == "dialogue_state")


def test_every_question_answered_and_state_kept_between_turns(action) -> None:
    meta = {"platform": "taobao", "product_id": "p1002"}
    events, texts = run(action, tracker([user("黑色XL有吗 发北京几天到", "ask_stock", metadata=meta)]))
    assert len(texts) == 2 and "黑色/XL" in texts[0] and "仅剩1件" in texts[0] and "12月3日至12月4日" in texts[1]
    events, texts = run(action, tracker([user("那L呢", metadata=meta)], state_of(events)))
    assert texts == ["亲，您好，加绒连帽卫衣（黑色/L）有现货，您可以放心下单哦。"]


def test_a_past_restock_date_becomes_a_restock_notice_task(action) -> None:
    run(action, tracker([user("灰色M有吗", "ask_stock", metadata={"platform": "jd", "product_id": "p1002"})]))
    [task] = TaskStore(Settings.from_env().db_path).list()
    assert task.kind == "restock_notice" and task.platform == "jd" and task.conversation_id == "buyer-7"


def test_an_address_change_is_stored_and_becomes_a_task(action, store) -> None:
    meta = {"platform": "douyin", "order_id": "2611301015864213579"}
    events, texts = run(action, tracker([user("地址填错了能改吗", "change_address", metadata=meta)]))
    assert "新的收货地址" in texts[0]
    _, texts = run(action, tracker([user("广东省深圳市福田区福华三路 88 号", metadata=meta)], state_of(events)))
    assert "已为您登记" in texts[0]
    assert [r["new_address"] for r in store.address_changes()] == ["广东省深圳市福田区福华三路 88 号"]
    [task] = TaskStore(Settings.from_env().db_path).list()
    assert task.kind == "address_change" and task.order_id == "2611301015864213579"


def test_a_second_miss_opens_a_ticket_in_the_same_turn(action) -> None:
    events, texts = run(action, tracker([user("阿巴阿巴", "nlu_fallback")]))
    assert "换个说法" in texts[0]
    _, texts = run(action, tracker([user("阿巴阿巴", "nlu_fallback"), user("呜啦啦", "nlu_fallback", 2.0)],
                                   state_of(events)))
    [ticket] = TicketStore(Settings.from_env().db_path).queue()
    assert ticket.reason == "fallback" and "人工客服" in texts[0] and len(texts) == 1


def _clocked(store, config, at: dt.datetime) -> ActionAnswer:
    return ActionAnswer(store=store, config=config, clock=lambda: at)


def test_while_a_buyer_waits_for_a_person_the_bot_answers_what_it_can(store, config) -> None:
    """Issue 16.8: 「两件便宜点 有券没」, 「周六能发吗」, 「能开个电子发票吗」 answered while queued (JD: 30 s)."""
    tickets = TicketStore(Settings.from_env().db_path)
    ticket, _ = tickets.create(conversation_id="buyer-7", platform="jd", reason="complain", priority=2)
    meta = {"platform": "jd", "product_id": "p1002"}
    events, texts = run(_clocked(store, config, NOON), tracker([user("黑色L有吗", "ask_stock", metadata=meta)]))
    assert len(texts) == 1 and "黑色/L" in texts[0] and "人工" not in texts[0]
    state = state_of(events)
    for ts, question, expected in ((2.0, "两件便宜点 有券没", "券"), (3.0, "周六能发吗", "周六"),
                                   (4.0, "能开个电子发票吗", "发票")):
        events, texts = run(_clocked(store, config, NOON), tracker([user(question, "inform", ts, meta)], state))
        assert texts and expected in "".join(texts) and "没有完全理解" not in "".join(texts), (question, texts)
        state = state_of(events)
    answered = [a for a in tickets.audit_log(ticket.id) if a["action"] == "answered_by_bot"]
    assert len(answered) == 4  # shown on the ticket as answered by the bot
    marked = [l.text for l in tickets.get(ticket.id).transcript if l.sender == "system"]
    assert len(marked) == 4 and all(m.startswith("智能客服已自动回复") for m in marked) and "周六" in marked[2]
    buyer_lines = [l.text for l in tickets.get(ticket.id).transcript if l.sender == "buyer"]
    assert buyer_lines == ["黑色L有吗", "两件便宜点 有券没", "周六能发吗", "能开个电子发票吗"]


def test_while_queued_a_status_at_most_every_few_minutes_never_the_same_twice(store, config) -> None:
    TicketStore(Settings.from_env().db_path).create(conversation_id="buyer-7", platform="jd", reason="complain",
                                                    priority=2)
    events, texts = run(_clocked(store, config, NOON), tracker([user("在吗", "greet", 1.0)]))
    assert len(texts) == 1 and "已经收到" in texts[0]
    state = state_of(events)
    events, texts = run(_clocked(store, config, NOON + dt.timedelta(minutes=1)), tracker([user("人呢", "greet", 2.0)], state))
    assert texts == []  # a minute later: quiet
    events, texts = run(_clocked(store, config, NOON + dt.timedelta(minutes=5)), tracker([user("人呢", "greet", 3.0)], state))
    assert len(texts) == 1 and "还在人工客服的队列" in texts[0]  # minutes later: a short status
    state = state_of(events)
    later = NOON + dt.timedelta(minutes=10)
    events, texts = run(_clocked(store, config, later), tracker([user("人呢", "greet", 3.5)], state))
    assert texts == []  # the queue did not move: the same status would repeat itself, so quiet
    TicketStore(Settings.from_env().db_path).create(conversation_id="other", platform="jd", reason="complain", priority=1)
    events, texts = run(_clocked(store, config, later), tracker([user("人呢", "greet", 4.0)], state))
    assert len(texts) == 1 and "队列" in texts[0] and "1位" in texts[0]  # something new to say, minutes later


def test_once_an_agent_took_the_chat_the_bot_is_quiet(store, config) -> None:
    tickets = TicketStore(Settings.from_env().db_path)
    ticket, _ = tickets.create(conversation_id="buyer-7", platform="jd", reason="complain", priority=2)
    tickets.claim(ticket.id, "agent-a")
    meta = {"platform": "jd", "product_id": "p1002"}
    _, texts = run(_clocked(store, config, NOON), tracker([user("黑色L有吗", "ask_stock", metadata=meta)]))
    assert texts == []
    assert [l.text for l in tickets.get(ticket.id).transcript if l.sender == "buyer"] == ["黑色L有吗"]


class Broken(ActionAnswer):
    """The real action with a shop store that fails, as a corrupt database would."""

    def context(self, tracker: Tracker, now: Any, settings: Any, platform: Any = None) -> Any:
        raise RuntimeError("database disk image is malformed")


def test_an_exception_becomes_a_holding_answer_and_a_ticket(store, config) -> None:
    events, texts = run(Broken(store=store, config=config, clock=lambda: NOON), tracker([user("黑色L有吗", "ask_stock")]))
    assert texts == ["亲，非常抱歉，系统正在处理中，您的问题已经记录并转交人工客服，客服会尽快回复您，请您稍等哦。"]
    [ticket] = TicketStore(Settings.from_env().db_path).queue()
    assert ticket.reason == "error" and "RuntimeError" in ticket.detail and events == []


def test_an_order_change_before_dispatch_becomes_a_task(action) -> None:
    meta = {"platform": "pinduoduo", "order_id": "2611301015864213579"}
    events, texts = run(action, tracker([user("拍错尺码了 能改吗", "inform", metadata=meta)]))
    assert "还没有发货" in texts[0]
    _, texts = run(action, tracker([user("改成黑色41", metadata=meta)], state_of(events)))
    assert "已为您登记" in texts[0] and "黑色/41" in texts[0]
    [task] = TaskStore(Settings.from_env().db_path).list()
    assert task.kind == "order_change" and task.kind_label == "发货前修改规格"


def test_a_promise_of_an_unknown_task_kind_fails_where_it_is_made() -> None:
    """A promise whose task cannot be stored would end in a holding answer: the kinds must agree,
    and every promise path the dialogue tests walk builds its TaskRequest through this check."""
    with pytest.raises(ValueError, match="unknown task kind"):
        TaskRequest("order_chnage", "改规格")
    assert all(TaskRequest(kind, "x").kind == kind for kind in TASK_KINDS)


@pytest.mark.parametrize("text, kind", [("能不能寄到国外 我在日本", "product_question"), ("能不能让快递放驿站 别打电话", "courier_remark"),
                                        ("还没发货的话帮我取消订单", "order_cancel"), ("怎么还没发货", "late_dispatch")])
def test_the_new_promises_become_tasks_a_person_sees(action, text, kind) -> None:
    meta = {"platform": "pinduoduo", "product_id": "p1002",
            "order_id": "2611220845123456701" if kind == "late_dispatch" else "2611301015864213579"}
    _, texts = run(action, tracker([user(text, "complain", metadata=meta)]))
    assert texts and "小差" not in texts[0]
    [task] = [t for t in TaskStore(Settings.from_env().db_path).list() if t.kind == kind]
    assert task.conversation_id == "buyer-7"


def test_while_a_buyer_waits_proof_attempts_are_limited_too(store, config) -> None:
    """The bot serving a waiting buyer answers through the same proof limit: six wrong tails, then the
    right one proves nothing (a person checks), and every attempt is on record."""
    from kefu.orders.ownership import ProofAttempts

    TicketStore(Settings.from_env().db_path).create(conversation_id="buyer-7", platform="jd", reason="complain",
                                                    priority=2)
    order = "2611200930456789012"  # shipped, tracking 78312456789012, receiver's phone ends in 4321
    state = None
    for ts, tail in enumerate(["0001", "0002", "0003", "0004", "0005", "0006", "4321"], start=1):
        events, texts = run(_clocked(store, config, NOON),
                            tracker([user(f"订单{order}到哪了 尾号{tail}", "ask_logistics", float(ts))], state))
        state = state_of(events) if events else state
    assert "78312456789012" not in "".join(texts)
    assert len(ProofAttempts(Settings.from_env().db_path).recent(order_id=order)) >= 7
