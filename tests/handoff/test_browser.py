"""The workbench and the buyer web chat in headless Chromium (Debian's chromium, driven by Playwright).

Against the web app with a fake Rasa (``web_env``): the queue and several chats, live delivery
over SSE, the countdown, quick phrases, agent-assist, transfer, history search, the report page,
and escaped buyer text. ``test_handoff_in_the_browser_live`` runs the whole handoff on the real
stack (the session's ``live_stack``). Screenshots go to docs/img/.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Sequence

import pytest

from kefu.handoff.auth import AgentStore
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IMG = PROJECT_ROOT / "docs" / "img"
PASSWORD = "browser-test-password"
BAD_REPLY = "亲，加我微信，私下给您退款"
GOOD_REPLY = "亲，您好，我是人工客服小林，非常抱歉给您带来不便，马上为您处理"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason="chromium is not installed (make browser installs it)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def add_team(db: Any, agents: Sequence[str], supervisor: str) -> None:
    """The agents and their supervisor, every one with the test password (re-created if present)."""
    store = AgentStore(db)
    for name in agents:
        store.add(name, PASSWORD, replace=True)
    store.add(supervisor, PASSWORD, replace=True, role="supervisor")


@pytest.fixture(scope="module")
def bench(web_env: Dict[str, Any]) -> Dict[str, Any]:
    from kefu.shop.store import load_shop

    db = web_env["settings"].db_path
    load_shop(PROJECT_ROOT / "shop", db)
    add_team(db, ("xiaolin", "xiaowang"), "zhuguan")
    IMG.mkdir(parents=True, exist_ok=True)
    return dict(web_env, tickets=TicketStore(db))


def ticket(env: Dict[str, Any], conv: str, text: str, platform: str = "pinduoduo", ago: float = 0, **fields: Any) -> int:
    now = time.time() - ago
    created, _ = env["tickets"].create(
        conversation_id=conv, platform=platform, reason=fields.pop("reason", "complain"),
        priority=fields.pop("priority", 2), now=now,
        transcript=[TranscriptLine("buyer", text, now, f"t:{conv}:{now}")], **fields)
    return created.id


def console(browser: Any, url: str, agent: str) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 860}).new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=name]", agent)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    page.wait_for_load_state()
    assert page.url == f"{url}/console", page.content()[:2000]
    page.wait_for_function("document.getElementById('live-state').textContent.includes('正常')")
    return page


def open_chat(page: Any, ticket_id: int) -> None:
    page.click(f".chatlist li[data-ticket-id='{ticket_id}']")
    page.wait_for_function(f"document.getElementById('chat-title').textContent.includes('#{ticket_id}')")


def claim(page: Any) -> None:
    page.click("#claim")
    page.wait_for_function("document.getElementById('status').textContent.includes('处理中')")


def agent_replies(page: Any, buyer_page: Any, screenshots: bool = False) -> None:
    """Blocked reply highlighted in place, then a compliant one reaches the buyer's page.
    ``screenshots``: README's console.png/webchat.png (taken on the live stack, with the real bot)."""
    page.fill("#reply", BAD_REPLY)
    page.type("#reply", " ")  # an input event: the debounced check runs as the agent types
    mark = page.wait_for_selector("#preview mark.violation")
    assert mark.text_content() in BAD_REPLY and mark.get_attribute("title")
    page.click("#send")
    page.wait_for_selector("#notice:not([hidden])")
    assert "未发送" in page.text_content("#notice")
    if screenshots:
        page.screenshot(path=str(IMG / "console.png"), full_page=True)
    page.fill("#reply", GOOD_REPLY)
    page.keyboard.press("Control+Enter")  # the send shortcut
    page.wait_for_function("document.getElementById('send-status').textContent === '已发送'")
    buyer_page.wait_for_function(f"document.getElementById('messages').textContent.includes({GOOD_REPLY!r})",
                                 timeout=20000)
    if screenshots:
        buyer_page.screenshot(path=str(IMG / "webchat.png"), full_page=True)


def open_buyer(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport={"width": 900, "height": 760}).new_page()
    page.goto(f"{url}/chat")
    return page


