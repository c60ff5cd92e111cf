"""Triggers, abuse detection (plain and as a Rasa component), tickets, webhook retries, agents."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List

import pytest
from rasa.shared.nlu.training_data.message import Message

from kefu.tickets import triggers
from kefu.handoff.abuse import AbuseLexicon
from kefu.handoff.auth import AgentStore, AuthError, hash_password, verify_password
from kefu.handoff.replies import reply
from kefu.tickets.store import ClaimConflict, TicketStore, TranscriptLine, transcript_from_events
from kefu.handoff.webhook import backoff_delays, deliver
from kefu_rasa.abuse import AbuseDetector

KEFU = str(Path(sys.executable).with_name("kefu"))  # the console script, as people run it

# --- abuse lexicon and the NLU component ------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind",
    [
        ("再不退款我就打12315", "threat"),
        ("我要打 12 315 投诉你们", "threat"),
        ("去消 协告你们", "threat"),
        ("不处理就曝 光你们", "threat"),
        ("信不信我给你差评", "threat"),
        ("你们客服是傻逼吗", "insult"),
        ("垃圾客服，脑残", "insult"),
        ("ＴＭＤ什么破店", "insult"),
    ],
)
def test_abuse_lexicon_finds_insults_and_threats_and_evasions(text: str, kind: str) -> None:
    assert AbuseLexicon.default().kind(text) == kind


@pytest.mark.parametrize("text", ["衣服质量太差了，我很不满意", "收到的鞋子开胶了", "这件有货吗", "滚筒洗衣机", "", "好" * 10000])
def test_abuse_lexicon_leaves_ordinary_complaints_and_clean_text_alone(text: str) -> None:
    assert AbuseLexicon.default().kind(text) is None


def test_abuse_spans_point_at_the_original_text() -> None:
    text = "我要打12 315"
    [hit] = AbuseLexicon.default().scan(text)
    assert text[hit.start:hit.end] == "12 315"


def _message(text: str, intent: str, confidence: float) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}], add_to_output=True)
    return message


def test_abuse_detector_sets_complain_and_records_the_kind() -> None:
    detector = AbuseDetector(AbuseDetector.get_default_config())
    threat, insult = _message("不退款就曝 光你们", "ask_return_policy", 0.6), _message("傻逼客服", "nlu_fallback", 0.3)
    detector.process([threat, insult])
    assert threat.get("intent") == {"name": "complain", "confidence": 1.0}
    assert threat.get("abuse")["kind"] == "threat" and threat.get("abuse")["terms"] == ["曝光"]
    assert threat.get("intent_ranking") == [{"name": "ask_return_policy", "confidence": 0.6}]  # ranking kept
    assert insult.get("abuse")["kind"] == "insult"
    assert "abuse" in threat.as_dict(only_output_properties=True)  # reaches tracker.latest_message


def test_abuse_detector_ignores_ordinary_complaints_and_clean_messages() -> None:
    detector = AbuseDetector(AbuseDetector.get_default_config())
    complaint, clean = _message("衣服质量太差了", "complain", 0.9), _message("这件有L码吗", "ask_stock", 0.95)
    detector.process([complaint, clean])
    assert complaint.get("intent") == {"name": "complain", "confidence": 0.9} and complaint.get("abuse") is None
    assert clean.get("intent") == {"name": "ask_stock", "confidence": 0.95} and clean.get("abuse") is None


# --- triggers ---------------------------------------------------------------------------------


def test_trigger_priorities_put_threats_and_insults_first() -> None:
    assert triggers.decide(intent="complain", abuse_kind="threat").reason == "threat"
    assert triggers.decide(intent="complain", abuse_kind=None).priority == 2
    assert triggers.decide(intent="request_human", abuse_kind=None).reason == "request_human"
    fallback = triggers.decide(intent="nlu_fallback", abuse_kind=None, user_intents=["greet", "nlu_fallback", "nlu_fallback"])
    assert fallback.reason == "fallback" and fallback.detail == "2 in a row"
    assert triggers.PRIORITIES["threat"] < triggers.PRIORITIES["complain"] < triggers.PRIORITIES["request_human"]


def test_shop_rules_from_the_real_shop_section() -> None:
    rules = triggers.HandoffRules.from_section({"refund_amount_threshold": 300, "product_ids": ["p1008"], "intents": ["complain"]})
    assert rules == triggers.HandoffRules(300.0, ("p1008",))
    assert triggers.shop_rule_trigger(rules, intent="ask_stock", product_id="p1008").reason == "shop_rule"
    assert triggers.shop_rule_trigger(rules, intent="ask_return_policy", product_id="p1001", order_amount=459).detail == "refund 459 > 300"
    assert triggers.shop_rule_trigger(rules, intent="ask_return_policy", product_id="p1001", order_amount=99) is None
    with pytest.raises(ValueError, match="number"):
        triggers.HandoffRules.from_section({"refund_amount_threshold": "lots"})


def test_service_hours_and_next_opening() -> None:
    tz = dt.timezone(dt.timedelta(hours=8))
    hours = (dt.time(9), dt.time(23))
    noon, night, early = (dt.datetime(2025, 5, 6, h, 30, tzinfo=tz) for h in (12, 23, 7))
    assert triggers.in_service_hours(noon, hours) and not triggers.in_service_hours(night, hours)
    assert triggers.next_opening(night, hours) == dt.datetime(2025, 5, 7, 9, 0, tzinfo=tz)
    assert triggers.next_opening(early, hours) == dt.datetime(2025, 5, 6, 9, 0, tzinfo=tz)
    assert triggers.in_service_hours(dt.datetime(2025, 5, 6, 1, 0), (dt.time(20), dt.time(2)))


def test_wait_estimate_shares_the_queue_among_agents() -> None:
    assert triggers.estimate_wait_minutes(0, 5, 1) == 1
    assert triggers.estimate_wait_minutes(4, 5, 2) == 10


def test_every_reply_renders() -> None:
    for reason in triggers.PRIORITIES:
        assert "{" not in reply(f"handoff.{reason}", wait=reply("wait.next"))
    assert "3位" in reply("wait.queue", ahead=3, minutes=15)


# --- tickets ----------------------------------------------------------------------------------


def test_ticket_lifecycle_and_claim_conflicts(tmp_path: Any) -> None:
    store = TicketStore(tmp_path / "kefu.db")
    line = TranscriptLine("buyer", "我要投诉", 100.0, "rasa:user:100.0")
    ticket, created = store.create(conversation_id="c1", platform="jd", reason="complain", priority=2, transcript=[line], now=100)
    again, created_again = store.create(conversation_id="c1", platform="jd", reason="threat", priority=1, transcript=[line])
    assert created and not created_again and again.id == ticket.id and again.priority == 1
    assert len(again.transcript) == 1  # same source key: not duplicated
    assert store.waiting_ahead(1) == 1
    store.claim(ticket.id, "lin", now=160)
    with pytest.raises(ClaimConflict):
        store.claim(ticket.id, "wang")
    with pytest.raises(ClaimConflict):
        store.close(ticket.id, "wang", "resolved")
    store.add_agent_reply(ticket.id, "lin", "亲，您好", now=170)
    closed = store.close(ticket.id, "lin", "resolved", now=400)
    assert closed.status == "closed" and closed.outcome == "resolved"
    assert [l.sender for l in closed.transcript] == ["buyer", "agent"]
    assert store.average_handling_minutes() == pytest.approx(4.0)
    with pytest.raises(ClaimConflict):
        store.claim(ticket.id, "lin")
    assert store.create(conversation_id="c1", platform="jd", reason="complain", priority=2)[1]  # new ticket after close


def test_transcript_from_tracker_events_skips_console_pushes() -> None:
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": "我要投诉", "timestamp": 2.0},
        {"event": "bot", "text": "非常抱歉", "timestamp": 3.0},
        {"event": "bot", "text": "人工回复", "timestamp": 4.0, "metadata": {"kefu_agent": "lin"}},
        {"event": "user", "text": "", "timestamp": 5.0},
        "garbage",
    ]
    lines = transcript_from_events(events)
    assert [(l.sender, l.text) for l in lines] == [("buyer", "我要投诉"), ("bot", "非常抱歉")]


# --- webhook ----------------------------------------------------------------------------------


class FlakyWebhook:
    """A real local HTTP server answering 500 twice, then 200."""

    def __init__(self, failures: int = 2) -> None:
        self.bodies: List[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(500 if len(hook.bodies) <= failures else 200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_webhook_retries_with_backoff_until_success() -> None:
    hook = FlakyWebhook(failures=2)
    waits: List[float] = []
    assert deliver(hook.url, {"id": 7, "reason": "threat"}, base_delay=0.01, sleep=waits.append)
    assert len(hook.bodies) == 3 and hook.bodies[-1] == {"id": 7, "reason": "threat"}
    assert waits == [0.01, 0.02]
    hook.server.shutdown()


def test_webhook_gives_up_after_bounded_attempts() -> None:
    hook = FlakyWebhook(failures=100)
    waits: List[float] = []
    assert not deliver(hook.url, {"id": 8}, attempts=4, base_delay=1, max_delay=2, sleep=waits.append)
    assert len(hook.bodies) == 4 and waits == [1, 2, 2]
    assert backoff_delays(5, 0.5, 8) == [0.5, 1.0, 2.0, 4.0]
    hook.server.shutdown()


# --- agents -----------------------------------------------------------------------------------


def test_passwords_are_salted_scrypt_hashes(tmp_path: Any) -> None:
    first, second = hash_password("secret-pass"), hash_password("secret-pass")
    assert first != second and first.startswith("scrypt$") and "secret-pass" not in first
    assert verify_password("secret-pass", first) and not verify_password("wrong-pass", first)
    store = AgentStore(tmp_path / "kefu.db", session_seconds=60)
    store.add("lin", "secret-pass")
    with pytest.raises(AuthError):
        store.add("lin", "another-pass")
    with pytest.raises(AuthError):
        store.add("wang", "short")
    token, session = store.login("lin", "secret-pass", now=1000)
    assert store.session(token, now=1059).agent == "lin"
    assert store.session(token, now=1061) is None  # sessions expire
    assert store.login("lin", "bad-password") is None


def test_agent_cli_adds_and_lists_agents(tmp_path: Any) -> None:
    env = {"KEFU_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    add = subprocess.run([KEFU, "agent", "add", "lin", "--password-stdin"],
                         input="a-long-password\n", capture_output=True, text=True, env=env, timeout=60)
    assert add.returncode == 0, add.stderr
    dup = subprocess.run([KEFU, "agent", "add", "lin", "--password-stdin"],
                         input="a-long-password\n", capture_output=True, text=True, env=env, timeout=60)
    assert dup.returncode == 2 and "exists" in dup.stderr and "Traceback" not in dup.stderr
    listing = subprocess.run([KEFU, "agent", "list"], capture_output=True, text=True, env=env, timeout=60)
    assert "lin" in listing.stdout and "a-long-password" not in listing.stdout
    assert AgentStore(tmp_path / "kefu.db").verify("lin", "a-long-password")
