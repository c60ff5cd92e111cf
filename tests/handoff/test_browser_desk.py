"""Part 7 in headless Chromium with two agents and a buyer: quick phrases edited in the page
(personal and team, `/code`+Enter inserts), the customer profile, and 消息撤回 on the web chat."""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest

from kefu.feed import EventFeed
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.settings import PROJECT_ROOT
from tests.handoff.conftest import login
from tests.handoff.test_browser import IMG, PASSWORD, add_team, browser, console, open_buyer, pytestmark  # noqa: F401


@pytest.fixture(scope="module")
def desk(web_env: Dict[str, Any]) -> Dict[str, Any]:
    from kefu.shop.store import load_shop

    db = web_env["settings"].db_path
    load_shop(PROJECT_ROOT / "shop", db)
    add_team(db, ("desk-lin", "desk-wang"), "desk-lead")
    return dict(web_env, tickets=TicketStore(db))


def new_chat(desk: Dict[str, Any], conv: str, text: str, **fields: Any) -> int:
    now = time.time()
    return desk["tickets"].create(conversation_id=conv, platform="taobao", reason="complain", priority=2, now=now,
                                  transcript=[TranscriptLine("buyer", text, now, f"t:{conv}:{now}")], **fields)[0].id


def open_and_claim(page: Any, ticket_id: int) -> None:
    page.wait_for_selector(f".chatlist li[data-ticket-id='{ticket_id}']")
    page.click(f".chatlist li[data-ticket-id='{ticket_id}']")
    page.wait_for_function(f"document.getElementById('chat-title').textContent.includes('#{ticket_id}')")
    page.click("#claim")
    page.wait_for_function("document.getElementById('status').textContent.includes('处理中')")


def test_personal_and_team_phrases_edited_in_the_page_and_slash_code_enter_inserts(browser: Any,
                                                                                   desk: Dict[str, Any]) -> None:
    chat = new_chat(desk, "web-desk-phrases", "裤子什么时候发", order_id="2611220845123456701")
    lin = console(browser, desk["url"], "desk-lin")
    open_and_claim(lin, chat)
    lin.click("#phrase-editor summary")
    lin.fill("#phrase-code", "fh")
    lin.fill("#phrase-title", "发货")
    lin.fill("#phrase-text", "亲，您的订单{订单号}会在48小时内发出哦。")
    lin.click("#phrase-save")
    lin.wait_for_function("document.getElementById('phrase-status').textContent.includes('已保存 /fh')")
    # A phrase that breaks a platform's rules is refused, with the reason.
    lin.fill("#phrase-code", "vx")
    lin.fill("#phrase-text", "亲，加我微信聊")
    lin.click("#phrase-save")
    lin.wait_for_function("document.getElementById('phrase-status').textContent.includes('未保存')")
    assert lin.locator("#phrase-scope option[value='team']").count() == 0  # agents edit only their own
    lin.click("#reply")
    lin.keyboard.type("/fh")
    lin.keyboard.press("Enter")
    lin.wait_for_function("document.getElementById('reply').value.includes('2611220845123456701')")
    assert lin.input_value("#reply") == "亲，您的订单2611220845123456701会在48小时内发出哦。"  # no newline, no /fh

    lead = console(browser, desk["url"], "desk-lead")
    lead.wait_for_selector(f".chatlist li[data-ticket-id='{chat}']")
    lead.click(f".chatlist li[data-ticket-id='{chat}']")  # the editor sits under an open chat's reply box
    lead.click("#phrase-editor summary")
    lead.fill("#phrase-code", "gx")
    lead.fill("#phrase-text", "亲，感谢您的耐心等待，祝您生活愉快。")
    lead.select_option("#phrase-scope", "team")
    lead.click("#phrase-save")
    lead.wait_for_function("document.getElementById('phrase-status').textContent.includes('团队')")
    wang = console(browser, desk["url"], "desk-wang")
    other = new_chat(desk, "web-desk-phrases-2", "好的")
    open_and_claim(wang, other)
    wang.click("#reply")
    wang.keyboard.type("/gx")
    wang.keyboard.press("Enter")
    wang.wait_for_function("document.getElementById('reply').value === '亲，感谢您的耐心等待，祝您生活愉快。'")
    wang.fill("#reply", "")
    wang.keyboard.type("/fh")  # lin's personal phrase is lin's only
    wang.wait_for_timeout(600)
    assert wang.locator("#phrases li[data-code='fh']").count() == 0
    for page in (lin, lead, wang):
        page.context.close()


