"""A Rasa restart under traffic that no buyer notices (issue 21 part 2).

Ten buyers talk over the REST channel, each one message after the other with its own
``message_id``, while the real :class:`~kefu.stack.Supervisor` finds a new model file (what
``make train`` writes) and replaces Rasa: the new process loads and warms the model on the
socket `kefu up` owns, then the old one finishes its turns and exits. What the buyers see:
no refused connection, no error, an answer to every message; what the shop keeps: every
message once in its conversation's tracker and answered in the inbox, some of them by the
old process and some by the new one (the inbox records which process took each).

Reproduce: ``.venv/bin/python -m pytest tests/live/test_restart_live.py -v``.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Dict, List, Tuple

import pytest
import requests

from kefu.edge.texts import reply
from kefu.inbox.store import Inbox
from kefu.stack import Supervisor, model_file

pytestmark = pytest.mark.live

BUYERS = 10
MESSAGES = ("卫衣黑色L码有货吗", "还有别的颜色吗", "什么时候发货", "包邮吗", "谢谢")
HOLDING = reply("holding")
PAUSE_S = 1.0  # a buyer reads the answer and types: ten buyers send a few messages a second


def tracker_user_texts(settings, sender: str) -> List[str]:
    token = settings.token_file.read_text().strip()
    events = requests.get(f"{settings.rasa_url}/conversations/{sender}/tracker", params={"token": token},
                          timeout=30).json()["events"]
    return [e["text"] for e in events if e["event"] == "user"]


def test_a_new_model_replaces_rasa_under_ten_conversations_with_nothing_refused_or_lost(live_stack) -> None:
    settings = live_stack.settings
    rasa = live_stack.service("rasa")
    old_pid = rasa.pid
    supervisor = Supervisor(live_stack, interval_s=1.0)
    thread, stop_supervising = supervisor.run_in_thread()
    replaced = threading.Event()
    failures: List[str] = []
    sent: Dict[str, List[Tuple[str, str, List[dict]]]] = {}
    run = uuid.uuid4().hex[:6]

    def buyer(index: int) -> None:
        sender = f"restart-{run}-{index}"
        sent[sender] = []
        turn = 0
        # Talk until the restart is over, then one more round: traffic before, during and after.
        while not replaced.is_set() or turn % len(MESSAGES):
            text = MESSAGES[turn % len(MESSAGES)]
            message_id = f"{sender}-{turn}"
            try:
                answer = requests.post(f"{settings.rasa_url}/webhooks/rest/webhook", timeout=120, json={
                    "sender": sender, "message": text,
                    "metadata": {"platform": "taobao", "product_id": "p1002", "message_id": message_id}})
            except requests.RequestException as exc:  # a refused or dropped connection
                failures.append(f"{message_id}: {type(exc).__name__}: {exc}")
                return
            if answer.status_code != 200:
                failures.append(f"{message_id}: HTTP {answer.status_code} {answer.text[:200]}")
                return
            sent[sender].append((message_id, text, answer.json()))
            turn += 1
            time.sleep(PAUSE_S)

    buyers = [threading.Thread(target=buyer, args=(i,), daemon=True) for i in range(BUYERS)]
    for t in buyers:
        t.start()
    try:
        time.sleep(5)  # every buyer has had answers from the old process
        stamp = model_file(settings).stat()
        os.utime(model_file(settings), ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))  # "make train"
        deadline = time.monotonic() + 900  # a model load takes 30 s idle, minutes on a loaded machine
        while time.monotonic() < deadline and not any("replaced without a gap" in e for e in supervisor.events):
            assert not failures, failures
            time.sleep(1)
        assert any("replaced without a gap" in e for e in supervisor.events), supervisor.events
        time.sleep(3)  # a few turns on the new process alone
        replaced.set()
        for t in buyers:
            t.join(300)
    finally:
        replaced.set()
        stop_supervising.set()
        thread.join(30)

    assert failures == []  # 0 refused, 0 errors
    assert rasa.pid != old_pid and rasa.running
    inbox = Inbox(settings.db_path)
    owners = set()
    for sender, turns in sent.items():
        assert len(turns) >= len(MESSAGES), (sender, len(turns))
        for message_id, text, replies in turns:
            texts = [m.get("text") for m in replies if m.get("text")]
            assert texts and HOLDING not in texts, (message_id, replies)  # answered by the bot, not held
            row = inbox.message("rest", message_id)
            assert row is not None and row["state"] == "answered", (message_id, row)
            owners.add(row["owner"].rpartition(":")[2])
        assert tracker_user_texts(settings, sender) == [text for _, text, _ in turns]  # each once, in order
    assert {str(old_pid), str(rasa.pid)} <= owners, owners  # traffic ran on both sides of the restart
