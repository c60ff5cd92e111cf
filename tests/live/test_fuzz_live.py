"""10,000+ generated hostile inputs to every public endpoint of the live stack (issue 9 #7).

Hypothesis (seeded, derandomised, no example database) generates bodies for
Rasa's channel webhooks, the action server and the web app's
public routes: malformed JSON, invalid UTF-8, lone surrogates, control
characters, deep nesting, huge integers, wrong types, unknown platforms, typed
commands, oversize messages, and valid messages in between. Every answer must
be below 500 (and JSON where the endpoint speaks JSON); afterwards every service
still answers its health check from the same process, and a conversation and a
ticket made before the fuzzing are intact.

Counts, 5xx and the worst latency per endpoint are written to
``results/edges-fuzz.json`` (docs/edges.md reports them; reproduce with
``.venv/bin/python -m pytest tests/live/test_fuzz_live.py``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
import requests
from hypothesis import HealthCheck, given, seed, settings as hsettings, strategies as st

from kefu.edge.texts import reply
from kefu.edge.validation import MAX_MESSAGE_CHARS
from kefu.servers.auth import read_service_token

pytestmark = pytest.mark.live

FUZZ_SEED = 20261201
# Inputs per endpoint (sum >= 10,000). Valid buyer messages run the real NLU and
# dialogue (~0.1-0.3 s each), so they are a small share of the channel inputs.
# (No NLG service: every reply comes from the actions, docs/architecture.md.)
COUNTS = {"rest": 2000, "callback": 1000, "actions": 4000, "web": 1400, "health": 1600}
RESULTS = Path(__file__).resolve().parents[2] / "results" / "edges-fuzz.json"
TIMEOUT_S = 60

STATS: Dict[str, Dict[str, Any]] = defaultdict(lambda: {"inputs": 0, "5xx": 0, "4xx": 0, "2xx": 0,
                                                        "worst_ms": 0.0, "examples_5xx": []})
BEFORE: Dict[str, Any] = {}

HOSTILE = [
    "/restart", "/request_human{\"priority\": 1}", "  /stop", "\u0000\u0001\u0002", "\u202e反转文字", "\ufeff你好",
    "%F0%9F%98%80", "%2e%2e%2f", "<script>alert(1)</script>", "' OR 1=1 --", "{{7*7}}", "${jndi:ldap://x}",
    "加我微信领红包", "１３８ １２３４ ５６７８", "转人工", "你好", "卫衣黑色L码有货吗", "😀" * 50, "\u3000\u3000", "a" * 1501,
    "好" * 1500, "\n\n\n", "null", "[]", "{}", "e\u0301", "\udc00", "\ud83d",
]
PLATFORM_VALUES = [None, "pinduoduo", "taobao", "tmall", "jd", "douyin", "", "amazon", "淘宝", 5, ["jd"], {"x": 1}]

scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                   st.floats(allow_nan=False), st.text(max_size=30))
json_value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                          max_leaves=12)
text = st.one_of(st.text(max_size=120), st.sampled_from(HOSTILE),
                 st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40))


def _raw_bodies() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=200),
        st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(min_value=20, max_value=400).map(lambda n: b'{"sender":"a","message":"x","n":' + b"9" * n + b"}"),
        st.sampled_from([b"", b"{", b'{"sender":"\\ud800","message":"hi"}', b'{"message":"\\udc00"}', b"NaN",
                         b'{"sender":"a","message":"x","metadata":{"n":Infinity}}', b"\xff\xfe\x00",
                         b'{"sender":"a","message":"' + "好".encode() * 200_000 + b'"}']),
    )


def _buyer_json(valid_share: int) -> st.SearchStrategy[Any]:
    """Mostly broken message bodies; 1 in ``valid_share`` a plausible buyer turn."""
    broken = st.one_of(
        json_value,
        st.fixed_dictionaries({"sender": json_value, "message": json_value}),
        st.fixed_dictionaries({"sender": text, "message": text, "metadata": json_value}),
        st.fixed_dictionaries({"sender": text, "message": text,
                               "metadata": st.fixed_dictionaries({"platform": st.sampled_from(PLATFORM_VALUES)})}),
    )
    valid = st.fixed_dictionaries({
        "sender": st.sampled_from(["fuzz-1", "fuzz-2", "张 三", "buyer 😀", "fuzz/../x", "%E5%BC%A0"]),
        "message": st.sampled_from(HOSTILE[:20] + ["发货了吗", "能便宜点吗", "谢谢"]),
        "metadata": st.fixed_dictionaries({"platform": st.sampled_from(["pinduoduo", "taobao", "jd", "douyin"])}),
    })
    return st.integers(min_value=1, max_value=valid_share).flatmap(lambda n: valid if n == 1 else broken)


def _fuzz_settings(endpoint: str) -> Callable[[Any], Any]:
    def decorate(test: Any) -> Any:
        return seed(FUZZ_SEED)(hsettings(max_examples=COUNTS[endpoint], deadline=None, database=None,
                                         derandomize=True, print_blob=False,
                                         suppress_health_check=list(HealthCheck))(test))
    return decorate


def record(endpoint: str, answer: Optional[requests.Response], elapsed: float, note: str) -> None:
    stats = STATS[endpoint]
    stats["inputs"] += 1
    stats["worst_ms"] = max(stats["worst_ms"], round(elapsed * 1000, 1))
    status = answer.status_code if answer is not None else 599
    bucket = "5xx" if status >= 500 else "4xx" if status >= 400 else "2xx"
    stats[bucket] += 1
    if bucket == "5xx" and len(stats["examples_5xx"]) < 5:
        stats["examples_5xx"].append(note[:200])
    assert status < 500, f"{endpoint} answered {status} to {note[:200]!r}: {answer.text[:300] if answer else ''}"
    if status >= 400 and answer.headers.get("content-type", "").startswith("application/json"):
        body = answer.json()
        assert isinstance(body, dict) and body.get("error"), body
        assert "Traceback" not in answer.text


def send(endpoint: str, session: requests.Session, method: str, url: str, note: str,
         **kwargs: Any) -> Optional[requests.Response]:
    started = time.monotonic()
    try:
        answer = session.request(method, url, timeout=TIMEOUT_S, **kwargs)
    except requests.RequestException as exc:  # no HTTP answer at all counts as a 5xx
        record(endpoint, None, time.monotonic() - started, f"{note} -> {type(exc).__name__}")
        raise
    record(endpoint, answer, time.monotonic() - started, note)
    return answer


def encode(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def http() -> requests.Session:
    return requests.Session()


@pytest.fixture(scope="module")
def token(live_stack) -> str:
    return read_service_token(live_stack.settings)


def test_before_fuzzing_a_conversation_and_a_ticket_exist(live_stack) -> None:
    from kefu.tickets.store import TicketStore

    s = live_stack.settings
    BEFORE["pids"] = {svc.name: svc.pid for svc in live_stack.services}
    assert live_stack.say("fuzz-witness", "卫衣黑色L码有货吗", {"platform": "jd", "product_id": "p1002"})
    assert live_stack.say("fuzz-witness", "转人工", {"platform": "jd"})
    ticket = TicketStore(s.db_path).active_for("fuzz-witness")
    assert ticket is not None and ticket.platform == "jd"
    BEFORE["ticket"] = ticket.id
    tracker = requests.get(f"{s.rasa_url}/conversations/fuzz-witness/tracker",
                           params={"token": live_stack.token}, timeout=30).json()
    BEFORE["user_texts"] = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert BEFORE["user_texts"][:2] == ["卫衣黑色L码有货吗", "转人工"]


@_fuzz_settings("rest")
@given(body=st.one_of(_raw_bodies(), _buyer_json(valid_share=30).map(encode)))
def test_fuzz_rest_channel(live_stack, http: requests.Session, body: bytes) -> None:
    answer = send("rest", http, "POST", f"{live_stack.settings.rasa_url}/webhooks/rest/webhook", repr(body[:200]),
                  data=body, headers={"Content-Type": "application/json"})
    if answer.status_code == 200:
        assert isinstance(answer.json(), list)


@_fuzz_settings("callback")
@given(body=st.one_of(_raw_bodies(), _buyer_json(valid_share=40).map(encode)))
def test_fuzz_callback_channel(live_stack, http: requests.Session, body: bytes) -> None:
    send("callback", http, "POST", f"{live_stack.settings.rasa_url}/webhooks/callback/webhook", repr(body[:200]),
         data=body, headers={"Content-Type": "application/json"})


ACTION_NAMES = ["action_stock", "action_logistics", "action_change_address", "action_handoff", "action_fallback",
                "validate_address_form", "action_invoice_record", "action_nope", ""]


@_fuzz_settings("actions")
@given(authenticated=st.booleans(), body=st.one_of(
    _raw_bodies(), json_value.map(encode),
    st.fixed_dictionaries({
        "next_action": st.sampled_from(ACTION_NAMES),
        "tracker": st.fixed_dictionaries({"sender_id": st.one_of(text, json_value), "slots": json_value,
                                          "events": json_value, "latest_message": json_value}),
        "domain": st.one_of(st.just({}), json_value)}).map(encode)))
def test_fuzz_action_server(live_stack, http: requests.Session, token: str, authenticated: bool, body: bytes) -> None:
    params = {"token": token} if authenticated else {}
    answer = send("actions", http, "POST", f"http://{live_stack.settings.host}:{live_stack.settings.action_port}/webhook",
                  repr(body[:200]), data=body, params=params, headers={"Content-Type": "application/json"})
    if not authenticated:
        assert answer.status_code == 401


WEB_PATHS = ["/chat/send", "/chat/messages", "/chat/callback", "/chat"]


@_fuzz_settings("web")
@given(path=st.sampled_from(WEB_PATHS), method=st.sampled_from(["GET", "POST"]),
       query=st.dictionaries(st.sampled_from(["after", "secret", "new", "x"]), text, max_size=2),
       body=st.one_of(_raw_bodies(), json_value.map(encode),
                      st.fixed_dictionaries({"text": text, "platform": st.sampled_from(PLATFORM_VALUES),
                                             "recipient_id": st.one_of(text, json_value)}).map(encode)))
def test_fuzz_web_chat_routes(live_stack, http: requests.Session, path: str, method: str, query: dict,
                              body: bytes) -> None:
    safe_query = {k: v.encode("utf-8", "surrogatepass") for k, v in query.items()}
    send("web", http, method, live_stack.settings.web_url + path, f"{method} {path} {query!r} {body[:120]!r}",
         params=safe_query, data=body if method == "POST" else None, headers={"Content-Type": "application/json"})


@_fuzz_settings("health")
@given(target=st.sampled_from(["rasa", "rasa-channel", "actions", "web"]),
       suffix=st.sampled_from(["", "?x=1", "?token=", "/../health", "%00"]),
       query=st.dictionaries(st.text(max_size=8), text, max_size=2))
def test_fuzz_health_endpoints(live_stack, http: requests.Session, target: str, suffix: str, query: dict) -> None:
    s = live_stack.settings
    base = {"rasa": s.rasa_url + "/", "rasa-channel": s.rasa_url + "/webhooks/rest/",
            "actions": f"http://{s.host}:{s.action_port}/health",
            "web": s.web_url + "/health"}[target]
    params = {k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass") for k, v in query.items()}
    send("health", http, "GET", base + suffix, f"GET {base}{suffix} {query!r}", params=params)


def test_after_fuzzing_every_service_is_the_same_healthy_process(live_stack) -> None:
    from kefu.tickets.store import TicketStore
    from kefu.stack import http_status

    s = live_stack.settings
    assert {svc.name: svc.pid for svc in live_stack.services} == BEFORE["pids"]
    for svc in live_stack.services:
        assert svc.running, f"{svc.name} died"
        assert http_status(svc.health_url, timeout=10) == 200, svc.name
    tracker = requests.get(f"{s.rasa_url}/conversations/fuzz-witness/tracker",
                           params={"token": live_stack.token}, timeout=30).json()
    texts = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert texts[:len(BEFORE["user_texts"])] == BEFORE["user_texts"]
    ticket = TicketStore(s.db_path).get(BEFORE["ticket"])
    assert (ticket.conversation_id, ticket.platform, ticket.status) == ("fuzz-witness", "jd", "open")
    # Nothing a fuzzer sent reached Rasa as an intent: no restart in the paused witness conversation.
    assert not any(e.get("event") == "restart" for e in tracker["events"])


def test_a_long_message_does_not_hold_up_other_buyers(live_stack) -> None:
    """Issue 9 #2: a 100k paste froze every buyer for 59 s. Measured, not asserted on time:
    another buyer's greeting latency while the largest accepted messages and 100k pastes arrive."""
    s = live_stack.settings
    url = f"{s.rasa_url}/webhooks/rest/webhook"
    largest = ("我想问一下" + "这件衣服的面料和做工怎么样，" * 120)[:MAX_MESSAGE_CHARS]  # the largest accepted
    idle = [_greeting_ms(url) for _ in range(5)]
    stop = threading.Event()
    answers: List[int] = []

    def flood() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                for message in (largest, "好" * 100_000):
                    reply = session.post(url, json={"sender": "paster", "message": message,
                                                    "metadata": {"platform": "taobao"}}, timeout=TIMEOUT_S)
                    answers.append(reply.status_code)

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    try:
        loaded = [_greeting_ms(url) for _ in range(15)]
    finally:
        stop.set()
        thread.join(TIMEOUT_S)
    assert answers and all(code == 200 for code in answers)
    RESULTS.parent.mkdir(exist_ok=True)
    report = {"largest_message_accepted_chars": len(largest), "pastes_answered": len(answers),
              "greeting_ms_idle_median": sorted(idle)[len(idle) // 2],
              "greeting_ms_meanwhile_worst": max(loaded),
              "greeting_ms_meanwhile_median": sorted(loaded)[len(loaded) // 2]}
    STATS["_latency"] = report  # type: ignore[assignment]


def _greeting_ms(url: str) -> float:
    started = time.monotonic()
    reply = requests.post(url, json={"sender": "bystander", "message": "你好", "metadata": {"platform": "jd"}},
                          timeout=TIMEOUT_S)
    assert reply.status_code == 200 and reply.json(), "another buyer got no answer"
    return round((time.monotonic() - started) * 1000, 1)


# -- named regressions of issue 9's reproductions (and issue 10's channel seams) ----------------

def _listening_addresses(port: int) -> List[str]:
    """Local addresses a TCP port listens on, from /proc/net/tcp (IPv4)."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":
            found.append(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_issue9_1_lone_surrogate_sender_is_refused_and_the_stack_stays_up(live_stack) -> None:
    s = live_stack.settings
    pids = {svc.name: svc.pid for svc in live_stack.services}
    for channel in ("rest", "callback"):
        answer = requests.post(f"{s.rasa_url}/webhooks/{channel}/webhook", data=b'{"sender":"\\ud800","message":"hi"}',
                               headers={"Content-Type": "application/json"}, timeout=30)
        assert answer.status_code == 400 and "surrogate" in answer.json()["message"]
    # Issue 9 #8: half an emoji in a message poisoned the conversation (no ticket ever after).
    half = requests.post(f"{s.rasa_url}/webhooks/rest/webhook", headers={"Content-Type": "application/json"},
                         data=b'{"sender":"half-emoji","message":"\\ud83d\u8f6c\u4eba\u5de5"}', timeout=30)
    assert half.status_code == 400
    time.sleep(2)
    assert {svc.name: svc.pid for svc in live_stack.services} == pids
    assert all(svc.running for svc in live_stack.services)
    assert live_stack.say("after-surrogate", "你好", {"platform": "jd"})
    assert live_stack.say("half-emoji", "😀转人工", {"platform": "jd"})
    from kefu.tickets.store import TicketStore

    assert TicketStore(s.db_path).active_for("half-emoji") is not None


def test_issue9_2_a_100k_message_gets_the_polite_note_not_the_nlu(live_stack) -> None:
    answers = live_stack.say("paste-1", "好" * 100_000, {"platform": "pinduoduo"})
    assert [a["text"] for a in answers] == [reply("too_long", limit=MAX_MESSAGE_CHARS)]
    huge = requests.post(f"{live_stack.settings.rasa_url}/webhooks/rest/webhook",
                         data=b'{"sender":"paste-2","message":"' + b"a" * 2_000_000 + b'"}',
                         headers={"Content-Type": "application/json"}, timeout=60)
    assert huge.status_code == 413


def test_issue9_3_the_action_server_is_private(live_stack) -> None:
    s = live_stack.settings
    assert _listening_addresses(s.action_port) == ["127.0.0.1"], s.action_port
    answer = requests.post(f"http://127.0.0.1:{s.action_port}/webhook", json={"next_action": "action_logistics"},
                           timeout=10)
    assert answer.status_code == 401


def test_issue9_9_no_token_in_ps_and_state_files_are_private(live_stack) -> None:
    import stat

    for svc in live_stack.services:
        cmdline = Path(f"/proc/{svc.pid}/cmdline").read_bytes().decode(errors="replace")
        assert live_stack.token not in cmdline, svc.name
        assert read_service_token(live_stack.settings) not in cmdline, svc.name
    state = live_stack.settings.state_dir
    for name in ("rasa-api-token", "service-token", "kefu.db", "conversations.db"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600, name


def test_issue9_4_a_percent_encoded_sender_is_reached_through_handoff_and_back(live_stack) -> None:
    """Chinese nicknames and spaces: the agent's reply, the sync and the hand-back reach the same
    conversation, and the bot answers the buyer again afterwards."""
    from kefu.edge.ids import safe_conversation_id
    from kefu.handoff.chatlog import ChatLog
    from kefu.handoff.rasa_client import RasaClient
    from kefu.tickets.store import TicketStore

    s = live_stack.settings
    raw = "张 三 的小店%20"
    conversation = safe_conversation_id(raw)
    assert live_stack.say(raw, "转人工", {"platform": "douyin"})
    ticket = TicketStore(s.db_path).active_for(conversation)
    assert ticket is not None and ticket.platform == "douyin"
    client = RasaClient.from_settings(s)
    client.push_agent_reply(conversation, "您好，我是客服小李，请问有什么可以帮您", "xiaoli")
    assert any(m["text"] == "您好，我是客服小李，请问有什么可以帮您" for m in ChatLog(s.db_path).after(conversation, 0))
    assert "转人工" in [e.get("text") for e in client.events(conversation) if e.get("event") == "user"]
    client.resume(conversation)
    assert live_stack.say(raw, "你好", {"platform": "douyin"}), "the bot stayed silent after the hand-back"


def test_issue9_9_restart_typed_during_a_pause_keeps_the_bot_quiet(live_stack) -> None:
    """While a person is on the way the first message gets one acknowledgement and the rest nothing;
    a typed /restart is plain text: it restarts nothing and does not make the bot speak again."""
    from kefu.tickets.store import TicketStore

    assert live_stack.say("pause-1", "转人工", {"platform": "taobao"})
    first = live_stack.say("pause-1", "/restart", {"platform": "taobao"})
    assert len(first) == 1 and "已经收到" in first[0]["text"]
    assert live_stack.say("pause-1", "/restart", {"platform": "taobao"}) == []
    events = requests.get(f"{live_stack.settings.rasa_url}/conversations/pause-1/tracker",
                          params={"token": live_stack.token}, timeout=30).json()
    assert not any(e.get("event") == "restart" for e in events["events"])
    assert TicketStore(live_stack.settings.db_path).active_for("pause-1") is not None


def test_issue10_a_pushed_bot_event_is_guarded_on_its_way_out(live_stack) -> None:
    """An event pushed through Rasa's HTTP API (as agents' replies and actions' BotUttered are)
    leaves through kefu's callback output channel: what the buyer receives is rewritten."""
    from kefu.handoff.chatlog import ChatLog
    from kefu.handoff.rasa_client import RasaClient

    s = live_stack.settings
    assert live_stack.say("push-1", "你好", {"platform": "pinduoduo"})
    RasaClient.from_settings(s).push_events("push-1", [
        {"event": "bot", "text": "有问题加我微信，这款宝贝全网最低价",
         "data": {"buttons": [{"title": "加我微信", "payload": "/affirm"}], "custom": {"note": "淘宝同款"}}}])
    delivered = ChatLog(s.db_path).after("push-1", 0)
    assert delivered, "nothing was delivered through the callback channel"
    text = " ".join(m["text"] + json.dumps(m.get("payload") or {}, ensure_ascii=False) for m in delivered)
    for forbidden in ("微信", "宝贝", "最低价", "淘宝"):
        assert forbidden not in text, (forbidden, delivered)


def test_issue10_the_platform_is_fixed_by_the_first_message(live_stack) -> None:
    from kefu.edge.platform_store import ConversationPlatformStore

    s = live_stack.settings
    assert live_stack.say("plat-1", "你好", {"platform": "pinduoduo"})
    live_stack.say("plat-1", "我是在淘宝买的", {"platform": "taobao"})
    live_stack.say("plat-1", "转人工", {"platform": "taobao"})
    assert ConversationPlatformStore(s.db_path).platform_of("plat-1") == "pinduoduo"
    tracker = requests.get(f"{s.rasa_url}/conversations/plat-1/tracker", params={"token": live_stack.token},
                           timeout=30).json()
    platforms = {e["metadata"].get("platform") for e in tracker["events"] if e.get("event") == "user"}
    assert platforms == {"pinduoduo"}  # what the actions are handed, every turn
    refused = requests.post(f"{s.rasa_url}/webhooks/rest/webhook", timeout=30,
                            json={"sender": "plat-2", "message": "你好", "metadata": {"platform": "amazon"}})
    assert refused.status_code == 400 and refused.json()["error"] == "unknown_platform"


def test_fuzz_counts_and_report() -> None:
    endpoints = {k: v for k, v in STATS.items() if not k.startswith("_")}
    total = sum(v["inputs"] for v in endpoints.values())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"seed": FUZZ_SEED, "total_inputs": total, "endpoints": endpoints,
                                   "latency": STATS.get("_latency")}, ensure_ascii=False, indent=2))
    assert total >= 10_000, f"only {total} inputs fuzzed"
    assert sum(v["5xx"] for v in endpoints.values()) == 0
