"""Issue 18 #3: one edge for every channel (REST, callback, bridge, web chat, the 抖店 webhook).

The webhook's malformed but correctly signed pushes get a permanent 4xx, never a 5xx; an
impossible time changes nothing; the text rules (``/`` commands as text, bidi and control
characters removed, the length note) hold on the bridge and the web chat as on REST."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from typing import Any, Dict, List

import pytest
import requests

from kefu.bridge.client import BridgeClient
from kefu.bridge.protocol import bridge_secret
from kefu.orders.signing import doudian_event_sign
from kefu.shop.store import ShopStore

from .conftest import fresh, tracker, wait_until

pytestmark = pytest.mark.attack
AWAITING = "2611220845123456701"   # 王晓丽, 待发货
BIDI = "\u202e321cba 信微我加\u202c\u2066x\u2069\u200f"


def _push(stack: Any, body: bytes) -> requests.Response:
    s = stack.settings
    headers = {"app-id": s.doudian_app_key, "event-sign": doudian_event_sign(s.doudian_app_key, s.doudian_app_secret, body),
               "Content-Type": "application/json"}
    return requests.post(f"{s.rasa_url}/webhooks/doudian_events/webhook", data=body, headers=headers, timeout=60)


def _message(tag: str, data: Any) -> bytes:
    raw = data if isinstance(data, str) else json.dumps(data)
    return json.dumps([{"tag": tag, "msg_id": uuid.uuid4().hex, "data": raw}]).encode()


def test_malformed_signed_pushes_never_get_a_5xx(live_stack, report) -> None:
    deep = "[" * 5000 + "]" * 5000
    pushes: Dict[str, bytes] = {
        "nesting 5,000 deep (body)": deep.encode(),
        "nesting 5,000 deep (data)": _message("101", deep),
        "pay_time 1e20": _message("101", '{"p_id": "%s", "pay_time": 1e20}' % AWAITING),
        "pay_time 10**30": _message("101", '{"p_id": "%s", "pay_time": %s}' % (AWAITING, "1" + "0" * 30)),
        "refund_amount abc": _message("200", {"p_id": AWAITING, "refund_amount": "abc", "apply_time": 1764000000}),
        "lone surrogate (body)": b'[{"tag": "101", "msg_id": "m-sur", "data": "{\\"p_id\\": \\"\\ud800\\"}"}]',
        "lone surrogate (data)": _message("101", '{"p_id": "%s", "x": "\\udc00"}' % AWAITING),
        "negative pay_time": _message("101", {"p_id": AWAITING, "pay_time": -5}),
        "pay_time before 2000": _message("101", {"p_id": AWAITING, "pay_time": 5}),
        "pay_time next year": _message("101", {"p_id": AWAITING, "pay_time": 1900000000}),
        "pay_time text": _message("101", {"p_id": AWAITING, "pay_time": "yesterday"}),
        "5,000-digit p_id (string)": _message("102", {"p_id": "9" * 5000, "update_time": 1764000000}),
        "5,000-digit p_id (number)": _message("102", '{"p_id": %s, "update_time": 1764000000}' % ("9" * 5000)),
        "p_id an object": _message("102", {"p_id": {"a": 1}}),
        "NaN amount": _message("200", '{"p_id": "%s", "refund_amount": NaN}' % AWAITING),
        "logistics code 5,000 chars": _message("102", {"p_id": AWAITING, "update_time": 1764000000,
                                                       "logistics_msg": {"logistics_code": "x" * 5000}}),
    }
    before = ShopStore(live_stack.settings.db_path).order(AWAITING).status
    statuses = {name: _push(live_stack, body).status_code for name, body in pushes.items()}
    server_errors = [name for name, status in statuses.items() if status >= 500]
    not_refused = [name for name, status in statuses.items() if not 400 <= status < 500]
    report("抖店 webhook: malformed signed pushes answered 5xx", len(pushes), len(server_errors))
    report("抖店 webhook: malformed signed pushes not refused (4xx)", len(pushes), len(not_refused))
    assert not server_errors and not not_refused, statuses
    # An impossible time never became "now": the order is as it was, no update was recorded for it.
    assert ShopStore(live_stack.settings.db_path).order(AWAITING).status == before
    conn = sqlite3.connect(live_stack.settings.db_path)
    recorded = conn.execute("SELECT COUNT(*) FROM order_updates WHERE order_id = ?", (AWAITING,)).fetchone()[0]
    conn.close()
    assert recorded == 0
    # The control: a well-formed push is applied.
    good = _push(live_stack, _message("101", {"p_id": "6900000000000000001", "pay_time": 1764000000}))
    assert good.status_code == 200 and good.json()["code"] == 0


def _user_texts(stack: Any, conversation_id: str) -> List[str]:
    return [e.get("text") or "" for e in tracker(stack, conversation_id).get("events") or [] if e.get("event") == "user"]


def _restarted(stack: Any, conversation_id: str) -> bool:
    """``/restart`` run as Rasa's command leaves a ``restart`` event (and action_restart)."""
    return any(e.get("event") == "restart" or e.get("name") == "action_restart"
               for e in tracker(stack, conversation_id).get("events") or [])