def buyer_says(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.click("#send")


def test_live_queue_several_chats_countdown_and_shortcuts(browser: Any, bench: Dict[str, Any]) -> None:
    late = ticket(bench, "b-late-jd", "在吗？怎么没人", platform="jd", ago=45, order_id="2611200930456789012",
                  product_id="p1002", reason="request_human", priority=3)
    page = console(browser, bench["url"], "xiaolin")
    page.wait_for_selector(f"#queue li[data-ticket-id='{late}']")
    # A new chat appears without a reload: pushed over SSE (the page no longer polls).
    fresh = ticket(bench, "b-new-tb", "衣服洗了就掉色，我要投诉", platform="taobao", order_id="2611220845123456701")
    page.wait_for_selector(f"#queue li[data-ticket-id='{fresh}']", timeout=10000)
    late_item = page.locator(f"#queue li[data-ticket-id='{late}'] .countdown")
    fresh_item = page.locator(f"#queue li[data-ticket-id='{fresh}'] .countdown")
    assert "late" in late_item.get_attribute("class") and "已超时" in late_item.text_content()
    assert "ok" in fresh_item.get_attribute("class") and "剩余" in fresh_item.text_content()
    ids = page.eval_on_selector_all("#queue li", "items => items.map(i => Number(i.dataset.ticketId))")
    assert ids.index(late) < ids.index(fresh)  # most urgent countdown first
    assert page.text_content(f"#queue li[data-ticket-id='{late}'] .tag") == "京东"

    open_chat(page, late)
    claim(page)
    assert "已发货" in page.text_content("#order") and "****" in page.text_content("#order")
    assert page.locator("#tracking li").count() >= 1 and page.locator("#skus tr").count() >= 1
    open_chat(page, fresh)
    assert page.locator("#tabs button").count() == 2  # several chats open at once
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_function(f"!document.getElementById('chat-title').textContent.includes('#{fresh}')")
    page.wait_for_function("document.querySelectorAll('#transcript li .ts').length > 0")  # timestamps
    page.screenshot(path=str(IMG / "workbench.png"), full_page=True)


# Recorded, not replaced: each notification the page creates is still a real Notification.
RECORD_NOTIFICATIONS = """
window.__notes = [];
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) { super(title, options); window.__notes.push((options || {}).body); }
};
Object.defineProperty(window.Notification, "permission", { get: () => RealNotification.permission });
document.hasFocus = () => false;  // the agent is in another window
"""


def test_a_new_chat_notifies_a_background_tab_unless_alerts_are_off(browser: Any, bench: Dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 860}, permissions=["notifications"],
                                  base_url=bench["url"])
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=name]", "xiaolin")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    page.wait_for_function("document.getElementById('live-state').textContent.includes('正常')")
    first = ticket(bench, "b-notify-1", "快递三天没动了", platform="douyin")
    page.wait_for_function(f"window.__notes.some(n => n.includes('#{first}'))", timeout=10000)
    page.wait_for_function("document.title.startsWith('(1) ')")  # the tab badge counts what arrived
    page.uncheck("#alerts")
    second = ticket(bench, "b-notify-2", "退款什么时候到", platform="douyin")
    page.wait_for_selector(f"#queue li[data-ticket-id='{second}']")
    page.wait_for_function("document.title.startsWith('(2) ')")  # still counted, but silent
    assert not any(f"#{second}" in (note or "") for note in page.evaluate("window.__notes"))
    context.close()


def test_quick_phrases_and_agent_assist_fill_the_reply_box(browser: Any, bench: Dict[str, Any]) -> None:
    chat = ticket(bench, "b-phrase", "黑色L码还有货吗", platform="taobao", order_id="2611191640778899001",
                  product_id="p1002")
    page = console(browser, bench["url"], "xiaolin")
    page.wait_for_selector(f"#queue li[data-ticket-id='{chat}']")
    open_chat(page, chat)
    claim(page)
    page.click("#reply")
    page.keyboard.type("/tk")
    page.wait_for_selector("#phrases li[data-code='tk']")
    page.screenshot(path=str(IMG / "phrases.png"), full_page=True)
    page.click("#phrases li[data-code='tk']")
    assert "2611191640778899001" in page.input_value("#reply") and "/tk" not in page.input_value("#reply")
    page.wait_for_function("document.getElementById('send-status').textContent === '可以发送'")

    page.keyboard.press("Control+k")
    page.keyboard.type("质量")
    page.wait_for_selector("#phrases li[data-code='zl']")

    page.fill("#reply", "")
    asked_rasa = len(bench["fake"].rest)
    page.click("#assist")
    candidate = page.wait_for_selector("#assist-list li.candidate")
    text = candidate.query_selector(".candidate-text").text_content()
    assert "黑色/L" in text and "人工" not in text  # the stock answer from the shop's data
    facts = candidate.query_selector(".facts").text_content()
    assert "加绒连帽卫衣" in facts and "黑色/L 库存" in facts  # the facts the candidate rests on
    page.screenshot(path=str(IMG / "assist.png"), full_page=True)
    candidate.query_selector("button.insert").click()
    assert page.input_value("#reply") == text
    assert len(bench["fake"].rest) == asked_rasa  # no shadow conversation: Rasa was not asked


