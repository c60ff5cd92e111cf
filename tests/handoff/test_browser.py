"""The console and the buyer web chat in headless Chromium (Debian's chromium, driven by Playwright).

Flow: the buyer complains in /chat -> the ticket appears -> an agent logs in, claims it, types a
non-compliant reply (blocked, the term highlighted in place), sends a compliant one -> it arrives
in the buyer's page. Screenshots go to docs/img/console.png and docs/img/webchat.png.

``test_handoff_in_the_browser_live`` runs on the whole stack (lead's ``live_stack`` fixture);
``test_console_in_the_browser`` runs the same console steps on the web app with a fake Rasa.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Dict

import pytest

from kefu.handoff.auth import AgentStore
from kefu.handoff.tickets import TicketStore, TranscriptLine
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


@pytest.fixture
def browser() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def agent_flow(browser: Any, url: str, ticket_id: int, agent: str, buyer_page: Any) -> None:
    console = browser.new_context(viewport={"width": 1280, "height": 820}).new_page()
    console.goto(f"{url}/login")
    console.fill("input[name=name]", agent)
    console.fill("input[name=password]", PASSWORD)
    console.click("#login")
    console.wait_for_load_state()
    assert console.url == f"{url}/console", console.content()[:2000]
    console.wait_for_selector(f"#queue a[href='/console/tickets/{ticket_id}']")
    console.click(f"#queue a[href='/console/tickets/{ticket_id}']")
    console.wait_for_selector("#transcript li")
    console.click("#claim")
    console.wait_for_function("document.getElementById('status').textContent.includes('claimed')")

    console.fill("#reply", BAD_REPLY)
    console.type("#reply", " ")  # an input event: the debounced check runs as the agent types
    mark = console.wait_for_selector("#preview mark.violation")
    assert mark.text_content() in BAD_REPLY and mark.get_attribute("title")
    console.click("#send")
    console.wait_for_selector("#notice:not([hidden])")
    assert "未发送" in console.text_content("#notice")
    console.screenshot(path=str(IMG / "console.png"), full_page=True)

    console.fill("#reply", GOOD_REPLY)
    console.click("#send")
    console.wait_for_function("document.getElementById('send-status').textContent === '已发送'")
    buyer_page.wait_for_function(f"document.getElementById('messages').textContent.includes({GOOD_REPLY!r})", timeout=20000)
    buyer_page.screenshot(path=str(IMG / "webchat.png"), full_page=True)


def open_buyer(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport={"width": 900, "height": 760}).new_page()
    page.goto(f"{url}/chat")
    return page


def buyer_says(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.click("#send")


def test_console_in_the_browser(browser: Any, web_env: Dict[str, Any]) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    settings = web_env["settings"]
    AgentStore(settings.db_path).add("xiaolin", PASSWORD, replace=True)
    buyer = open_buyer(browser, web_env["url"])
    conv = buyer.text_content("#conv")
    buyer_says(buyer, "衣服破了个洞，我要投诉")
    buyer.wait_for_selector("#messages li.bot")
    ticket, _ = TicketStore(settings.db_path).create(
        conversation_id=conv, platform="pinduoduo", reason="complain", priority=2,
        transcript=[TranscriptLine("buyer", "衣服破了个洞，我要投诉", time.time(), "t1")],
    )
    agent_flow(browser, web_env["url"], ticket.id, "xiaolin", buyer)


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
    ticket = tickets.active_for(conv)
    assert ticket is not None and ticket.reason == "complain"
    agent_flow(browser, settings.web_url, ticket.id, "xiaolin", buyer)
