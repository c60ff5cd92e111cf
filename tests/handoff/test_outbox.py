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


# --- the REST channel hands the queue out (kefu_rasa/channels.py) ------------------------------------------


class RestChannel:
    """kefu's real REST channel over HTTP, on the web app's database; a stand-in for Rasa's agent behind it
    that answers like the bot, or stays silent as the paused bot does while a ticket is open."""

    def __init__(self, settings: Any) -> None:
        from rasa.core.channels.channel import UserMessage
        from sanic import Sanic

        from kefu_rasa.channels import Edge, KefuRestInput

        self.paused = {"rest-buyer-7"}  # a person has this conversation: the bot stays quiet
        channel = KefuRestInput()
        channel.edge = Edge(settings)

        async def on_new_message(message: UserMessage) -> None:
            if message.sender_id not in self.paused:
                await message.output_channel.send_response(message.sender_id, {"text": "亲，机器人回答：" + message.text})

        self.app = Sanic(f"kefu_rest_handout_{id(self)}")
        self.app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")

    def say(self, sender: str, text: str, **metadata: Any) -> List[Dict[str, Any]]:
        import requests

        answer = requests.post(self.url + "/webhooks/rest/webhook", timeout=30,
                               json={"sender": sender, "message": text, "metadata": {"platform": "jd", **metadata}})
        assert answer.status_code == 200, answer.text
        return answer.json()


def test_rest_buyers_receive_agent_replies_with_their_next_answer_once_in_order_never_another_sender(
        web_env: Dict[str, Any]) -> None:
    """Part 8 of issue 19: the agent writes in the console (real web app); the REST buyer's next message
    returns those replies first, oldest first; the next message returns none; another sender never gets them."""
    from dataclasses import replace as with_changes

    from tests.running_app import RunningApp

    url, settings = web_env["url"], web_env["settings"]
    db = settings.db_path
    AgentStore(db).add("rest-agent", "rest-password", replace=True)
    tickets = TicketStore(db)
    ticket = tickets.create(conversation_id="rest-buyer-7", platform="jd", reason="complain", priority=2,
                            transcript=[TranscriptLine("buyer", "衣服开线了", time.time(), "t:r7")])[0].id
    http, csrf = login(url, "rest-agent", "rest-password")
    headers = {"X-CSRF-Token": csrf}
    assert http.post(f"{url}/api/tickets/{ticket}/claim", headers=headers, timeout=10).ok
    for text in ("亲，非常抱歉，麻烦您拍一下开线的位置", "亲，我们马上为您补发一件"):
        assert http.post(f"{url}/api/tickets/{ticket}/reply", json={"text": text}, headers=headers, timeout=30).ok
    rest = RestChannel(with_changes(settings, action_port=1))
    with RunningApp(rest.app) as running:
        rest.url = running.url
        assert [m["text"] for m in rest.say("rest-buyer-8", "我的快递呢")] == ["亲，机器人回答：我的快递呢"], \
            "another sender must not receive buyer 7's replies"
        first = rest.say("rest-buyer-7", "好的", message_id="r7-1")
        assert [m["text"] for m in first] == ["亲，非常抱歉，麻烦您拍一下开线的位置", "亲，我们马上为您补发一件"]
        assert all(m["recipient_id"] == "rest-buyer-7" and m["custom"]["kefu_agent"] == "rest-agent" for m in first)
        # The client retries the same message (its answer was lost): the same answer, nothing handed out twice.
        assert rest.say("rest-buyer-7", "好的", message_id="r7-1") == first
        assert rest.say("rest-buyer-7", "还有别的吗") == []
        # After the handback the bot answers again; a later reply comes ahead of the bot's answer.
        assert http.post(f"{url}/api/tickets/{ticket}/reply", json={"text": "亲，已经补发了"}, headers=headers,
                         timeout=30).ok
        rest.paused.clear()
        assert [m["text"] for m in rest.say("rest-buyer-7", "谢谢")] == ["亲，已经补发了", "亲，机器人回答：谢谢"]
