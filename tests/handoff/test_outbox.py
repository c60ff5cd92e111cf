"""REST buyers' agent replies are queued, handed out once, oldest first; web-chat buyers are not queued."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict

from kefu.handoff.auth import AgentStore
from kefu.handoff.outbox import Outbox
from kefu.tickets.store import TicketStore, TranscriptLine
from tests.handoff.conftest import login


def test_take_hands_each_reply_out_once_oldest_first(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "kefu.db")
    box.put("rest-1", "亲，您好", "lin", now=1.0)
    box.put("rest-1", "亲，已经为您补发", "lin", now=2.0)
    box.put("rest-2", "不是这位买家的", "wang", now=3.0)
    assert [m["text"] for m in box.take("rest-1")] == ["亲，您好", "亲，已经为您补发"]
    assert box.take("rest-1") == [] and box.waiting("rest-2") == 1


def test_an_agent_reply_to_a_rest_buyer_waits_for_their_next_message(web_env: Dict[str, Any]) -> None:
    url, db = web_env["url"], web_env["settings"].db_path
    AgentStore(db).add("outbox-agent", "outbox-password", replace=True)
    now = time.time()
    tickets = TicketStore(db)
    rest = tickets.create(conversation_id="rest-outbox-1", platform="jd", reason="complain", priority=2,
                          transcript=[TranscriptLine("buyer", "在吗", now, "t:o1")])[0].id
    http, csrf = login(url, "outbox-agent", "outbox-password")
    headers = {"X-CSRF-Token": csrf}
    http.post(f"{url}/api/tickets/{rest}/claim", headers=headers, timeout=10)
    assert http.post(f"{url}/api/tickets/{rest}/reply", json={"text": "亲，您好，马上为您处理"}, headers=headers,
                     timeout=30).ok
    queued = Outbox(db).take("rest-outbox-1")
    assert [m["text"] for m in queued] == ["亲，您好，马上为您处理"]
    # A web-chat buyer's page polls for it: nothing is queued for them.
    web = requests_session_buyer(url)
    tickets_web = tickets.create(conversation_id=web["conv"], platform="jd", reason="complain", priority=2)[0].id
    http.post(f"{url}/api/tickets/{tickets_web}/claim", headers=headers, timeout=10)
    assert http.post(f"{url}/api/tickets/{tickets_web}/reply", json={"text": "亲，您好"}, headers=headers, timeout=30).ok
    assert Outbox(db).waiting(web["conv"]) == 0


def requests_session_buyer(url: str) -> Dict[str, Any]:
    """A web-chat buyer who has written once (what makes a conversation a web chat)."""
    import re

    import requests

    http = requests.Session()
    page = http.get(f"{url}/chat", timeout=10).text
    conv = re.search(r'id="conv">([^<]+)<', page).group(1)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert http.post(f"{url}/chat/send", json={"text": "你好"}, headers={"X-CSRF-Token": csrf}, timeout=30).ok
    return {"conv": conv, "http": http}
