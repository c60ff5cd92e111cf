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
from kefu.handoff.tickets import TicketStore
from kefu.settings import Settings
from kefu.tasks import TaskStore

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


def test_while_a_ticket_is_open_the_answer_is_one_acknowledgement(action) -> None:
    TicketStore(Settings.from_env().db_path).create(conversation_id="buyer-7", platform="jd", reason="complain",
                                                    priority=2)
    events, texts = run(action, tracker([user("黑色L有吗", "ask_stock", metadata={"platform": "jd", "product_id": "p1002"})]))
    assert len(texts) == 1 and "已经收到" in texts[0]
    _, texts = run(action, tracker([user("在吗", "greet", 2.0)], state_of(events)))
    assert texts == []


class Broken(ActionAnswer):
    """The real action with a shop store that fails, as a corrupt database would."""

    def context(self, tracker: Tracker, now: Any) -> Any:
        raise RuntimeError("database disk image is malformed")


def test_an_exception_becomes_a_holding_answer_and_a_ticket(store, config) -> None:
    events, texts = run(Broken(store=store, config=config, clock=lambda: NOON), tracker([user("黑色L有吗", "ask_stock")]))
    assert texts == ["亲，非常抱歉，系统刚刚开了个小差，已经为您转给同事核实，稍后会在这里回复您。"]
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


def test_every_task_kind_the_engine_creates_is_a_known_kind() -> None:
    """A promise whose task cannot be stored would end in a holding answer: the kinds must agree."""
    import re
    from pathlib import Path

    from kefu.tasks import TASK_KINDS

    source = (Path(__file__).resolve().parents[2] / "kefu" / "dialogue" / "engine.py").read_text(encoding="utf-8")
    used = set(re.findall(r'TaskRequest\(\s*"(\w+)"', source))
    assert used and used <= set(TASK_KINDS), used - set(TASK_KINDS)
