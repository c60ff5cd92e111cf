"""The workbench API through its real HTTP interface (web app subprocess, fake Rasa as the dependency).

Covers hostile input (issue 9), login throttling, Secure cookies, masking in every
response, percent-encoded buyer ids, the queue's countdown order and visibility,
transfer, quick phrases, agent-assist, history search, tasks, agent management,
live events (SSE) and the report.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from typing import Any, Dict, List
from urllib.parse import quote

import pytest
import requests

from kefu.edge.ids import safe_conversation_id
from kefu.handoff.auth import AgentStore
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.handoff.web.chat import callback_url
from kefu.settings import PROJECT_ROOT
from kefu.tasks.store import TaskStore

from .conftest import login

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def env(web_env: Dict[str, Any]) -> Dict[str, Any]:
    from kefu.shop.store import load_shop

    db = web_env["settings"].db_path
    load_shop(PROJECT_ROOT / "shop", db)
    agents = AgentStore(db)
    for name in ("lin", "wang", "zhao"):
        agents.add(name, PASSWORD)
    agents.add("zhang", PASSWORD, role="supervisor")
    web_env["tickets"] = TicketStore(db)
    web_env["tasks"] = TaskStore(db)
    web_env["agents"] = agents
    return web_env


def new_ticket(env: Dict[str, Any], conv: str, text: str = "衣服破了个洞，我要投诉", platform: str = "pinduoduo",
               ago: float = 0.0, **fields: Any) -> int:
    now = time.time() - ago
    ticket, _ = env["tickets"].create(
        conversation_id=conv, platform=platform, reason=fields.pop("reason", "complain"), priority=fields.pop("priority", 2),
        transcript=[TranscriptLine("buyer", text, now, f"rasa:user:{now!r}")], now=now, **fields)
    return ticket.id


class Agent:
    """One logged-in console agent (real login form, session cookie, CSRF token)."""

    def __init__(self, env: Dict[str, Any], name: str) -> None:
        self.url = env["url"]
        self.http, self.csrf = login(self.url, name, PASSWORD)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + path, json={} if body is None else body, timeout=20,
                              headers={"X-CSRF-Token": self.csrf}, **kwargs)


# --- hostile input: 4xx, never 5xx -----------------------------------------------------------------


@pytest.mark.parametrize("body, code", [
    (b'{"text": ' + b"[" * 1000 + b"]" * 1000 + b"}", "too_deep"),
    (b'{"text": "x", "a": ' + b'{"b": ' * 40 + b"1" + b"}" * 40 + b"}", "too_deep"),
    (b'{"text": "\\u4f60\\u597d", "ticket_id": 18446744073709551617}', "number_too_large"),
    (b'{"text": "a\\ud800b", "platform": "jd"}', "bad_text"),
    (b'{"text": "a\\u0000b\\u001b", "platform": "jd"}', "bad_text"),
    (b'{"text": "hi", "ticket_id": "1"}', "bad_ticket"),
    (b'{"text": "hi", "platform": ["jd"]}', "bad_platform"),
])
def test_hostile_json_gets_a_4xx_with_a_reason(env: Dict[str, Any], body: bytes, code: str) -> None:
    lin = Agent(env, "lin")
    response = lin.http.post(env["url"] + "/api/check", data=body, timeout=10,
                             headers={"X-CSRF-Token": lin.csrf, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == code and "Traceback" not in response.text


@pytest.mark.parametrize("path, status", [
    ("/api/tickets/99999999999999999999", 404),
    ("/api/tickets/9223372036854775808", 404),
    ("/api/tickets/123456", 404),
    ("/console/tickets/99999999999999999999", 404),
    ("/api/conversations/x/delivered?after=99999999999999999999", 400),
    ("/api/conversations/x/delivered?after=-1", 400),
    ("/static/", 404),
    ("/static", 404),
    ("/static/../kefu.db", 404),
    ("/static/%2e%2e/web/__init__.py", 404),
    ("/static/nothing.js", 404),
    ("/api/search?since=yesterday", 400),
    ("/api/tickets?platform=wechat", 400),
    ("/api/phrases?q=" + "长" * 60, 400),
    ("/api/tasks?status=maybe", 400),
])
def test_bad_paths_and_arguments_are_4xx_not_500(env: Dict[str, Any], path: str, status: int) -> None:
    response = Agent(env, "lin").get(path, allow_redirects=False)
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    assert "Traceback" not in response.text and "Traceback" not in env["log"].read_text()


def test_a_buyer_message_with_half_an_emoji_gets_a_chinese_answer_and_reaches_nobody(env: Dict[str, Any]) -> None:
    chat = requests.Session()
    page = chat.get(env["url"] + "/chat", timeout=10).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    before = len(env["fake"].forwarded)
    sent = chat.post(env["url"] + "/chat/send", data=b'{"text": "\\ud83d"}', timeout=10,
                     headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert sent.status_code == 400 and "表情" in sent.json()["message"]
    assert len(env["fake"].forwarded) == before


@pytest.mark.parametrize("body", [
    b'{"text": ""}', b'{"text": "   "}', b'{"text": 5}', b"{}", b"", b"{oops", b"[1]",
    ('{"text": "' + "好" * 1500 + '"}').encode(), b'{"text": "\ud83d"}', b'{"text": "a\u0007"}',
    b'{"text": "hi", "platform": "wechat"}', b'{"text": "hi", "product_id": ["p1"]}',
    b'{"text": ' + b"[" * 1000 + b"]" * 1000 + b"}",
])
def test_every_error_a_buyer_can_get_is_chinese_and_passes_every_platforms_rules(env: Dict[str, Any], body: bytes) -> None:
    from kefu.guard import Guard
    from kefu.settings import PLATFORMS

    chat = requests.Session()
    page = chat.get(env["url"] + "/chat", timeout=10).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = chat.post(env["url"] + "/chat/send", data=body, timeout=10,
                         headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    message = response.json()["message"]
    assert re.search(r"[\u4e00-\u9fff]", message), message
    # Errors only a non-browser client can cause (the page always sends a JSON object) may name JSON/fields.
    if response.json()["error"] not in ("bad_platform", "bad_product", "empty_body", "malformed_json", "too_deep"):
        assert not re.search(r"[A-Za-z]{3,}", message), message
    for platform in PLATFORMS:
        assert Guard.for_platform(platform).check(message).verdict == "pass", (platform, message)


# --- login throttling and cookies ------------------------------------------------------------------


def _login_attempt(url: str, name: str, password: str, headers: Dict[str, str] = None) -> requests.Response:
    http = requests.Session()
    page = http.get(f"{url}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return http.post(f"{url}/login", data={"name": name, "password": password, "csrf_token": token},
                     headers=headers or {}, allow_redirects=False, timeout=30)


def test_wrong_passwords_pause_the_account_even_for_the_right_one(env: Dict[str, Any]) -> None:
    env["agents"].add("victim", PASSWORD)
    codes = [_login_attempt(env["url"], "victim", f"guess-{n}-wrong").status_code for n in range(5)]
    assert codes == [401] * 5
    paused = _login_attempt(env["url"], "victim", PASSWORD)
    assert paused.status_code == 429 and int(paused.headers["Retry-After"]) > 0
    assert "尝试次数过多" in paused.text and "kefu_session" not in paused.cookies
    assert _login_attempt(env["url"], "wang", PASSWORD).status_code == 302  # other accounts are not locked out


def test_cookies_are_secure_behind_an_https_proxy(env: Dict[str, Any]) -> None:
    plain = _login_attempt(env["url"], "zhao", PASSWORD)
    behind_tls = _login_attempt(env["url"], "zhao", PASSWORD, headers={"X-Forwarded-Proto": "https"})
    assert plain.status_code == behind_tls.status_code == 302
    assert "Secure" not in plain.headers["Set-Cookie"]
    assert "Secure" in behind_tls.headers["Set-Cookie"] and "HttpOnly" in behind_tls.headers["Set-Cookie"]


# --- personal data ---------------------------------------------------------------------------------


def test_phones_ids_and_cards_are_masked_in_every_response_until_revealed(env: Dict[str, Any]) -> None:
    text = "我手机１３８１２３４５６７８，备用一三九一二三四五六七八，身份证110101199003071234"
    conv = "pii-conv"
    ticket_id = new_ticket(env, conv, text=text, order_id="2611180712135791113")  # passes the bank-card check
    env["tasks"].create("address_change", conversation_id=conv, platform="pinduoduo", summary="改地址，电话 13712345678",
                        order_id="2611180712135791113")
    requests.post(callback_url(env["settings"]), json={"recipient_id": conv, "text": "已记录您的电话 13612345678"}, timeout=10)
    lin = Agent(env, "lin")
    responses = {
        "detail": lin.get(f"/api/tickets/{ticket_id}").json(),
        "queue": lin.get("/api/tickets").json(),
        "search": lin.get("/api/search?q=" + quote("身份证")).json(),
        "tasks": lin.get("/api/tasks").json(),
        "delivered": lin.get(f"/api/conversations/{conv}/delivered").json(),
    }
    dumped = json.dumps(responses, ensure_ascii=False)
    for secret in ("12345678", "１２３４５６７８", "一二三四五六七八", "19900307"):
        assert secret not in dumped, secret
    assert "138****5678" in dumped and "110101********1234" in dumped
    detail = responses["detail"]
    assert detail["order"]["订单号"] == "2611180712135791113" and "****" in detail["order"]["手机"]
    assert any("****" in task["summary"] for task in detail["tasks"])

    assert lin.post(f"/api/tickets/{ticket_id}/reveal").status_code == 409  # not claimed: no reveal
    lin.post(f"/api/tickets/{ticket_id}/claim")
    revealed = lin.post(f"/api/tickets/{ticket_id}/reveal").json()
    assert revealed["transcript"][0]["text"] == text and revealed["revealed"] is True
    assert [row["action"] for row in env["tickets"].audit_log(ticket_id)] == ["reveal_personal_data"]
    assert "13812345678" not in lin.get(f"/api/tickets/{ticket_id}").text  # the next read is masked again


def test_what_rasa_calls_back_is_guarded_once_more_before_the_buyer_sees_it(env: Dict[str, Any]) -> None:
    from kefu.guard.enforce import audit_rows

    conv = "callback-guard"
    new_ticket(env, conv, platform="pinduoduo")
    assert requests.post(callback_url(env["settings"]), json={"recipient_id": conv, "text": "亲，这个宝贝今天发货"},
                         timeout=10).status_code == 200
    shown = Agent(env, "lin").get(f"/api/conversations/{conv}/delivered").json()["messages"][-1]["text"]
    assert "宝贝" not in shown and "今天发货" in shown  # Pinduoduo's vocabulary rule, applied on the way out
    row = next(r for r in audit_rows(env["settings"]) if r["conversation_id"] == conv)
    assert row["source"] == "callback" and row["verdict"] == "rewritten"


def test_buyer_ids_that_need_percent_encoding_reach_the_same_conversation(env: Dict[str, Any]) -> None:
    raw = "买家 小王/😀"
    mapped = safe_conversation_id(raw)
    stored = requests.post(callback_url(env["settings"]), json={"recipient_id": raw, "text": "亲，您好"}, timeout=10)
    assert stored.status_code == 200
    new_ticket(env, mapped)  # an agent reads a conversation through its ticket
    lin = Agent(env, "lin")
    for path_id in (quote(raw, safe=""), mapped):
        messages = lin.get(f"/api/conversations/{path_id}/delivered").json()["messages"]
        assert [m["text"] for m in messages] == ["亲，您好"], path_id


# --- queue, countdown, visibility, transfer --------------------------------------------------------


def test_queue_is_sorted_by_the_platform_countdown_and_shows_each_agent_what_they_may_see(env: Dict[str, Any]) -> None:
    slow = new_ticket(env, "q-taobao", text="什么时候发货", platform="taobao", ago=20, priority=1, reason="threat")
    fast = new_ticket(env, "q-jd", text="在吗在吗", platform="jd", ago=20, priority=3, reason="request_human")
    wang = Agent(env, "wang")
    rows = wang.get("/api/tickets").json()["tickets"]
    ids = [row["id"] for row in rows]
    assert ids.index(fast) < ids.index(slow)  # JD's 30 s rule leaves less time than Taobao's 3 minutes
    jd = next(row for row in rows if row["id"] == fast)
    assert jd["countdown"]["limit_seconds"] == 30 and jd["countdown"]["state"] == "warn"
    assert jd["platform_label"] == "京东" and jd["unanswered"] == 1 and jd["preview"] == "在吗在吗"
    assert [row["id"] for row in wang.get("/api/tickets?platform=taobao").json()["tickets"]] == \
        [row["id"] for row in rows if row["platform"] == "taobao"]

    wang.post(f"/api/tickets/{slow}/claim")
    lin, zhang = Agent(env, "lin"), Agent(env, "zhang")
    assert slow not in [row["id"] for row in lin.get("/api/tickets").json()["tickets"]]      # someone else's chat
    assert lin.get(f"/api/tickets/{slow}").status_code == 403 and "wang" in lin.get(f"/api/tickets/{slow}").text
    assert lin.post(f"/api/tickets/{slow}/assist").status_code == 403
    assert zhang.get(f"/api/tickets/{slow}").status_code == 200
    assert slow in [row["id"] for row in zhang.get("/api/tickets").json()["tickets"]]        # the supervisor sees all
    wang.post(f"/api/tickets/{slow}/reply", {"text": "亲，您好，马上为您查询"})
    answered = next(row for row in wang.get("/api/tickets").json()["tickets"] if row["id"] == slow)
    assert answered["countdown"] is None and answered["unanswered"] == 0 and answered["mine"] is True


def test_transfer_with_a_note_moves_the_chat_and_is_audited(env: Dict[str, Any]) -> None:
    ticket_id = new_ticket(env, "transfer-conv", text="我要退货")
    lin, wang = Agent(env, "lin"), Agent(env, "wang")
    assert lin.post(f"/api/tickets/{ticket_id}/transfer", {"to": "wang"}).status_code == 409  # not held
    lin.post(f"/api/tickets/{ticket_id}/claim")
    assert lin.post(f"/api/tickets/{ticket_id}/transfer", {"to": "nobody"}).status_code == 400
    moved = lin.post(f"/api/tickets/{ticket_id}/transfer", {"to": "wang", "note": "买家要换尺码，已核实订单"})
    assert moved.status_code == 200 and moved.json()["agent"] == "wang"
    assert moved.json()["transcript"][-1]["text"] == "lin 转接给 wang：买家要换尺码，已核实订单"
    assert lin.post(f"/api/tickets/{ticket_id}/reply", {"text": "亲，您好"}).status_code == 409
    assert wang.post(f"/api/tickets/{ticket_id}/reply", {"text": "亲，您好，我来为您处理换码"}).status_code == 200
    assert [r["action"] for r in env["tickets"].audit_log(ticket_id)] == ["transfer"]


def test_replies_are_guarded_on_send_and_audited_as_the_agent(env: Dict[str, Any]) -> None:
    from kefu.guard.enforce import audit_rows

    conv = "audit-conv"
    ticket_id = new_ticket(env, conv)
    lin = Agent(env, "lin")
    lin.post(f"/api/tickets/{ticket_id}/claim")
    sent = lin.post(f"/api/tickets/{ticket_id}/reply", {"text": "亲，这个宝贝马上给您换新", "accept_rewrite": True})
    assert sent.status_code == 200 and "宝贝" not in sent.json()["sent"]
    rows = [r for r in audit_rows(env["settings"]) if r["conversation_id"] == conv]
    assert rows and rows[0]["source"] == "agent:lin" and rows[0]["verdict"] == "rewritten"
    assert env["fake"].pushed[-1]["events"][0]["text"] == sent.json()["sent"]


# --- phrases, assist, history, tasks ---------------------------------------------------------------


def test_phrases_are_searchable_and_filled_from_the_ticket(env: Dict[str, Any]) -> None:
    ticket_id = new_ticket(env, "phrase-conv", order_id="240501123456", product_id="p1002")
    lin = Agent(env, "lin")
    found = lin.get(f"/api/phrases?q=tk&ticket_id={ticket_id}").json()["phrases"]
    assert found[0]["code"] == "tk" and "240501123456" in found[0]["rendered"]
    product = lin.get(f"/api/phrases?q=th&ticket_id={ticket_id}").json()["phrases"][0]["rendered"]
    assert "加绒连帽卫衣" in product
    assert {p["code"] for p in lin.get("/api/phrases?q=" + quote("物流")).json()["phrases"]} >= {"wl"}


def test_assist_suggests_from_the_pure_engine_without_touching_rasa(env: Dict[str, Any]) -> None:
    conv = "assist-conv"
    ticket_id = new_ticket(env, conv, text="黑色L码还有货吗", product_id="p1002", platform="taobao")
    pushed_before, asked_before = len(env["fake"].pushed), len(env["fake"].rest)
    tickets_before = len(env["tickets"].queue())
    result = Agent(env, "lin").post(f"/api/tickets/{ticket_id}/assist").json()
    assert result["questions"] == ["黑色L码还有货吗"]
    [candidate] = result["candidates"]
    assert "黑色/L" in candidate["text"] and any(f.startswith("规格：黑色/L 库存") for f in candidate["facts"])
    assert len(env["fake"].rest) == asked_before  # no shadow conversation through Rasa
    assert len(env["fake"].pushed) == pushed_before  # the buyer's real conversation was not touched
    assert len(env["tickets"].queue()) == tickets_before  # and no ticket was opened


def test_history_finds_closed_chats_by_text_order_buyer_and_date(env: Dict[str, Any]) -> None:
    ticket_id = new_ticket(env, "history-buyer-42", text="羽绒服拉链坏了", order_id="240601000042", product_id="p1003")
    lin = Agent(env, "lin")
    lin.post(f"/api/tickets/{ticket_id}/claim")
    lin.post(f"/api/tickets/{ticket_id}/reply", {"text": "亲，非常抱歉，马上为您换新"})
    assert lin.post(f"/api/tickets/{ticket_id}/close", {"outcome": "refund"}).json()["status"] == "closed"
    today = time.strftime("%Y-%m-%d")
    for query in ("q=" + quote("拉链"), "order_id=240601000042", "buyer=buyer-42", "product_id=p1003",
                  f"since={today}&until={today}", "platform=pinduoduo&q=" + quote("拉链")):
        found = [t["id"] for t in lin.get("/api/search?" + query).json()["tickets"]]
        assert ticket_id in found, query
    assert ticket_id not in [t["id"] for t in lin.get("/api/search?until=2020-01-01").json()["tickets"]]
    closed = lin.get(f"/api/tickets/{ticket_id}").json()
    assert closed["outcome_label"] == "已退款/退货"
    assert [l["sender"] for l in closed["transcript"]] == ["buyer", "agent"]


def test_the_buyers_open_tasks_show_in_the_chat_and_done_is_audited(env: Dict[str, Any]) -> None:
    conv = "task-conv"
    ticket_id = new_ticket(env, conv, order_id="240501123456")
    task = env["tasks"].create("logistics_check", conversation_id=conv, platform="pinduoduo",
                               summary="物流三天没更新，联系快递核实", order_id="240501123456")
    lin = Agent(env, "lin")
    assert [t["id"] for t in lin.get(f"/api/tickets/{ticket_id}").json()["tasks"]] == [task.id]
    done = lin.post(f"/api/tasks/{task.id}/done")
    assert done.status_code == 200 and done.json()["done_by"] == "lin"
    assert lin.get(f"/api/tickets/{ticket_id}").json()["tasks"] == []
    assert task.id in [t["id"] for t in lin.get("/api/tasks?status=done").json()["tasks"]]
    assert lin.post("/api/tasks/99999/done").status_code == 404
    assert any(r["action"] == "task_done" and r["detail"] == f"task {task.id}" for r in env["tickets"].audit_log())


# --- agents and roles ------------------------------------------------------------------------------


def test_supervisors_manage_agents_and_every_change_is_audited(env: Dict[str, Any]) -> None:
    lin, zhang = Agent(env, "lin"), Agent(env, "zhang")
    assert lin.post("/api/agents", {"name": "newbie"}).status_code == 403
    assert lin.get("/api/report").status_code == 403 and lin.get("/console/reports").status_code == 403
    created = zhang.post("/api/agents", {"name": "newbie"})
    assert created.status_code == 201
    first_password = created.json()["password"]
    assert _login_attempt(env["url"], "newbie", first_password).status_code == 302
    assert zhang.post("/api/agents", {"name": "newbie"}).status_code == 409

    session = requests.Session()
    page = session.get(env["url"] + "/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    session.post(env["url"] + "/login", data={"name": "newbie", "password": first_password, "csrf_token": token}, timeout=30)
    assert session.get(env["url"] + "/api/tickets", timeout=10).status_code == 200
    assert zhang.post("/api/agents/newbie/disable").json()["disabled"] is True
    assert session.get(env["url"] + "/api/tickets", timeout=10).status_code == 401  # the open session ended at once
    assert _login_attempt(env["url"], "newbie", first_password).status_code == 401
    zhang.post("/api/agents/newbie/enable")
    reset = zhang.post("/api/agents/newbie/reset").json()["password"]
    assert reset != first_password and _login_attempt(env["url"], "newbie", reset).status_code == 302
    assert zhang.post("/api/agents/newbie/role", {"role": "supervisor"}).json()["role_label"] == "主管"
    assert zhang.post("/api/agents/zhang/disable").status_code == 400  # not oneself
    assert zhang.post("/api/agents/ghost/disable").status_code == 404
    actions = [r["action"] for r in env["tickets"].audit_log() if r["agent"] == "zhang"]
    assert actions == ["agent_add", "agent_disable", "agent_enable", "agent_reset_password", "agent_role"]
    assert reset not in env["log"].read_text() and first_password not in env["log"].read_text()


# --- live events -----------------------------------------------------------------------------------


def test_new_tickets_and_buyer_messages_arrive_over_server_sent_events(env: Dict[str, Any]) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from kefu.feed import EventFeed
    from kefu_rasa.event_broker import KefuEventBroker

    lin = Agent(env, "lin")
    frames: List[Dict[str, Any]] = []
    stream = lin.http.get(env["url"] + "/api/events", stream=True, timeout=30)
    assert stream.headers["Content-Type"].startswith("text/event-stream")

    def read() -> None:
        try:
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    frames.append(json.loads(line[6:]))
        except (AttributeError, requests.RequestException):  # the test closed the stream
            pass

    threading.Thread(target=read, daemon=True).start()
    conv = "sse-conv"
    ticket_id = new_ticket(env, conv, text="人呢")
    broker = KefuEventBroker(EventFeed(env["settings"].db_path))  # as endpoints.yml configures Rasa
    tracker_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(env["settings"].tracker_db_path),
                                    event_broker=broker)
    tracker = DialogueStateTracker(conv, [])
    tracker.update(UserUttered("怎么还没人回"))
    deadline = time.monotonic() + 15
    saved = False
    while time.monotonic() < deadline and not any(f["kind"] == "message" and f["ticket_id"] == ticket_id for f in frames):
        if not saved and any(f["kind"] == "ticket_new" and f["ticket_id"] == ticket_id for f in frames):
            asyncio.run(tracker_store.save(tracker))  # Rasa logs a buyer message while the chat is paused
            saved = True
        time.sleep(0.1)
    stream.close()
    kinds = [(f["kind"], f["ticket_id"]) for f in frames]
    assert ("ticket_new", ticket_id) in kinds and ("message", ticket_id) in kinds
    assert "怎么还没人回" in [l.text for l in env["tickets"].get(ticket_id).transcript]
    assert all(set(f) == {"id", "kind", "ticket_id"} for f in frames)  # ids only: no buyer text on the wire


# --- 质检 and report -------------------------------------------------------------------------------


def test_report_scores_a_late_reply_and_counts_handoffs(env: Dict[str, Any]) -> None:
    ticket_id = new_ticket(env, "report-late", text="在吗", platform="jd", ago=100, reason="request_human")
    lin, zhang = Agent(env, "lin"), Agent(env, "zhang")
    lin.post(f"/api/tickets/{ticket_id}/claim")
    lin.post(f"/api/tickets/{ticket_id}/reply", {"text": "亲，您好，让您久等了"})
    lin.post(f"/api/tickets/{ticket_id}/close", {"outcome": "resolved"})
    report = zhang.get("/api/report?platform=jd").json()
    session = next(s for s in report["sessions"] if s["ticket_id"] == ticket_id)
    assert session["late_replies"] == 1 and session["score"] == 90 and session["first_response_seconds"] >= 99
    assert report["handed_off"] >= 1 and sum(n for _, n in report["handoff_reasons"]) >= report["handed_off"]
    assert report["within_rule"][1] >= 1 and report["within_rule_rate"] < 1
    page = zhang.get("/console/reports?platform=jd")
    assert page.status_code == 200 and "质检" in page.text and "<svg" in page.text
    assert zhang.get("/api/report?since=2026-13-01").status_code == 400
