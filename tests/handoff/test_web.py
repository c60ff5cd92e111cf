"""The console and web chat through their real HTTP interface (web app subprocess + fake Rasa)."""

from __future__ import annotations

import re
import time
from typing import Any, Dict

import pytest
import requests

from kefu.feed import EventFeed
from kefu.handoff.auth import AgentStore
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.handoff.web import create_app
from kefu_rasa.event_broker import KefuEventBroker

from .conftest import login

PUBLIC = ("/login", "/static", "/chat", "/health")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def env(web_env: Dict[str, Any]) -> Dict[str, Any]:
    agents = AgentStore(web_env["settings"].db_path)
    agents.add("lin", PASSWORD)
    agents.add("wang", PASSWORD)
    web_env["tickets"] = TicketStore(web_env["settings"].db_path)
    return web_env


def new_ticket(env: Dict[str, Any], conv: str, text: str = "衣服破了个洞，我要投诉", platform: str = "pinduoduo") -> int:
    ticket, _ = env["tickets"].create(
        conversation_id=conv, platform=platform, reason="complain", priority=2,
        transcript=[TranscriptLine("buyer", text, time.time(), f"rasa:user:{time.time()!r}")],
    )
    return ticket.id


def test_every_console_route_refuses_anonymous_access(env: Dict[str, Any]) -> None:
    app = create_app(env["settings"])
    url = env["url"]
    checked = 0
    for route in app.router.routes:
        path = "/" + route.path if not route.path.startswith("/") else route.path
        if path.startswith(PUBLIC) or path == "/":
            continue
        concrete = re.sub(r"<[^>]+>", "1", path)
        for method in route.methods:
            response = requests.request(method, url + concrete, allow_redirects=False, timeout=10)
            if concrete.startswith("/api/"):
                assert response.status_code == 401, (method, concrete, response.status_code)
                assert response.json()["error"] == "unauthorized"
            else:
                assert response.status_code == 302, (method, concrete, response.status_code)
                assert response.headers["Location"] == "/login"
            checked += 1
    assert checked >= 12  # console pages + every API route were exercised


def test_login_sets_strict_httponly_cookie_and_rejects_bad_password(env: Dict[str, Any]) -> None:
    http = requests.Session()
    page = http.get(env["url"] + "/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = http.post(env["url"] + "/login", data={"name": "lin", "password": "wrong-password", "csrf_token": token},
                    allow_redirects=False, timeout=30)
    assert bad.status_code == 401 and "kefu_session" not in bad.cookies
    good = http.post(env["url"] + "/login", data={"name": "lin", "password": PASSWORD, "csrf_token": token},
                     allow_redirects=False, timeout=30)
    assert good.status_code == 302
    cookie = good.headers["Set-Cookie"]
    assert "kefu_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert PASSWORD not in env["log"].read_text()


def test_login_without_csrf_token_is_rejected(env: Dict[str, Any]) -> None:
    response = requests.post(env["url"] + "/login", data={"name": "lin", "password": PASSWORD}, allow_redirects=False, timeout=10)
    assert response.status_code == 403