def test_transfer_then_history_search_shows_the_whole_chat(browser: Any, bench: Dict[str, Any]) -> None:
    chat = ticket(bench, "b-transfer-88", "羽绒服拉链坏了怎么办", order_id="2611151122334455667")
    page = console(browser, bench["url"], "xiaolin")
    page.wait_for_selector(f"#queue li[data-ticket-id='{chat}']")
    open_chat(page, chat)
    claim(page)
    page.select_option("#transfer-to", "xiaowang")
    page.fill("#transfer-note", "买家要换货，订单已核实")
    page.click("#transfer")
    page.wait_for_function("document.getElementById('status').textContent.includes('xiaowang')")
    assert "转接给 xiaowang：买家要换货" in page.text_content("#transcript")

    other = console(browser, bench["url"], "xiaowang")
    other.wait_for_selector(f"#mine li[data-ticket-id='{chat}']")
    open_chat(other, chat)
    other.fill("#reply", "亲，已经为您登记换货，马上处理")
    other.click("#send")
    other.wait_for_function("document.getElementById('send-status').textContent === '已发送'")
    other.select_option("#outcome", "refund")
    other.click("#close")
    other.wait_for_function("document.getElementById('status').textContent.includes('已结束')")

    other.goto(bench["url"] + "/console/history")
    other.fill("input[name=q]", "拉链")
    other.click("#search-button")
    row = other.locator(f"#results tr[data-ticket-id='{chat}']")  # a locator: the table is redrawn per search
    row.wait_for()
    assert "已结束" in row.text_content() and "xiaowang" in row.text_content()
    row.locator("button").click()
    other.wait_for_function("document.getElementById('history-transcript').children.length >= 3")
    text = other.text_content("#history-transcript")
    assert "拉链坏了" in text and "转接给" in text and "登记换货" in text
    other.screenshot(path=str(IMG / "history.png"), full_page=True)


def test_report_page_for_supervisors(browser: Any, bench: Dict[str, Any]) -> None:
    handled = ticket(bench, "b-report", "鞋子磨脚，想换大一码", platform="douyin", ago=30)
    bench["tickets"].claim(handled, "xiaowang")
    bench["tickets"].add_agent_reply(handled, "xiaowang", "亲，可以换大一码，我来为您登记")
    bench["tickets"].close(handled, "xiaowang", "resolved")
    page = console(browser, bench["url"], "zhuguan")
    page.goto(bench["url"] + "/console/reports")
    captions = page.eval_on_selector_all("figcaption", "nodes => nodes.map(n => n.textContent)")
    assert {"转人工原因", "热门意图", "合规检查结果", "违规类别"} <= set(captions)
    assert page.locator("svg").count() >= 2  # charts drawn server-side wherever there is data
    assert int(page.text_content("#kpi-conversations")) >= 1
    assert f"#{handled}" in page.text_content("#sessions tbody")  # the closed chat was scored (质检)
    page.screenshot(path=str(IMG / "report.png"), full_page=True)
    agent = console(browser, bench["url"], "xiaolin")
    assert agent.goto(bench["url"] + "/console/reports").status == 403