def test_customer_profile_tags_notes_past_orders_and_chats(browser: Any, desk: Dict[str, Any]) -> None:
    tickets = desk["tickets"]
    earlier = new_chat(desk, "b-desk-buyer", "牛仔裤开线了", order_id="2611151122334455667")
    tickets.claim(earlier, "desk-wang")
    tickets.close(earlier, "desk-wang", "refund")
    chat = new_chat(desk, "b-desk-buyer", "卫衣到哪了", order_id="2611200930456789012")
    lin = console(browser, desk["url"], "desk-lin")
    open_and_claim(lin, chat)
    lin.wait_for_function("document.getElementById('profile-tickets').textContent.includes('#%d')" % earlier)
    assert "已退款/退货" in lin.text_content("#profile-tickets")
    orders = lin.text_content("#profile-orders")
    assert "高腰直筒牛仔裤" in orders and "加绒连帽卫衣" in orders
    lin.fill("#tag-input", "老客户，爱退货")
    # A buyer message arriving while the agent types re-renders the chat; the typed tags stay.
    # It comes the way Rasa's broker delivers it: an event in the feed the web app follows.
    EventFeed(desk["settings"].db_path).append({"event": "user", "text": "还没到吗", "sender_id": "b-desk-buyer",
                                                "timestamp": time.time(), "parse_data": {}})
    lin.wait_for_function("document.getElementById('transcript').textContent.includes('还没到吗')")
    assert lin.input_value("#tag-input") == "老客户，爱退货"
    lin.click("#tag-save")
    lin.wait_for_function("document.querySelectorAll('#profile-tags .tag-chip').length === 2")
    lin.fill("#note-input", "上次退货嫌慢，手机13812345678")
    lin.click("#note-add")
    lin.wait_for_function("document.getElementById('profile-notes').textContent.includes('上次退货嫌慢')")
    assert "13812345678" not in lin.text_content("#profile-notes")  # masked like everything else
    lin.screenshot(path=str(IMG / "profile.png"), full_page=True)
    # A supervisor opening the chat sees the same profile.
    lead = console(browser, desk["url"], "desk-lead")
    lead.wait_for_selector(f".chatlist li[data-ticket-id='{chat}']")
    lead.click(f".chatlist li[data-ticket-id='{chat}']")
    lead.wait_for_function("document.querySelectorAll('#profile-tags .tag-chip').length === 2")
    assert "上次退货嫌慢" in lead.text_content("#profile-notes")
    actions = [row["action"] for row in tickets.audit_log(chat)]
    assert "customer_tags" in actions and "customer_note" in actions
    for page in (lin, lead):
        page.context.close()


def test_recall_within_two_minutes_on_the_web_chat_and_refused_elsewhere(browser: Any, desk: Dict[str, Any]) -> None:
    buyer = open_buyer(browser, desk["url"])
    conv = buyer.text_content("#conv")
    buyer.fill("#text", "帮我看看订单")
    buyer.click("#send")
    buyer.wait_for_selector("#messages li.bot")
    chat = new_chat(desk, conv, "帮我看看订单")
    lin = console(browser, desk["url"], "desk-lin")
    open_and_claim(lin, chat)
    lin.fill("#reply", "亲，您的订单已经发货了")
    lin.click("#send")
    lin.wait_for_function("document.getElementById('send-status').textContent === '已发送'")
    buyer.wait_for_function("document.getElementById('messages').textContent.includes('已经发货了')", timeout=20000)
    lin.wait_for_selector("#transcript button.recall")
    lin.click("#transcript button.recall")
    lin.wait_for_selector("#transcript li.msg.agent.recalled")
    assert "撤回了一条消息" in lin.text_content("#transcript")
    buyer.wait_for_function("!document.getElementById('messages').textContent.includes('已经发货了')", timeout=10000)
    assert "客服撤回了一条消息" in buyer.text_content("#messages")
    # Another channel (a REST or bridge buyer): no recall, nothing changes.
    http, csrf = login(desk["url"], "desk-wang", PASSWORD)
    rest = new_chat(desk, "rest-buyer-42", "在吗")
    headers = {"X-CSRF-Token": csrf}
    http.post(f"{desk['url']}/api/tickets/{rest}/claim", headers=headers, timeout=10)
    sent = http.post(f"{desk['url']}/api/tickets/{rest}/reply", json={"text": "亲，您好"}, headers=headers, timeout=30)
    assert sent.ok
    key = next(l.source_key for l in desk["tickets"].get(rest).transcript if l.sender == "agent")
    refused = http.post(f"{desk['url']}/api/tickets/{rest}/recall", json={"source_key": key}, headers=headers, timeout=10)
    assert refused.status_code == 409 and "不支持" in refused.json()["message"]
    assert desk["tickets"].recalled(rest) == set()
    # Two minutes later it is too late (the clock of the stored reply moved back, as if sent earlier).
    old = desk["tickets"].conn
    old.execute("UPDATE handoff_messages SET ts = ts - 121 WHERE ticket_id = ? AND sender = 'agent'", (chat,))
    lin.fill("#reply", "亲，再确认一下")
    lin.click("#send")
    lin.wait_for_function("document.getElementById('send-status').textContent === '已发送'")
    old.execute("UPDATE handoff_messages SET ts = ts - 121 WHERE ticket_id = ? AND sender = 'agent' AND text = ?",
                (chat, "亲，再确认一下"))
    late_key = next(l.source_key for l in desk["tickets"].get(chat).transcript if l.text == "亲，再确认一下")
    lin_http, lin_csrf = login(desk["url"], "desk-lin", PASSWORD)
    late = lin_http.post(f"{desk['url']}/api/tickets/{chat}/recall", json={"source_key": late_key},
                         headers={"X-CSRF-Token": lin_csrf}, timeout=10)
    assert late.status_code == 409 and "2 分钟" in late.json()["message"]
    lin.context.close()


