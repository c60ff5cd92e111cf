"""The four workbench bugs of issue 19, each as a named regression test over real stores.

- the order panel named the ticket's product for another product's order;
- the violation list turned English (``off_platform_transaction``) after a blocked reply was refused;
- ticket sync watched the ``product_id``/``order_id`` slots the dialogue no longer sets;
- a buyer who wrote after an agent had replied was told 「已经转给人工客服…请您稍等」.

The browser half of the second bug is in ``test_browser.py``
(``test_regression_violation_list_stays_chinese_after_a_blocked_reply_in_the_page``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from kefu.handoff.auth import AgentStore
from kefu.feed import EventFeed
from kefu.handoff.sync import TicketSync
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.handoff.workbench import side_panel
from kefu.settings import PROJECT_ROOT
from tests.handoff.conftest import login
from tests.handoff.test_action import make_action, run, settings, tracker, user  # noqa: F401 (fixture)
from tests.handoff.test_workbench_units import _save_conversation

JEANS_ORDER = "2611151122334455667"  # p1004 高腰直筒牛仔裤


def test_regression_order_panel_shows_the_orders_own_product(tmp_path: Path) -> None:
    from kefu.shop.store import ShopStore, load_shop

    load_shop(PROJECT_ROOT / "shop", tmp_path / "kefu.db")
    tickets = TicketStore(tmp_path / "kefu.db")
    # The buyer came from the hoodie's page (p1002) and asks about a jeans order.
    ticket, _ = tickets.create(conversation_id="buyer-jeans", platform="pinduoduo", reason="complain", priority=2,
                               product_id="p1002", order_id=JEANS_ORDER)
    panel = side_panel(ShopStore(tmp_path / "kefu.db"), ticket)
    assert panel["order"]["商品"] == "高腰直筒牛仔裤"
    assert panel["product"]["名称"] == "加绒连帽卫衣"  # the product panel still shows the page's product


def test_regression_ticket_sync_follows_the_dialogue_state_not_the_dead_slots(tmp_path: Path) -> None:
    from rasa.shared.core.events import SlotSet, UserUttered

    kefu_db = tmp_path / "kefu.db"
    tickets = TicketStore(kefu_db)
    ticket, _ = tickets.create(conversation_id="buyer-s", platform="taobao", reason="complain", priority=2,
                               product_id="p1002")
    sync = TicketSync(tickets, EventFeed(kefu_db))
    sync.step()
    # What the dialogue writes today: one dialogue_state slot with the product and order it talks about.
    _save_conversation(kefu_db, "buyer-s", [UserUttered("我的订单2611151122334455667裤子开线了"),
                                                SlotSet("dialogue_state", {"product_id": "p1004",
                                                                           "order_id": JEANS_ORDER})])
    sync.step()
    synced = tickets.get(ticket.id)
    assert (synced.product_id, synced.order_id) == ("p1004", JEANS_ORDER)
    # The old slots are nobody's any more: a stray event with their names changes nothing.
    _save_conversation(kefu_db, "buyer-s", [SlotSet("order_id", "999"), SlotSet("product_id", "p9999")])
    sync.step()
    assert (tickets.get(ticket.id).product_id, tickets.get(ticket.id).order_id) == ("p1004", JEANS_ORDER)
    # A state without them (the buyer moved on to chit-chat) keeps what the ticket knows.
    _save_conversation(kefu_db, "buyer-s", [SlotSet("dialogue_state", {"pending": {}})])
    sync.step()
    assert tickets.get(ticket.id).order_id == JEANS_ORDER


def test_regression_no_wait_acknowledgement_after_an_agent_replied(settings: Any) -> None:  # noqa: F811
    action = make_action(settings)
    history = [user("我要投诉", "complain", 1.0)]
    run(action, tracker(history))
    store = TicketStore(settings.db_path)
    [ticket] = store.queue()
    store.claim(ticket.id, "xiaolin")
    store.add_agent_reply(ticket.id, "xiaolin", "亲，我是人工客服小林，马上为您处理")
    history.append(user("好的，那我等你消息", "affirm", 2.0))
    events, messages = run(action, tracker(history))
    assert messages == [] and events == []  # not 「已经转给人工客服…请您稍等」: a person is answering
    texts = [line.text for line in store.get(ticket.id).transcript if line.sender == "buyer"]
    assert texts == ["我要投诉", "好的，那我等你消息"]  # the message still reaches the agent


def test_regression_violation_list_stays_chinese_after_a_blocked_reply(web_env: Dict[str, Any]) -> None:
    url, db = web_env["url"], web_env["settings"].db_path
    AgentStore(db).add("reg-agent", "regression-password", replace=True)
    store = TicketStore(db)
    now = time.time()
    ticket, _ = store.create(conversation_id="web-regression-1", platform="pinduoduo", reason="complain", priority=2,
                             transcript=[TranscriptLine("buyer", "能退吗", now, f"t:{now}")])
    http, csrf = login(url, "reg-agent", "regression-password")
    assert http.post(f"{url}/api/tickets/{ticket.id}/claim", headers={"X-CSRF-Token": csrf}, timeout=10).ok
    refused = http.post(f"{url}/api/tickets/{ticket.id}/reply", json={"text": "亲，加微信私下给您退"},
                        headers={"X-CSRF-Token": csrf}, timeout=30)
    assert refused.status_code == 422
    violations = refused.json()["check"]["violations"]
    assert violations and all(v["category_label"] == "站外交易" and v["action_label"] == "禁止发送"
                              for v in violations if v["category"] == "off_platform_transaction")
    live = http.post(f"{url}/api/check", json={"ticket_id": ticket.id, "text": "亲，加微信私下给您退"},
                     headers={"X-CSRF-Token": csrf}, timeout=30).json()
    assert [(v["category_label"], v["term"]) for v in live["violations"]] == \
        [(v["category_label"], v["term"]) for v in violations]  # the refusal reads like the live check


def test_while_a_buyer_waits_the_console_shows_what_the_bot_answered_and_what_waits(web_env: Dict[str, Any]) -> None:
    url, db = web_env["url"], web_env["settings"].db_path
    AgentStore(db).add("reg-agent", "regression-password", replace=True)
    store, now = TicketStore(db), time.time()
    lines = [("buyer", "衣服破了我要投诉"), ("bot", "亲，真的很抱歉这次让您失望了，已经为您转接人工客服。"),
             ("buyer", "黑色L码还有货吗"), ("bot", "亲，加绒连帽卫衣（黑色/L）有现货哦。"),
             ("buyer", "人呢"), ("bot", "亲，您的消息已经收到，已经转给人工客服。客服马上为您服务，请您稍等。"),
             ("buyer", "快点")]
    ticket, _ = store.create(conversation_id="web-regression-waits", platform="taobao", reason="complain", priority=2,
                             transcript=[TranscriptLine(s, t, now + i, f"w:{i}") for i, (s, t) in enumerate(lines)])
    http, _ = login(url, "reg-agent", "regression-password")
    rows = http.get(f"{url}/api/tickets/{ticket.id}", timeout=10).json()["transcript"]
    states = [(r["text"], r["wait_state"]) for r in rows if r["sender"] == "buyer"]
    # The complaint was only handed off and 「人呢」 only acknowledged: they wait for the person, with 「快点」;
    # the stock question the bot answered while the buyer waited.
    assert states == [("衣服破了我要投诉", "waiting"), ("黑色L码还有货吗", "bot"), ("人呢", "waiting"), ("快点", "waiting")]
    assert [r["wait_label"] for r in rows if r["sender"] == "buyer"][-1] == "等待人工回复"
    store.claim(ticket.id, "reg-agent")
    store.add_agent_reply(ticket.id, "reg-agent", "亲，我在，马上处理", now=now + 10)
    rows = http.get(f"{url}/api/tickets/{ticket.id}", timeout=10).json()["transcript"]
    assert [r["wait_state"] for r in rows if r["sender"] == "buyer"] == [None, "bot", None, None]