def test_supervisor_manages_agents_and_anyone_completes_tasks(browser: Any, bench: Dict[str, Any]) -> None:
    from kefu.tasks.store import TaskStore

    page = console(browser, bench["url"], "zhuguan")
    page.goto(bench["url"] + "/console/agents")
    page.fill("#add-agent input[name=name]", "xiaozhao")
    page.click("#add-agent button")
    page.wait_for_selector("#agent-list tr[data-agent='xiaozhao']")
    notice = page.text_content("#agent-notice")
    password = notice.rsplit("：", 1)[1].strip()
    assert "只显示一次" in notice and len(password) >= 12
    page.click("#agent-list tr[data-agent='xiaozhao'] button.toggle")
    page.wait_for_function("document.querySelector(\"#agent-list tr[data-agent='xiaozhao']\").textContent.includes('已停用')")
    assert AgentStore(bench["settings"].db_path).get("xiaozhao").disabled

    task = TaskStore(bench["settings"].db_path).create("invoice_request", conversation_id="b-task", platform="jd",
                                                       summary="开具电子普票，抬头：杭州某某公司")
    agent = console(browser, bench["url"], "xiaolin")
    agent.goto(bench["url"] + "/console/tasks")
    row = agent.locator(f"#task-list tr[data-task-id='{task.id}']")
    row.wait_for()
    assert "开具发票" in row.text_content()
    row.locator("button").click()
    agent.wait_for_function(f"!document.querySelector(\"#task-list tr[data-task-id='{task.id}']\")")
    assert TaskStore(bench["settings"].db_path).get(task.id).done_by == "xiaolin"
    assert agent.goto(bench["url"] + "/console/agents").status == 403
    assert "主管" in agent.text_content("main")


def test_regression_violation_list_stays_chinese_after_a_blocked_reply_in_the_page(browser: Any,
                                                                                  bench: Dict[str, Any]) -> None:
    chat = ticket(bench, "b-blocked-labels", "不想在这买了，私下便宜点行吗")
    page = console(browser, bench["url"], "xiaolin")
    page.wait_for_selector(f"#queue li[data-ticket-id='{chat}']")
    open_chat(page, chat)
    claim(page)
    page.fill("#reply", BAD_REPLY)
    page.type("#reply", " ")
    page.wait_for_selector("#violations .violation-item")
    live = page.text_content("#violations")
    page.click("#send")
    page.wait_for_selector("#notice:not([hidden])")
    after = page.text_content("#violations")
    assert "站外交易" in after and "禁止发送" in after and after == live
    assert "off_platform_transaction" not in after and "block" not in after


def test_buyer_markup_is_shown_as_text_and_never_runs(browser: Any, bench: Dict[str, Any]) -> None:
    attack = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
    chat = ticket(bench, "b-xss", attack)
    page = console(browser, bench["url"], "xiaolin")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.wait_for_selector(f"#queue li[data-ticket-id='{chat}']")
    open_chat(page, chat)
    assert attack in page.text_content("#transcript")
    assert page.title() != "pwned" and not dialogs and page.locator("#transcript img").count() == 0


def test_console_to_buyer_in_the_browser(browser: Any, bench: Dict[str, Any]) -> None:
    buyer = open_buyer(browser, bench["url"])
    conv = buyer.text_content("#conv")
    buyer_says(buyer, "衣服破了个洞，我要投诉")
    buyer.wait_for_selector("#messages li.bot")
    # As action_handoff does: the ticket's transcript from the conversation's tracker events.
    from kefu.tickets.store import transcript_from_events

    chat = bench["tickets"].create(conversation_id=conv, platform="pinduoduo", reason="complain", priority=2,
                                   transcript=transcript_from_events(bench["fake"].trackers[conv]))[0].id
    page = console(browser, bench["url"], "xiaolin")
    page.wait_for_selector(f"#queue li[data-ticket-id='{chat}']")
    open_chat(page, chat)
    claim(page)
    agent_replies(page, buyer)


@pytest.mark.live
def test_handoff_in_the_browser_live(browser: Any, live_stack: Any) -> None:
    settings = live_stack.settings
    IMG.mkdir(parents=True, exist_ok=True)
    AgentStore(settings.db_path).add("xiaolin", PASSWORD, replace=True)
    buyer = open_buyer(browser, settings.web_url)
    conv = buyer.text_content("#conv")
    buyer.select_option("#platform", "pinduoduo")
    buyer_says(buyer, "衣服质量太差了，洗一次就开线")
    buyer.wait_for_function("document.getElementById('messages').textContent.includes('人工客服')", timeout=30000)
    tickets = TicketStore(settings.db_path)
    deadline = time.monotonic() + 10
    while tickets.active_for(conv) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    found = tickets.active_for(conv)
    assert found is not None and found.reason == "complain"
    page = console(browser, settings.web_url, "xiaolin")
    page.wait_for_selector(f"#queue li[data-ticket-id='{found.id}']")
    # While paused, the buyer's next message reaches the open chat through the tracker store, live.
    open_chat(page, found.id)
    buyer_says(buyer, "人呢，快点处理")
    page.wait_for_function("document.getElementById('transcript').textContent.includes('人呢，快点处理')",
                           timeout=20000)
    claim(page)
    agent_replies(page, buyer, screenshots=True)
