"""Rich messages in headless Chromium (issue 19 part 3): a buyer sends a photo from the web chat, the agent
sees it in the console and answers with an image, a product card and an order card from the right panel;
the buyer's page draws them (the order masked). Screenshot: docs/img/rich.png."""

from __future__ import annotations

import time
from typing import Any, Dict

from kefu.tickets.store import TicketStore
from tests.handoff.test_browser import IMG, browser, console, open_buyer, pytestmark  # noqa: F401
from tests.handoff.test_browser_desk import desk, open_and_claim  # noqa: F401
from tests.handoff.test_rich_messages import png


def test_images_and_cards_between_the_web_chat_and_the_console(browser: Any, desk: Dict[str, Any],
                                                               tmp_path: Any) -> None:
    buyer = open_buyer(browser, desk["url"])
    conv = buyer.text_content("#conv").strip()
    buyer.fill("#text", "卫衣开线了")
    buyer.click("#send")
    buyer.wait_for_selector("#messages li.bot")
    now = time.time()
    ticket = TicketStore(desk["settings"].db_path).create(
        conversation_id=conv, platform="taobao", reason="complain", priority=2, now=now,
        product_id="p1002", order_id="2611200930456789012")[0].id
    lin = console(browser, desk["url"], "desk-lin")
    open_and_claim(lin, ticket)
    # The buyer's photo, chosen in the page's file picker, reaches the agent's open chat live.
    photo = tmp_path / "开线.png"
    photo.write_bytes(png(40, 30, (200, 40, 40)))
    buyer.set_input_files("#image-file", str(photo))
    buyer.wait_for_function("[...document.querySelectorAll('#messages li.buyer img.chat-image')]"
                            ".some((img) => img.complete && img.naturalWidth === 40)")
    lin.wait_for_function("[...document.querySelectorAll('#transcript li.buyer img.chat-image')]"
                          ".some((img) => img.complete && img.naturalWidth === 40)", timeout=15000)
    # A file that is not an image is refused with the reason, in the buyer's page.
    fake = tmp_path / "假图片.png"
    fake.write_bytes(b"<html>not an image</html>")
    buyer.set_input_files("#image-file", str(fake))
    buyer.wait_for_function("document.getElementById('chat-error').textContent.includes('JPG、PNG、WebP 或 GIF')")
    # The agent answers with an image and both cards from the right panel.
    reply_photo = tmp_path / "细节.png"
    reply_photo.write_bytes(png(24, 24, (20, 120, 200)))
    lin.set_input_files("#image-file", str(reply_photo))
    lin.wait_for_function("document.getElementById('rich-status').textContent.includes('图片已发送')")
    lin.click("#send-product-card")
    lin.wait_for_function("document.getElementById('rich-status').textContent.includes('商品卡片已发送')")
    lin.click("#send-order-card")
    lin.wait_for_function("document.getElementById('rich-status').textContent.includes('订单卡片已发送')")
    buyer.wait_for_function("[...document.querySelectorAll('#messages li.bot img.chat-image')]"
                            ".some((img) => img.complete && img.naturalWidth === 24)")
    buyer.wait_for_selector("#messages .product-card")
    buyer.wait_for_selector("#messages .order-card")
    product = buyer.text_content("#messages .product-card")
    assert "加绒连帽卫衣" in product and "黑色/L" in product and "¥" in product and "有货" in product
    order = buyer.text_content("#messages .order-card")
    assert "2611200930456789012" in order and "已发货" in order and "78312456789012" in order
    assert "139****4321" in order and "13987654321" not in order and "体育西路 191 号" not in order
    lin.wait_for_function("document.getElementById('transcript').textContent.includes('【订单】2611200930456789012')")
    buyer.locator("section.chat").screenshot(path=str(IMG / "rich.png"))