def test_order_actions_become_audited_tasks_and_the_orders_state_is_respected(browser: Any,
                                                                              desk: Dict[str, Any]) -> None:
    from kefu.tasks.store import TaskStore

    waiting = new_chat(desk, "web-desk-order-1", "地址写错了，能改吗", order_id="2611220845123456701")  # 待发货, 白色/M ×2
    lin = console(browser, desk["url"], "desk-lin")
    open_and_claim(lin, waiting)
    lin.wait_for_selector("#order-actions:not([hidden])")
    lin.fill("#oa-text", "江苏省南京市玄武区北京东路 1 号 2 栋 301 室")
    lin.click("#oa-submit")
    lin.wait_for_function("document.getElementById('oa-status').textContent.includes('已提交任务')")
    lin.wait_for_function("document.getElementById('tasks').textContent.includes('北京东路')")
    assert "提交了改地址" in lin.text_content("#transcript")
    lin.select_option("#oa-action", "spec_change")
    lin.fill("#oa-color", "黑色")
    lin.fill("#oa-size", "M")  # only 2 left: exactly the order's quantity
    lin.click("#oa-submit")
    lin.wait_for_function("document.getElementById('tasks').textContent.includes('白色/M 改为 黑色/M')")
    lin.select_option("#oa-action", "spec_change")
    lin.fill("#oa-color", "白色")
    lin.fill("#oa-size", "XL")  # sold out
    lin.click("#oa-submit")
    lin.wait_for_function("document.getElementById('oa-status').textContent.includes('库存不足')")
    tasks = TaskStore(desk["settings"].db_path).list(conversation_id="web-desk-order-1")
    assert sorted(t.kind for t in tasks) == ["address_change", "order_change"]
    address = next(t for t in tasks if t.kind == "address_change")
    assert address.details["new_address"].startswith("江苏省南京市玄武区") and address.details["requested_by"] == "desk-lin"
    assert [r["action"] for r in desk["tickets"].audit_log(waiting)].count("order_action") == 2

    shipped = new_chat(desk, "web-desk-order-2", "不要了，取消吧", order_id="2611200930456789012")  # 已发货
    open_and_claim(lin, shipped)
    lin.wait_for_selector("#order-actions:not([hidden])")
    assert lin.locator("#oa-action option[value='cancel']").is_disabled()
    assert not lin.locator("#oa-action option[value='courier_remark']").is_disabled()
    http, csrf = login(desk["url"], "desk-lin", PASSWORD)
    refused = http.post(f"{desk['url']}/api/tickets/{shipped}/order-actions", json={"action": "cancel", "reason": "不要了"},
                        headers={"X-CSRF-Token": csrf}, timeout=10)
    assert refused.status_code == 409 and "已发货" in refused.json()["message"]
    assert TaskStore(desk["settings"].db_path).list(conversation_id="web-desk-order-2") == []
    lin.context.close()
