"""Rich messages over real HTTP (issue 19 part 3): images from buyers and agents, product and order cards.

The web app runs as ``kefu serve web`` against the fake Rasa; a buyer is a real web-chat session
(cookie), an attacker is another session or no session at all. Images are real PNG/JPEG/GIF/WebP
bytes; what is refused is what a browser would send for a renamed file.
"""

from __future__ import annotations

import re
import struct
import time
import zlib
from typing import Any, Dict, Tuple

import pytest
import requests

from kefu.handoff.auth import AgentStore
from kefu.handoff.media import MAX_IMAGE_BYTES, MediaRefused, MediaStore, sniff
from kefu.handoff.outbox import Outbox
from kefu.settings import PROJECT_ROOT
from kefu.tickets.store import TicketStore, TranscriptLine
from tests.handoff.conftest import login

PASSWORD = "rich-test-password"


def png(width: int = 2, height: int = 2, rgb: Tuple[int, int, int] = (220, 30, 30)) -> bytes:
    """A real PNG (what a phone's screenshot is), built here so the test owns its bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


@pytest.mark.parametrize("data,mime", [(png(), "image/png"), (GIF, "image/gif"), (WEBP, "image/webp"),
                                       (JPEG_HEAD + b"\x00" * 64, "image/jpeg")])
def test_accepted_types_are_recognised_by_their_bytes(data: bytes, mime: str) -> None:
    assert sniff(data) == mime


@pytest.mark.parametrize("data", [b"<html><script>alert(1)</script></html>", b"%PDF-1.7\n", b"BM\x00\x00",
                                  b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"RIFF\x00\x00\x00\x00WAVEfmt ",
                                  b"MZ\x90\x00"])
def test_other_files_are_refused_whatever_their_name(tmp_path: Any, data: bytes) -> None:
    store = MediaStore(tmp_path / "kefu.db", tmp_path / "media")
    with pytest.raises(MediaRefused) as refused:
        store.save("web-x", data, "buyer")
    assert refused.value.status_code == 415 and "JPG、PNG、WebP 或 GIF" in str(refused.value)


def test_names_are_unguessable_letters_and_files_private(tmp_path: Any) -> None:
    store = MediaStore(tmp_path / "kefu.db", tmp_path / "media")
    names = {store.save("web-x", png(), "buyer").name for _ in range(50)}
    assert len(names) == 50 and all(re.fullmatch(r"[a-z]{32}", name) for name in names)
    assert all((tmp_path / "media" / name).stat().st_mode & 0o077 == 0 for name in names)
    with pytest.raises(MediaRefused) as refused:
        store.save("web-x", b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_IMAGE_BYTES, "buyer")
    assert refused.value.status_code == 413


# --- over HTTP ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rich(web_env: Dict[str, Any]) -> Dict[str, Any]:
    from kefu.shop.store import load_shop

    db = web_env["settings"].db_path
    load_shop(PROJECT_ROOT / "shop", db)
    AgentStore(db).add("rich-lin", PASSWORD, replace=True)
    AgentStore(db).add("rich-wang", PASSWORD, replace=True)
    return dict(web_env, tickets=TicketStore(db))


class Buyer:
    """A web-chat buyer: a cookie session as the page has it."""

    def __init__(self, url: str) -> None:
        self.url, self.http = url, requests.Session()
        page = self.http.get(f"{url}/chat", timeout=10).text
        self.conv = re.search(r'id="conv">([^<]+)<', page).group(1)
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def say(self, text: str) -> None:
        assert self.http.post(f"{self.url}/chat/send", json={"text": text}, headers={"X-CSRF-Token": self.csrf},
                              timeout=30).ok

    def upload(self, data: bytes) -> requests.Response:
        return self.http.post(f"{self.url}/chat/upload", data=data, timeout=30,
                              headers={"X-CSRF-Token": self.csrf, "Content-Type": "application/octet-stream"})

    def messages(self) -> list:
        return self.http.get(f"{self.url}/chat/messages", timeout=10).json()["messages"]


def agent(rich: Dict[str, Any], name: str = "rich-lin") -> Tuple[requests.Session, Dict[str, str]]:
    http, csrf = login(rich["url"], name, PASSWORD)
    return http, {"X-CSRF-Token": csrf}


def claimed(rich: Dict[str, Any], conv: str, who: Tuple[requests.Session, Dict[str, str]], **fields: Any) -> int:
    now = time.time()
    ticket = rich["tickets"].create(conversation_id=conv, platform="pinduoduo", reason="complain", priority=2,
                                    now=now, transcript=[TranscriptLine("buyer", "衣服开线了", now, f"t:{conv}")],
                                    **fields)[0].id
    http, headers = who
    assert http.post(f"{rich['url']}/api/tickets/{ticket}/claim", headers=headers, timeout=10).ok
    return ticket


def test_a_buyers_image_reaches_the_agent_and_nobody_else(rich: Dict[str, Any]) -> None:
    url = rich["url"]
    buyer, lin = Buyer(url), agent(rich)
    buyer.say("衣服开线了")
    ticket = claimed(rich, buyer.conv, lin)
    photo = png(3, 3)
    sent = buyer.upload(photo)
    assert sent.status_code == 200 and sent.json()["to_agent"] is True, sent.text
    mine = sent.json()["image"]["image"]
    # The buyer's own page shows it and may load it.
    assert any((m.get("payload") or {}).get("image") == mine for m in buyer.messages())
    assert buyer.http.get(url + mine, timeout=10).content == photo
    # The agent's transcript has it as an image line, served to logged-in agents with its true type.
    http, headers = lin
    lines = http.get(f"{url}/api/tickets/{ticket}", timeout=10).json()["transcript"]
    name = re.fullmatch(r"\[图片:([a-z]{32})\]", lines[-1]["text"]).group(1)
    assert lines[-1]["sender"] == "buyer" and mine.endswith(name)
    row = next(t for t in http.get(f"{url}/api/tickets", timeout=10).json()["tickets"] if t["id"] == ticket)
    assert row["preview"] == "[图片]"  # the chat list says a picture arrived, not its stored name
    served = http.get(f"{url}/api/media/{name}", timeout=10)
    assert served.content == photo and served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    # An attacker who knows the name: another buyer (their own chat cookie), no cookie, no agent session.
    other = Buyer(url)
    other.say("你好")
    assert other.http.get(f"{url}/chat/media/{name}", timeout=10).status_code == 404
    assert requests.get(f"{url}/chat/media/{name}", timeout=10).status_code == 403
    assert requests.get(f"{url}/api/media/{name}", timeout=10).status_code == 401
    assert other.http.get(f"{url}/api/media/{name}", timeout=10).status_code == 401


def test_uploads_are_checked_by_type_and_size_with_a_clear_answer(rich: Dict[str, Any]) -> None:
    buyer = Buyer(rich["url"])
    disguised = buyer.upload(b"<html><script>alert(1)</script></html>")
    assert disguised.status_code == 415 and "JPG、PNG、WebP 或 GIF" in disguised.json()["message"]
    huge = buyer.upload(b"\xff\xd8\xff\xe0" + b"\x00" * (MAX_IMAGE_BYTES + 10))
    assert huge.status_code == 413 and "5 MB" in huge.json()["message"]
    assert buyer.upload(b"").status_code == 400
    forged = requests.Session()
    forged.cookies.update(buyer.http.cookies)
    assert forged.post(f"{rich['url']}/chat/upload", data=png(), timeout=10).status_code == 403  # no CSRF header
    assert buyer.messages() == []  # nothing refused reached the chat


def test_an_image_to_the_bot_gets_a_polite_note(rich: Dict[str, Any]) -> None:
    from kefu.handoff.replies import reply

    buyer = Buyer(rich["url"])
    answer = buyer.upload(GIF)
    assert answer.ok and answer.json()["to_agent"] is False
    assert [m["text"] for m in buyer.messages()] == ["[图片]", reply("media.image_to_bot")]


def test_the_agent_sends_an_image_and_the_buyer_sees_it(rich: Dict[str, Any]) -> None:
    url = rich["url"]
    buyer, lin = Buyer(url), agent(rich)
    buyer.say("发个图看看")
    ticket = claimed(rich, buyer.conv, lin)
    http, headers = lin
    photo = png(4, 2, (30, 120, 220))
    sent = http.post(f"{url}/api/tickets/{ticket}/image", data=photo, headers=headers, timeout=30)
    assert sent.ok, sent.text
    shown = [m for m in buyer.messages() if (m.get("payload") or {}).get("image")]
    assert len(shown) == 1 and shown[0]["sender"] == "bot"
    assert buyer.http.get(url + shown[0]["payload"]["image"], timeout=10).content == photo
    # Only the holder may send; a colleague is refused and nothing reaches the buyer.
    wang_http, wang_headers = agent(rich, "rich-wang")
    refused = wang_http.post(f"{url}/api/tickets/{ticket}/image", data=photo, headers=wang_headers, timeout=30)
    assert refused.status_code in (403, 409)
    assert len([m for m in buyer.messages() if (m.get("payload") or {}).get("image")]) == 1
    bad = http.post(f"{url}/api/tickets/{ticket}/image", data=b"GIF00 not really", headers=headers, timeout=30)
    assert bad.status_code == 415


def test_product_and_order_cards_show_prices_stock_and_a_masked_order(rich: Dict[str, Any]) -> None:
    url = rich["url"]
    buyer, lin = Buyer(url), agent(rich)
    buyer.say("我的卫衣到哪了")
    ticket = claimed(rich, buyer.conv, lin, product_id="p1002", order_id="2611200930456789012")
    http, headers = lin
    product = http.post(f"{url}/api/tickets/{ticket}/card", json={"kind": "product"}, headers=headers, timeout=30)
    assert product.ok, product.text
    order = http.post(f"{url}/api/tickets/{ticket}/card", json={"kind": "order"}, headers=headers, timeout=30)
    assert order.ok, order.text
    cards = [m["payload"]["card"] for m in buyer.messages() if (m.get("payload") or {}).get("card")]
    assert [c["type"] for c in cards] == ["product_card", "order_card"]
    sweater, shipped = cards
    assert sweater["name"] == "加绒连帽卫衣" and sweater["price"] == "¥129.00"
    black_l = next(s for s in sweater["skus"] if s["spec"] == "黑色/L")
    assert black_l["price"].startswith("¥") and black_l["stock"] > 0 and "有货" in black_l["stock_label"]
    assert shipped["order_id"] == "2611200930456789012" and shipped["status"] == "已发货"
    assert shipped["tracking_number"] == "78312456789012" and shipped["courier"] == "中通快递"
    everything = repr(cards) + repr(buyer.messages())
    assert "13987654321" not in everything and "体育西路 191 号" not in everything and "李强" not in everything
    assert shipped["phone"] == "139****4321" and shipped["receiver"] == "李*"
    # The agent's transcript keeps the card's text form.
    lines = http.get(f"{url}/api/tickets/{ticket}", timeout=10).json()["transcript"]
    assert lines[-2]["text"].startswith("【商品】加绒连帽卫衣") and lines[-1]["text"].startswith("【订单】2611200930456789012")
    # A chat without an order has no order card; an unknown product is a 404.
    plain = claimed(rich, "web-rich-plain", lin)
    assert http.post(f"{url}/api/tickets/{plain}/card", json={"kind": "order"}, headers=headers,
                     timeout=10).status_code == 404
    assert http.post(f"{url}/api/tickets/{plain}/card", json={"kind": "product", "product_id": "p9999"},
                     headers=headers, timeout=10).status_code == 404
    assert http.post(f"{url}/api/tickets/{plain}/card", json={"kind": "coupon"}, headers=headers,
                     timeout=10).status_code == 400


def test_a_rest_buyer_gets_the_text_form_of_cards_and_images(rich: Dict[str, Any]) -> None:
    url, db = rich["url"], rich["settings"].db_path
    lin = agent(rich)
    ticket = claimed(rich, "rest-rich-1", lin, product_id="p1002", order_id="2611220845123456701")
    http, headers = lin
    assert http.post(f"{url}/api/tickets/{ticket}/card", json={"kind": "order"}, headers=headers, timeout=30).ok
    assert http.post(f"{url}/api/tickets/{ticket}/image", data=png(), headers=headers, timeout=30).ok
    card, image = Outbox(db).take("rest-rich-1")
    assert card["text"].startswith("【订单】2611220845123456701 待发货") and "138****5678" in card["text"]
    assert "13812345678" not in card["text"] and "中山北路" not in card["text"]
    assert card["custom"]["kefu_card"]["type"] == "order_card"
    assert "图片" in image["text"] and "[图片:" not in image["text"]


def test_a_card_whose_text_breaks_the_platforms_rules_is_not_sent(rich: Dict[str, Any]) -> None:
    """The shop's own data can break a rule (an absolute claim in a product name): the card is refused
    with the reason in Chinese, and the buyer receives nothing."""
    import sqlite3

    url, db = rich["url"], rich["settings"].db_path
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE shop_products SET name = '全网最低价纯棉T恤' WHERE id = 'p1001'")
    buyer, lin = Buyer(url), agent(rich)
    buyer.say("T恤还有吗")
    ticket = claimed(rich, buyer.conv, lin)
    http, headers = lin
    refused = http.post(f"{url}/api/tickets/{ticket}/card", json={"kind": "product", "product_id": "p1001"},
                        headers=headers, timeout=30)
    assert refused.status_code == 422 and refused.json()["error"] == "blocked"
    assert [(v["term"], v["category_label"]) for v in refused.json()["check"]["violations"]] == [("最低价", "极限用语")]
    assert not [m for m in buyer.messages() if (m.get("payload") or {}).get("card")]
