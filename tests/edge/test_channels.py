"""kefu's REST channel through real HTTP, with a recording stand-in for Rasa's agent behind it.

What Rasa would be handed (``UserMessage``: text, sender, metadata) and what the buyer gets back are
checked; the agent stand-in either answers through the real output channel or stays silent, as Rasa
does when the action server is down.
"""

from __future__ import annotations

from typing import Iterator, List

import pytest
import requests
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from kefu.edge.texts import reply
from kefu.edge.validation import MAX_MESSAGE_CHARS
from kefu.tickets.store import TicketStore
from kefu.settings import Settings
from kefu_rasa.channels import Edge, KefuRestInput
from tests.running_app import RunningApp


class Channel:
    def __init__(self, settings: Settings) -> None:
        self.received: List[UserMessage] = []
        self.silent = False
        self.settings = settings
        channel = KefuRestInput()
        channel.edge = Edge(settings)

        async def on_new_message(message: UserMessage) -> None:
            self.received.append(message)
            if not self.silent:
                await message.output_channel.send_response(message.sender_id, {"text": "收到：" + message.text})

        app = Sanic(f"kefu_channel_test_{id(self)}")
        app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
        self.app = app

    def post(self, body: object) -> requests.Response:
        return requests.post(self.url + "/webhooks/rest/webhook", json=body, timeout=30)


@pytest.fixture()
def channel(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Channel]:
    from dataclasses import replace

    state = tmp_path / "state"
    state.mkdir()
    settings = replace(Settings(), state_dir=state, db_path=state / "kefu.db", action_port=1)
    ch = Channel(settings)
    with RunningApp(ch.app) as running:
        ch.url = running.url
        yield ch


def test_rasa_gets_normalised_text_a_safe_id_and_the_fixed_platform(channel: Channel) -> None:
    answer = channel.post({"sender": "张 三", "message": "  /restart\u202e ", "metadata": {"platform": "jd"}})
    assert answer.status_code == 200
    (message,) = channel.received
    assert message.text == "／restart" and message.sender_id.startswith("b-")
    assert message.metadata["platform"] == "jd" and message.input_channel == "rest"
    channel.post({"sender": "张 三", "message": "我是在淘宝买的", "metadata": {"platform": "taobao"}})
    assert channel.received[1].metadata["platform"] == "jd"
    assert answer.json() == [{"recipient_id": message.sender_id, "text": "收到：／restart"}]


def test_refusals_never_reach_rasa(channel: Channel) -> None:
    for body in ({"sender": "a"}, {"sender": "a", "message": "  "}, {"sender": "a", "message": "hi",
                                                                       "metadata": {"platform": "ebay"}}):
        assert channel.post(body).status_code == 400
    raw = requests.post(channel.url + "/webhooks/rest/webhook", data=b'{"sender":"\\ud800","message":"x"}',
                        headers={"Content-Type": "application/json"}, timeout=30)
    assert raw.status_code == 400 and raw.json()["error"] == "bad_request"
    long = channel.post({"sender": "a", "message": "好" * (MAX_MESSAGE_CHARS + 1)})
    assert [m["text"] for m in long.json()] == [reply("too_long", limit=MAX_MESSAGE_CHARS)]
    assert channel.received == []


def test_silence_from_rasa_becomes_the_holding_answer_and_a_ticket(channel: Channel) -> None:
    channel.silent = True
    answer = channel.post({"sender": "b9", "message": "我的快递到哪了", "metadata": {"platform": "douyin"}})
    assert [m["text"] for m in answer.json()] == [reply("holding")]
    (ticket,) = TicketStore(channel.settings.db_path).queue()
    assert (ticket.conversation_id, ticket.platform, ticket.reason) == ("b9", "douyin", "degraded")
    assert "action server: down" in ticket.detail
