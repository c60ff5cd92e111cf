"""The REST channel's inbox through real HTTP: retries with a message id are answered once, never lost.

Rasa's agent is the recording stand-in of tests/edge/test_channels.py (the channel and its inbox are
what is under test). Reproduce: ``.venv/bin/python -m pytest tests/attacks/test_inbox_channels.py -v``.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from typing import Iterator, List

import pytest
import requests
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from kefu.inbox.store import Inbox
from kefu.settings import Settings
from kefu_rasa.channels import Edge, KefuRestInput
from tests.running_app import RunningApp


class SlowAgent:
    """Answers every message after ``delay_s`` (a busy Rasa), remembering what it ran."""

    def __init__(self) -> None:
        self.ran: List[str] = []
        self.delay_s = 0.0

    async def __call__(self, message: UserMessage) -> None:
        self.ran.append(message.text)
        await asyncio.sleep(self.delay_s)
        await message.output_channel.send_response(message.sender_id, {"text": "亲，收到：" + message.text})


@pytest.fixture()
def rest(tmp_path) -> Iterator[tuple]:
    state = tmp_path / "state"
    state.mkdir()
    settings = replace(Settings(), state_dir=state, db_path=state / "kefu.db", action_port=1)
    channel = KefuRestInput()
    channel.edge = Edge(settings)
    agent = SlowAgent()
    app = Sanic(f"kefu_inbox_rest_{id(agent)}")
    app.blueprint(channel.blueprint(agent), url_prefix="/webhooks/rest")
    with RunningApp(app) as running:
        yield running.url + "/webhooks/rest/webhook", agent, settings


def send(url: str, text: str, message_id: str = "") -> requests.Response:
    metadata = {"platform": "jd", **({"message_id": message_id} if message_id else {})}
    return requests.post(url, json={"sender": "retry-buyer", "message": text, "metadata": metadata}, timeout=60)


def test_a_retry_of_an_answered_message_gets_the_same_answer_without_a_second_turn(rest) -> None:
    url, agent, settings = rest
    first = send(url, "卫衣有货吗", "m-1")
    again = send(url, "卫衣有货吗", "m-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and first.json()[0]["text"] == "亲，收到：卫衣有货吗"
    assert agent.ran == ["卫衣有货吗"]
    assert Inbox(settings.db_path).message("rest", "m-1")["state"] == "answered"
    # without a message id every message is new
    send(url, "在吗")
    send(url, "在吗")
    assert agent.ran.count("在吗") == 2


def test_a_retry_while_the_first_copy_is_being_answered_waits_for_that_answer(rest) -> None:
    """A client whose first request timed out sends again: one turn, both requests get its answer."""
    url, agent, _ = rest
    agent.delay_s = 3.0
    answers: List[requests.Response] = []
    first = threading.Thread(target=lambda: answers.append(send(url, "周日发货吗", "m-slow")))
    first.start()
    threading.Event().wait(1.0)
    second = send(url, "周日发货吗", "m-slow")
    first.join(30)
    assert agent.ran == ["周日发货吗"]
    assert second.json() == answers[0].json() and second.json()[0]["text"] == "亲，收到：周日发货吗"
