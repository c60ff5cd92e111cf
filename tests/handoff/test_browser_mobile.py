"""Mobile width (390 px, an iPhone 12–15): the console and the web chat fit the screen and work,
emoji from the panel included.

Screenshots: docs/img/mobile-console.png, docs/img/mobile-webchat.png.
"""

from __future__ import annotations

import time
from typing import Any, Dict

from kefu.handoff.auth import AgentStore
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.settings import PROJECT_ROOT
from tests.handoff.test_browser import IMG, PASSWORD, browser, pytestmark  # noqa: F401

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
WIDEST = """Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right >
  document.documentElement.clientWidth + 1 && e.offsetParent !== null).slice(0, 5)
  .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def test_console_and_web_chat_are_usable_at_390_px(browser: Any, web_env: Dict[str, Any]) -> None:
    from kefu.shop.store import load_shop

    url, db = web_env["url"], web_env["settings"].db_path
    load_shop(PROJECT_ROOT / "shop", db)
    AgentStore(db).add("mobile-agent", PASSWORD, replace=True)
    now = time.time()
    chat = TicketStore(db).create(conversation_id="web-mobile-1", platform="pinduoduo", reason="complain", priority=2,
                                  product_id="p1002", order_id="2611200930456789012", now=now,
                                  transcript=[TranscriptLine("buyer", "卫衣洗了一次就起球了，怎么办", now, "t:m1")])[0].id
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{url}/login")
    assert page.evaluate(OVERFLOW) <= 1
    page.fill("input[name=name]", "mobile-agent")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    page.wait_for_function("document.getElementById('live-state').textContent.includes('正常')")
    page.tap(f"#queue li[data-ticket-id='{chat}']")
    page.wait_for_function(f"document.getElementById('chat-title').textContent.includes('#{chat}')")
    page.tap("#claim")
    page.wait_for_function("document.getElementById('status').textContent.includes('处理中')")
    assert page.evaluate(OVERFLOW) <= 1, f"the console scrolls sideways at 390 px: {page.evaluate(WIDEST)}"
    for selector in ("#reply", "#send", "#release", "#close", "#order"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, selector
    page.fill("#reply", "亲，非常抱歉，我们马上为您处理")
    page.tap("#emoji-toggle")
    page.tap("#emoji .emoji-btn[data-emoji='🙏']")  # emoji from the panel, at the cursor
    assert page.input_value("#reply") == "亲，非常抱歉，我们马上为您处理🙏"
    page.tap("#send")
    page.wait_for_function("document.getElementById('send-status').textContent === '已发送'")
    page.screenshot(path=str(IMG / "mobile-console.png"), full_page=True)

    buyer = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    buyer.goto(f"{url}/chat")
    buyer.fill("#text", "在吗")
    buyer.tap("#emoji-toggle")
    buyer.tap("#emoji .emoji-btn[data-emoji='😊']")
    buyer.tap("#send")
    buyer.wait_for_selector("#messages li.bot")
    assert "在吗😊" in buyer.text_content("#messages li.buyer")
    assert buyer.evaluate(OVERFLOW) <= 1, f"the web chat scrolls sideways at 390 px: {buyer.evaluate(WIDEST)}"
    send = buyer.locator("#send").bounding_box()
    assert send["x"] + send["width"] <= PHONE["width"] + 1
    buyer.screenshot(path=str(IMG / "mobile-webchat.png"), full_page=True)
