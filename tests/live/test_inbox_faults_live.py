"""No accepted message is lost (issue 18 #4): the fault matrix, extended, on the real stack.

Faults injected on real processes and a real disk, counted as a buyer and the shop see them:

- **Rasa frozen (SIGSTOP) and replaced by the supervisor**, with the action server frozen
  too and a bridge message in flight: web-chat messages are acknowledged (200, never 503)
  with the holding answer and a ticket, and answered by the bot once Rasa is back; REST
  clients that retry with the same ``message_id`` are answered, each message entering the
  conversation once; the bridge message the killed Rasa had acknowledged (202) is run again
  and its reply reaches the sidecar;
- **a frozen action server on the bridge**: the holding answer and a ticket, not
  ``{"status": "answered", "messages": []}``; the sidecar's retry of a handled message is a
  duplicate;
- **a full state disk** (a small tmpfs mounted as the state folder by conftest, filled by
  the test): health says degraded, ``/chat/send`` answers 200, writes wait in memory and land
  when space returns — the messages, the chat lines and the complaint's ticket.

Every count (sent / acknowledged / processed) goes to ``results/inbox-faults.json``.
Reproduce: ``.venv/bin/python -m pytest -m live tests/live/test_inbox_faults_live.py -v -s``.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from kefu.bridge.client import BridgeClient
from kefu.edge.texts import reply
from kefu.tickets.store import TicketStore
from kefu.inbox.store import Inbox
from kefu.stack import Stack, http_status
from tests.live.test_bridge_live import replies  # noqa: F401  (the sidecar's callback server fixture)
from tests.live.test_faults_live import Supervised, supervising, wait_until
from tests.faults import fill_until_full

pytestmark = pytest.mark.live
HOLDING = reply("holding")
RESULTS = Path(__file__).resolve().parents[2] / "results" / "inbox-faults.json"
COUNTS: Dict[str, Dict[str, Any]] = {}


def record(fault: str, **counts: Any) -> None:
    COUNTS[fault] = counts
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(COUNTS, ensure_ascii=False, indent=2))
    print(f"\n{fault}: {counts}")


class WebBuyer:
    """A buyer on the web chat page, through its real HTTP routes."""

    def __init__(self, web_url: str) -> None:
        self.url = web_url
        self.http = requests.Session()
        page = self.http.get(f"{web_url}/chat", timeout=30).text
        self.conv = re.search(r'<code id="conv">([^<]+)</code>', page).group(1)
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def send(self, text: str, **fields: Any) -> requests.Response:
        return self.http.post(f"{self.url}/chat/send", json={"text": text, "platform": "pinduoduo", **fields},
                              headers={"X-CSRF-Token": self.csrf}, timeout=60)

    def page(self) -> List[Dict[str, Any]]:
        return self.http.get(f"{self.url}/chat/messages?after=0", timeout=30).json()["messages"]


def rest_with_retries(url: str, sender: str, text: str, message_id: str, out: Dict[str, Any],
                      deadline_s: float = 420.0) -> None:
    """A REST client that does what a client must when no answer came: send again, same message id."""
    attempts = 0
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        attempts += 1
        try:
            answer = requests.post(f"{url}/webhooks/rest/webhook", timeout=40, json={
                "sender": sender, "message": text, "metadata": {"platform": "pinduoduo", "message_id": message_id}})
            if answer.status_code == 200:
                out[message_id] = {"replies": [m.get("text") for m in answer.json()], "attempts": attempts}
                return
        except requests.RequestException:
            pass
        time.sleep(2)
    out[message_id] = {"replies": None, "attempts": attempts}


@pytest.fixture(scope="module")
def outage(live_stack: Stack) -> Iterator[Supervised]:
    with supervising(live_stack, heal_timeout=400) as supervised:
        yield supervised


def user_texts(outage: Supervised, sender: str) -> List[str]:
    return outage.tracker_texts(sender)


def test_frozen_action_server_on_the_bridge_gives_the_holding_answer_and_a_ticket(outage: Supervised, replies) -> None:
    settings = outage.settings
    client = BridgeClient(settings.rasa_url, settings.bridge_secret, timeout_s=60)
    outage.pause()  # the frozen action server must stay frozen while the turn meets it
    actions = outage.svc("actions")
    frozen = actions.pid
    os.kill(frozen, signal.SIGSTOP)
    try:
        message_id = f"frozen-{uuid.uuid4().hex[:8]}"
        ack = client.send(platform="douyin", shop_id="shop-f", buyer_id="frozen-buyer", text="卫衣黑色L码有货吗",
                          message_id=message_id)
        assert ack["status"] == "accepted"
        got = replies.get(timeout=90)
        assert got["in_reply_to"] == message_id
        assert [m["text"] for m in got["messages"]] == [HOLDING]
        (ticket,) = outage.tickets(ack["conversation_id"])
        assert ticket.reason == "degraded" and "no reply within" in ticket.detail
        again = client.send(platform="douyin", shop_id="shop-f", buyer_id="frozen-buyer", text="卫衣黑色L码有货吗",
                            message_id=message_id)
        assert again == {"status": "duplicate"}
        row = Inbox(settings.db_path).message("kefu_bridge", f"douyin/shop-f/{message_id}")
        assert row["state"] == "held"
    finally:
        os.kill(frozen, signal.SIGCONT)
        outage.resume()
    record("bridge, action server frozen (SIGSTOP)", sent=1, acknowledged=1, holding_answer_delivered=1,
           tickets=1, retry_answered_as="duplicate",
           command="pytest -m live tests/live/test_inbox_faults_live.py -k frozen_action_server")


def test_rasa_frozen_and_replaced_nothing_accepted_is_lost(outage: Supervised, replies) -> None:
    """The supervisor sees Rasa frozen, kills and restarts it (a model load); meanwhile every channel."""
    settings = outage.settings
    stack = outage.stack
    client = BridgeClient(settings.rasa_url, settings.bridge_secret, timeout_s=60)
    web = [WebBuyer(settings.web_url), WebBuyer(settings.web_url)]
    for buyer in web:
        assert buyer.send("你好").status_code == 200  # conversations exist before the outage
    while not replies.empty():
        replies.get_nowait()
    # 1. a bridge message in flight: the action server frozen, so the turn waits on it; then Rasa frozen
    outage.pause()
    actions_pid = outage.svc("actions").pid
    os.kill(actions_pid, signal.SIGSTOP)
    bridge_id = f"inflight-{uuid.uuid4().hex[:8]}"
    ack = client.send(platform="douyin", shop_id="shop-r", buyer_id="inflight-buyer", text="卫衣黑色L码有货吗",
                      message_id=bridge_id)
    assert ack["status"] == "accepted"
    time.sleep(2)
    rasa_pid = outage.svc("rasa").pid
    os.kill(rasa_pid, signal.SIGSTOP)
    os.kill(actions_pid, signal.SIGCONT)
    outage.resume()  # the supervisor will find Rasa frozen and replace it
    # 2. web chat while Rasa is frozen: acknowledged at once, holding answer, a ticket
    web_texts = [(web[0], "卫衣黑色L码有货吗"), (web[1], "这件有货吗"), (web[0], "周日发货吗")]
    started = time.monotonic()
    answers = [buyer.send(text, product_id="p1002") for buyer, text in web_texts]
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert all(a.json()["state"] == "waiting" for a in answers)
    assert time.monotonic() - started < 30
    for buyer in web:
        assert HOLDING in [m["text"] for m in buyer.page() if m["sender"] == "bot"]
        (ticket,) = outage.tickets(buyer.conv)
        assert ticket.reason == "degraded" and "Rasa" in ticket.detail
    # 3. REST clients that retry until answered
    rest_out: Dict[str, Any] = {}
    rest = [(f"rest-outage-{i}", f"m-{uuid.uuid4().hex[:8]}") for i in range(2)]
    threads = [threading.Thread(target=rest_with_retries, args=(settings.rasa_url, sender, "卫衣黑色L码有货吗", mid,
                                                                rest_out)) for sender, mid in rest]
    for thread in threads:
        thread.start()
    # 4. Rasa back
    wait_until(lambda: outage.svc("rasa").pid != rasa_pid, 120, f"Rasa not replaced: {outage.supervisor.events}")
    outage.wait_healthy("rasa", timeout=400)
    for thread in threads:
        thread.join(450)
    # the bridge message the frozen Rasa had acknowledged is run again by the new one
    got = replies.get(timeout=120)
    assert got["in_reply_to"] == bridge_id and got["messages"] and got["messages"][0]["text"]
    # web chat messages answered by the bot, in order, each once
    inbox = Inbox(settings.db_path)
    wait_until(lambda: all(r["state"] == "answered" for r in _web_rows(inbox, web)), 180,
               f"web chat rows: {[(r['text'], r['state']) for r in _web_rows(inbox, web)]}")
    for buyer in web:
        texts = user_texts(outage, buyer.conv)
        sent = ["你好"] + [t for b, t in web_texts if b is buyer]
        assert texts == sent, texts
        wait_until(lambda: len([m for m in buyer.page() if m["sender"] == "bot" and m["text"] != HOLDING]) >= len(sent),
                   60, f"bot answers on the page: {buyer.page()}")
        assert outage.tickets(buyer.conv) == []  # the outage ticket was closed when the bot answered
    # REST: answered, and each message once in its conversation
    for sender, mid in rest:
        assert rest_out[mid]["replies"], rest_out
        assert user_texts(outage, sender) == ["卫衣黑色L码有货吗"]
    record("Rasa frozen (SIGSTOP), replaced by the supervisor; action server frozen meanwhile",
           web_chat={"sent": len(web_texts), "acknowledged_200": len(answers), "holding_answer_and_ticket": len(web),
                     "answered_by_the_bot_after": len(_web_rows(inbox, web)) - 2},
           rest={"sent": len(rest), "answered": sum(1 for v in rest_out.values() if v["replies"]),
                 "attempts": [v["attempts"] for v in rest_out.values()], "in_the_conversation_once": len(rest)},
           bridge={"sent_in_flight": 1, "acknowledged_202": 1, "run_again_and_delivered": 1},
           command="pytest -m live tests/live/test_inbox_faults_live.py -k rasa_frozen")


def _web_rows(inbox: Inbox, web: List[WebBuyer]) -> List[Dict[str, Any]]:
    convs = {buyer.conv for buyer in web}
    rows = inbox.conn.execute("SELECT * FROM inbox_messages WHERE channel = 'webchat' ORDER BY id").fetchall()
    return [dict(r) for r in rows if r["conversation_id"] in convs]


def test_a_full_state_disk_loses_nothing_and_health_says_degraded(outage: Supervised) -> None:
    settings = outage.settings
    state = settings.state_dir
    if subprocess.run(["findmnt", "-n", "-o", "FSTYPE", str(state)], capture_output=True, text=True).stdout.strip() \
            != "tmpfs":
        pytest.skip("the live state folder is not a tmpfs of its own here (conftest mounts one as root)")
    buyer = WebBuyer(settings.web_url)
    assert buyer.send("你好").status_code == 200
    complaint_sender = f"full-{uuid.uuid4().hex[:6]}"
    filler = fill_until_full(state)
    try:
        health = requests.get(f"{settings.web_url}/health", timeout=10)
        assert health.status_code == 503 and health.json()["status"] == "degraded", health.text
        assert requests.get(f"{settings.rasa_url}/webhooks/rest/", timeout=10).status_code == 503
        texts = ["卫衣黑色L码有货吗", "周日发货吗", "包邮吗"]
        answers = [buyer.send(text, product_id="p1002") for text in texts]
        assert [a.status_code for a in answers] == [200] * len(texts), [a.text for a in answers]
        complaint = outage.say(complaint_sender, "你们这衣服质量太差了，洗一次就开线，什么破东西")
        assert complaint and all(complaint)
        time.sleep(3)
    finally:
        filler.unlink()
    inbox = Inbox(settings.db_path)
    wait_until(lambda: requests.get(f"{settings.web_url}/health", timeout=10).status_code == 200, 60,
               "web health not ok after the disk had space again")
    wait_until(lambda: len([r for r in _web_rows(inbox, [buyer])]) == 1 + len(texts), 60,
               f"web chat rows after the disk came back: {_web_rows(inbox, [buyer])}")
    wait_until(lambda: bool(outage.tickets(complaint_sender)), 60, "the complaint's ticket never landed")
    page = [m["text"] for m in buyer.page() if m["sender"] == "buyer"]
    assert page == ["你好"] + texts
    record("full state disk (tmpfs filled to ENOSPC)",
           web_chat={"sent": len(texts), "answered_200": len(answers), "in_the_inbox_after": len(_web_rows(inbox, [buyer])) - 1,
                     "on_the_page_after": len(page) - 1},
           complaint={"sent": 1, "ticket_after": len(outage.tickets(complaint_sender))},
           health_while_full="503 degraded (web and Rasa channel)",
           command="pytest -m live tests/live/test_inbox_faults_live.py -k full_state_disk")
