"""The workbench on the real stack (session ``live_stack``): agent-assist runs the real engine on the real shop,
a complaint's ticket fills from Rasa's tracker store while paused, the callback needs the secret."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from kefu.tickets.store import TicketStore

pytestmark = pytest.mark.live


def _rest(settings: Any, sender: str, text: str, **metadata: Any) -> list:
    body = {"sender": sender, "message": text, "metadata": {"platform": "pinduoduo", **metadata}}
    return requests.post(f"{settings.rasa_url}/webhooks/rest/webhook", json=body, timeout=60).json()


def _ticket_for(tickets: TicketStore, conversation_id: str) -> Any:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = tickets.active_for(conversation_id)
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no ticket for {conversation_id}")


def test_assist_drafts_the_real_bots_answer_and_the_paused_chat_fills_from_the_tracker_store(
        live_stack: Any, console_agent: Any) -> None:
    settings = live_stack.settings
    tickets = TicketStore(settings.db_path)
    conv = f"live-assist-{time.time_ns()}"
    assert _rest(settings, conv, "我要转人工", product_id="p1002")  # a handoff: the bot pauses
    ticket = _ticket_for(tickets, conv)
    # Waiting for a person, before an agent takes the chat: the bot still answers what it can.
    waiting = _rest(settings, conv, "这件卫衣黑色L码还有货吗", product_id="p1002")
    assert any("有现货" in m["text"] for m in waiting)
    deadline = time.monotonic() + 15  # the sync task follows the tracker store: no one opens the chat
    while time.monotonic() < deadline and "这件卫衣黑色L码还有货吗" not in [l.text for l in tickets.get(ticket.id).transcript]:
        time.sleep(0.3)
    assert "这件卫衣黑色L码还有货吗" in [line.text for line in tickets.get(ticket.id).transcript]

    def bot_lines() -> list:
        events = requests.get(f"{settings.rasa_url}/conversations/{conv}/tracker",
                              params={"token": settings.token_file.read_text().strip()}, timeout=30).json()["events"]
        return [e.get("text") for e in events if e.get("event") == "bot"]

    before = bot_lines()
    draft = console_agent._api("POST", f"/api/tickets/{ticket.id}/assist", {})
    assert draft["questions"][0] == "这件卫衣黑色L码还有货吗"
    [candidate] = [c for c in draft["candidates"] if c["question"] == "这件卫衣黑色L码还有货吗"]
    assert "卫衣" in candidate["text"] and any("黑色/L" in f for f in candidate["facts"])  # from the shop's data
    assert bot_lines() == before  # the draft reached nobody: the buyer saw nothing new
    assert not [t for t in tickets.queue() if t.conversation_id.startswith("assist:")]


def test_the_live_callback_refuses_a_caller_without_the_secret(live_stack: Any) -> None:
    url = f"{live_stack.settings.web_url}/chat/callback"
    assert requests.post(url, json={"recipient_id": "x", "text": "加我微信"}, timeout=10).status_code == 403


def test_a_rest_buyer_receives_the_agents_reply_with_their_next_message_on_the_real_stack(
        live_stack: Any, console_agent: Any) -> None:
    """Part 8 of issue 19 on the real Rasa: the buyer asks for a person over REST, the agent answers in the
    console, the buyer's next REST message returns that reply (once), and the paused bot adds nothing."""
    settings = live_stack.settings
    tickets = TicketStore(settings.db_path)
    conv = f"live-rest-{time.time_ns()}"
    assert _rest(settings, conv, "叫你们人工客服出来")
    ticket = _ticket_for(tickets, conv)
    console_agent._api("POST", f"/api/tickets/{ticket.id}/claim", {})
    console_agent._api("POST", f"/api/tickets/{ticket.id}/reply", {"text": "亲，您好，我是人工客服小林，请问有什么可以帮您"})
    console_agent._api("POST", f"/api/tickets/{ticket.id}/reply", {"text": "亲，您可以把问题详细说一下"})
    other = _rest(settings, f"live-rest-other-{time.time_ns()}", "你好")
    assert not any("小林" in m.get("text", "") for m in other)
    answer = _rest(settings, conv, "我的衣服开线了")
    agent_lines = [m for m in answer if (m.get("custom") or {}).get("kefu_agent") == "replay-agent"]
    assert [m["text"] for m in agent_lines] == ["亲，您好，我是人工客服小林，请问有什么可以帮您", "亲，您可以把问题详细说一下"]
    assert answer[:2] == agent_lines  # ahead of anything else in the answer
    again = _rest(settings, conv, "人呢")
    assert not [m for m in again if (m.get("custom") or {}).get("kefu_agent") == "replay-agent"]