def test_every_channel_shares_the_text_rules(live_stack, rest, report) -> None:
    """``/restart`` and ``/request_human{...}`` are text, bidi/control characters are gone, long text gets the note."""
    settings = live_stack.settings
    attempts = bypasses = 0
    hostile = ("/restart", '/request_human{"x": 1}', "你好" + BIDI, "在吗\u0007\u001b[31m")
    # REST
    sender = fresh("edge-rest")
    for text in hostile:
        rest.say(sender, text)
    # the bridge (signed; its replies go to the callback URL, the tracker shows what Rasa read)
    client = BridgeClient(settings.rasa_url, bridge_secret(settings))
    nick = "edge" + uuid.uuid4().hex[:6]
    bridge_id = ""
    for text in hostile + ("长" * 1998,):
        bridge_id = client.send(platform="douyin", shop_id="shop-1", buyer_id=nick, text=text)["conversation_id"]
    wait_until(lambda: len(_user_texts(live_stack, bridge_id)) >= len(hostile), timeout=120)
    # the web chat
    chat = requests.Session()
    page = chat.get(f"{settings.web_url}/chat", timeout=30)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text) or re.search(r'csrf_token["\']?\s*[:=]\s*["\']([^"\']+)', page.text)
    web_id = re.search(r'(web-[0-9a-f]{20})', page.text)
    assert csrf and web_id, "the chat page names its conversation and CSRF token"
    for text in hostile:
        sent = chat.post(f"{settings.web_url}/chat/send", json={"text": text, "platform": "douyin"},
                         headers={"X-CSRF-Token": csrf.group(1)}, timeout=120)
        # The web chat may refuse control characters outright (400 bad_text): nothing stored, nothing read.
        assert sent.status_code == 200 or (sent.status_code == 400 and sent.json()["error"] == "bad_text"), sent.text
    stored = [m["text"] for m in chat.get(f"{settings.web_url}/chat/messages?after=0", timeout=30).json()["messages"]
              if m.get("sender") == "buyer"]
    for conversation_id in (sender, bridge_id, web_id.group(1)):
        texts = _user_texts(live_stack, conversation_id)
        for text in texts:
            attempts += 1
            bypasses += text.startswith("/") or any(ch in text for ch in "\u202e\u202c\u2066\u2069\u200f\u0007\u001b")
            bypasses += len(text) > 1500
        attempts += 1
        bypasses += _restarted(live_stack, conversation_id)
    for text in stored:
        attempts += 1
        bypasses += text.startswith("/") or any(ch in text for ch in "\u202e\u202c\u2066\u2069\u200f\u0007\u001b")
    report("one edge: commands, bidi/control chars, length on REST, bridge, web chat", attempts, bypasses)
    assert bypasses == 0