def test_post_without_or_with_wrong_csrf_token_is_rejected(env: Dict[str, Any]) -> None:
    http, csrf = login(env["url"], "lin", PASSWORD)
    ticket_id = new_ticket(env, "csrf-conv")
    missing = http.post(f"{env['url']}/api/tickets/{ticket_id}/claim", json={}, timeout=10)
    wrong = http.post(f"{env['url']}/api/tickets/{ticket_id}/claim", json={}, headers={"X-CSRF-Token": "x" + csrf}, timeout=10)
    assert missing.status_code == wrong.status_code == 403
    assert env["tickets"].get(ticket_id).status == "open"
    ok = http.post(f"{env['url']}/api/tickets/{ticket_id}/claim", json={}, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert ok.status_code == 200 and env["tickets"].get(ticket_id).agent == "lin"


def test_claim_conflict_between_two_agents(env: Dict[str, Any]) -> None:
    lin, lin_csrf = login(env["url"], "lin", PASSWORD)
    wang, wang_csrf = login(env["url"], "wang", PASSWORD)
    ticket_id = new_ticket(env, "conflict-conv")
    assert lin.post(f"{env['url']}/api/tickets/{ticket_id}/claim", headers={"X-CSRF-Token": lin_csrf}, timeout=10).status_code == 200
    taken = wang.post(f"{env['url']}/api/tickets/{ticket_id}/claim", headers={"X-CSRF-Token": wang_csrf}, timeout=10)
    assert taken.status_code == 409 and "lin" in taken.json()["message"]
    reply = wang.post(f"{env['url']}/api/tickets/{ticket_id}/reply", json={"text": "亲，您好"}, headers={"X-CSRF-Token": wang_csrf}, timeout=10)
    assert reply.status_code == 409
    assert lin.post(f"{env['url']}/api/tickets/{ticket_id}/release", headers={"X-CSRF-Token": lin_csrf}, timeout=10).status_code == 200
    assert wang.post(f"{env['url']}/api/tickets/{ticket_id}/claim", headers={"X-CSRF-Token": wang_csrf}, timeout=10).status_code == 200


def test_buyer_text_is_escaped_in_the_console(env: Dict[str, Any]) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    ticket_id = new_ticket(env, "xss-conv-<i>x</i>", text=attack)
    http, _ = login(env["url"], "lin", PASSWORD)
    page = http.get(f"{env['url']}/console/tickets/{ticket_id}", timeout=10).text
    assert "<i>x</i>" not in page and "<script>alert" not in page  # the page carries no buyer data itself
    data = http.get(f"{env['url']}/api/tickets/{ticket_id}", timeout=10).json()
    assert data["transcript"][0]["text"] == attack  # JSON data, rendered by textContent in the page
    script = requests.get(env["url"] + "/static/console.js", timeout=10).text
    assert "innerHTML" not in script and "textContent" in script
    assert "innerHTML" not in requests.get(env["url"] + "/static/chat.js", timeout=10).text


def test_phone_numbers_are_masked_until_revealed_and_reveal_is_logged(env: Dict[str, Any]) -> None:
    ticket_id = new_ticket(env, "phone-conv", text="我的电话是138 1234 5678，快点处理")
    http, csrf = login(env["url"], "lin", PASSWORD)
    data = http.get(f"{env['url']}/api/tickets/{ticket_id}", timeout=10).json()
    assert "138****5678" in data["transcript"][0]["text"] and "1234" not in data["transcript"][0]["text"]
    assert http.post(f"{env['url']}/api/tickets/{ticket_id}/reveal", headers={"X-CSRF-Token": csrf}, timeout=10).status_code == 409
    http.post(f"{env['url']}/api/tickets/{ticket_id}/claim", headers={"X-CSRF-Token": csrf}, timeout=10)
    revealed = http.post(f"{env['url']}/api/tickets/{ticket_id}/reveal", headers={"X-CSRF-Token": csrf}, timeout=10).json()
    assert "138 1234 5678" in revealed["transcript"][0]["text"]
    assert [row["action"] for row in env["tickets"].audit_log(ticket_id)] == ["reveal_personal_data"]


@pytest.mark.parametrize(
    "body, status, code",
    [
        (b"", 400, "empty_body"),
        (b"{not json", 400, "malformed_json"),
        (b"[1, 2]", 400, "malformed_json"),
        (b'{"text": ""}', 400, "empty_text"),
        (b'{"text": 5}', 400, "empty_text"),
        (('{"text": "' + "好" * 5000 + '"}').encode(), 413, "too_long"),
    ],
)
def test_bad_input_gets_a_clear_4xx_json(env: Dict[str, Any], body: bytes, status: int, code: str) -> None:
    http, csrf = login(env["url"], "lin", PASSWORD)
    response = http.post(f"{env['url']}/api/check", data=body, timeout=10,
                         headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"] == code
    assert "Traceback" not in response.text


def test_huge_body_is_refused_without_traceback(env: Dict[str, Any]) -> None:
    http, csrf = login(env["url"], "lin", PASSWORD)
    response = http.post(f"{env['url']}/api/check", data=b"x" * (200 * 1024), timeout=10,
                         headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert response.status_code == 413 and "Traceback" not in response.text


def test_callback_accepts_loopback_and_chat_lists_messages_with_cursor(env: Dict[str, Any]) -> None:
    chat = requests.Session()
    page = chat.get(env["url"] + "/chat", timeout=10).text
    conv = re.search(r'<code id="conv">([^<]+)</code>', page).group(1)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert chat.post(env["url"] + "/chat/send", json={"text": "在吗"}, timeout=10).status_code == 403  # no CSRF token
    sent = chat.post(env["url"] + "/chat/send", json={"text": "在吗", "platform": "jd", "product_id": "p1001"},
                     headers={"X-CSRF-Token": csrf}, timeout=10)
    assert sent.status_code == 200
    forwarded = env["fake"].forwarded[-1]
    # metadata.message_id: the web chat's inbox id, so a repeated delivery is answered once (kefu.inbox.webchat)
    assert forwarded == {"sender": conv, "message": "在吗", "metadata": {
        "platform": "jd", "product_id": "p1001", "message_id": f"webchat-{sent.json()['id']}"}}
    messages = chat.get(env["url"] + "/chat/messages?after=0", timeout=10).json()["messages"]
    assert [m["sender"] for m in messages] == ["buyer", "bot"]
    later = chat.get(f"{env['url']}/chat/messages?after={messages[0]['id']}", timeout=10).json()["messages"]
    assert [m["text"] for m in later] == [messages[1]["text"]]
    assert chat.get(env["url"] + "/chat/messages?after=abc", timeout=10).status_code == 400
    # Another browser cannot read this conversation: its cookie names another conversation.
    assert requests.get(env["url"] + "/chat/messages?after=0", timeout=10).status_code == 403


def test_callback_needs_the_shared_secret_even_from_loopback(env: Dict[str, Any]) -> None:
    from kefu.handoff.web.chat import callback_url

    body = {"recipient_id": "cb-conv", "text": "亲，您好"}
    for url in (env["url"] + "/chat/callback", env["url"] + "/chat/callback?secret=wrong"):
        refused = requests.post(url, json=body, timeout=10)
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    http, _ = login(env["url"], "lin", PASSWORD)
    new_ticket(env, "cb-conv")  # an agent reads a conversation through its ticket
    delivered = f"{env['url']}/api/conversations/cb-conv/delivered?after=0"
    assert http.get(delivered, timeout=10).json()["messages"] == []  # nothing was stored
    good = callback_url(env["settings"])
    assert requests.post(good, data=b"{oops", timeout=10).status_code == 400
    assert requests.post(good, json={"recipient_id": "cb-conv", "text": "a\ud800b"}, timeout=10).status_code in (200, 400)
    assert requests.post(good, json=body, timeout=10).status_code == 200
    assert [m["text"] for m in http.get(delivered, timeout=10).json()["messages"]][-1] == "亲，您好"


def test_reply_is_guarded_delivered_and_close_resumes(env: Dict[str, Any]) -> None:
    conv = "reply-conv"
    ticket_id = new_ticket(env, conv)
    http, csrf = login(env["url"], "lin", PASSWORD)
    headers = {"X-CSRF-Token": csrf}
    api = f"{env['url']}/api/tickets/{ticket_id}"
    assert http.post(api + "/reply", json={"text": "亲，您好"}, headers=headers, timeout=10).status_code == 409  # not claimed
    http.post(api + "/claim", headers=headers, timeout=10)

    blocked = http.post(api + "/reply", json={"text": "亲，加我微信，私下给您退款"}, headers=headers, timeout=10)
    assert blocked.status_code == 422 and blocked.json()["error"] == "blocked"
    categories = {v["category"] for v in blocked.json()["check"]["violations"]}
    assert "third_party_platform" in categories
    pushed_before = len(env["fake"].pushed)

    rewrite = http.post(api + "/reply", json={"text": "亲，这个宝贝我们马上给您换新"}, headers=headers, timeout=10)
    assert rewrite.status_code == 422 and rewrite.json()["error"] == "rewrite_required"
    assert len(env["fake"].pushed) == pushed_before  # nothing reached the buyer
    accepted = http.post(api + "/reply", json={"text": "亲，这个宝贝我们马上给您换新", "accept_rewrite": True},
                         headers=headers, timeout=10)
    assert accepted.status_code == 200 and "宝贝" not in accepted.json()["sent"]

    good = http.post(api + "/reply", json={"text": "亲，您好，我是人工客服小林，马上为您处理"}, headers=headers, timeout=10)
    assert good.status_code == 200
    last = env["fake"].pushed[-1]
    assert last["conversation_id"] == conv and last["query"]["output_channel"] == ["callback"]
    assert last["events"] == [{"event": "bot", "text": "亲，您好，我是人工客服小林，马上为您处理", "metadata": {"kefu_agent": "lin"}}]
    delivered = http.get(f"{env['url']}/api/conversations/{conv}/delivered?after=0", timeout=10).json()["messages"]
    assert delivered[-1]["text"] == "亲，您好，我是人工客服小林，马上为您处理"

    # A buyer message Rasa logged while paused shows up in the ticket: Rasa's tracker store publishes it
    # through kefu's event broker (endpoints.yml) into the feed the web app's sync follows.
    broker = KefuEventBroker(EventFeed(env["settings"].db_path))
    broker.publish({"sender_id": conv, "event": "user", "text": "好的谢谢", "timestamp": time.time()})
    assert broker.flush()
    deadline = time.monotonic() + 15
    while True:
        transcript = http.get(api, timeout=10).json()["transcript"]
        buyer_lines = [l["text"] for l in transcript if l["sender"] == "buyer"]
        if buyer_lines[-1] == "好的谢谢" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert buyer_lines[-1] == "好的谢谢" and buyer_lines.count("好的谢谢") == 1
    assert [l["sender"] for l in transcript].count("agent") == 2

    closed = http.post(api + "/close", json={"outcome": "resolved"}, headers=headers, timeout=10)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    events = env["fake"].pushed[-1]["events"]
    assert events[0] == {"event": "resume"}
    assert events[1] == {"event": "action", "name": "action_listen"}
    assert events[2]["event"] == "bot" and "智能客服" in events[2]["text"]


def test_delivered_follows_the_tickets_access_rules(env: Dict[str, Any]) -> None:
    """Issue 18 #8: a colleague's claimed chat is not readable through /delivered, nor one without a ticket."""
    AgentStore(env["settings"].db_path).add("boss", PASSWORD, replace=True, role="supervisor")
    ticket_id = new_ticket(env, "held-conv")
    wang, wang_csrf = login(env["url"], "wang", PASSWORD)
    claimed = wang.post(f"{env['url']}/api/tickets/{ticket_id}/claim", headers={"X-CSRF-Token": wang_csrf}, timeout=10)
    assert claimed.status_code == 200, claimed.text
    lin, _ = login(env["url"], "lin", PASSWORD)
    boss, _ = login(env["url"], "boss", PASSWORD)
    url = f"{env['url']}/api/conversations/held-conv/delivered?after=0"
    refused = lin.get(url, timeout=10)
    assert refused.status_code == 403 and refused.json()["error"] == "not_yours"
    assert wang.get(url, timeout=10).status_code == 200
    assert boss.get(url, timeout=10).status_code == 200
    unknown = lin.get(f"{env['url']}/api/conversations/no-ticket-conv/delivered?after=0", timeout=10)
    assert unknown.status_code == 404
