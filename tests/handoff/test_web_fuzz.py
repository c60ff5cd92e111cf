"""Seeded fuzzing of every route of the web app over real HTTP: never a 5xx, never a traceback.

Every route of ``create_app``'s router gets generated requests as an anonymous caller, an
agent and a supervisor: path parameters (huge, negative, encoded, Chinese, traversal),
query arguments, and bodies (hostile JSON: lone surrogates, control characters, 1,000-deep
nesting, integers beyond 2^63, wrong types, very long strings, bytes that are not JSON).
Afterwards the same web-app process is healthy and its log holds no traceback.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any, Dict, List

import pytest
import requests

from kefu.handoff.auth import AgentStore
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.handoff.web import create_app

from .conftest import login

SEEDS = (20261201, 7, 12)
PER_ROUTE = 40
PASSWORD = "fuzz-password-123"

NASTY_STRINGS = ["", " ", "\ud800", "a\udfffb", "\x00", "\x1b[2J", "😀" * 50, "好" * 5000, "<script>alert(1)</script>",
                 "../../etc/passwd", "%00", "买家 小王", "1" * 40, "null", "\u202e反转", "加我微信", "13812345678"]
NASTY_NUMBERS = [0, -1, 2**63, 2**64 + 1, -2**63 - 1, 10**30, 1.5, float("1e308")]


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8)
    if kind == 0 or depth > 3:
        return rng.choice(NASTY_STRINGS)
    if kind == 1:
        return rng.choice(NASTY_NUMBERS)
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 4:
        return {rng.choice(["text", "to", "note", "outcome", "role", "name", "ticket_id", "platform", "x"]):
                _value(rng, depth + 1) for _ in range(rng.randrange(4))}
    return rng.choice(["亲，您好", "resolved", "supervisor", "jd", "lin", "hello"])


def _body(rng: random.Random) -> bytes:
    kind = rng.randrange(10)
    if kind == 0:
        return b""
    if kind == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))  # not JSON, maybe not UTF-8
    if kind == 2:
        return b'{"text": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    if kind == 3:
        return b'{"text": "\\ud83d", "ticket_id": 99999999999999999999999}'
    if kind == 4:
        return json.dumps(_value(rng)).encode()
    fields = {key: _value(rng) for key in rng.sample(["text", "to", "note", "outcome", "role", "name", "ticket_id",
                                                      "platform", "accept_rewrite", "recipient_id"], rng.randrange(1, 4))}
    return json.dumps(fields, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


def _param(rng: random.Random, kind: str) -> str:
    if kind == "int":
        return str(rng.choice([1, 2, 3, 0, 2**63, 2**64, 10**25, 99999]))
    return rng.choice(["lin", "x", "%E4%B9%B0%E5%AE%B6%20%E5%B0%8F%E7%8E%8B", "..%2F..%2Fkefu.db", "b-" + "0" * 32,
                       "%F0%9F%98%80", "a" * 300, "%00"])


@pytest.fixture(scope="module")
def callers(web_env: Dict[str, Any]) -> Dict[str, Any]:
    db = web_env["settings"].db_path
    agents = AgentStore(db)
    agents.add("fuzz-agent", PASSWORD)
    agents.add("fuzz-boss", PASSWORD, role="supervisor")
    tickets = TicketStore(db)
    for n in range(3):
        tickets.create(conversation_id=f"fuzz-{n}", platform="jd", reason="complain", priority=2,
                       transcript=[TranscriptLine("buyer", "衣服有问题", 1.0 + n, f"f{n}")])
    anonymous = requests.Session()
    agent, agent_csrf = login(web_env["url"], "fuzz-agent", PASSWORD)
    boss, boss_csrf = login(web_env["url"], "fuzz-boss", PASSWORD)
    return {"anonymous": (anonymous, ""), "agent": (agent, agent_csrf), "supervisor": (boss, boss_csrf)}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_route_answers_generated_hostile_requests_without_a_5xx(web_env: Dict[str, Any],
                                                                      callers: Dict[str, Any], seed: int) -> None:
    rng = random.Random(seed)
    routes = create_app(web_env["settings"]).router.routes
    failures: List[str] = []
    sent = 0
    for route in routes:
        path = "/" + route.path.lstrip("/")
        if path in ("/logout", "/login"):
            continue  # a fuzzed logout ends the callers' sessions; the login form has its own tests
        for method in sorted(route.methods):
            for _ in range(PER_ROUTE):
                concrete = re.sub(r"<([^:>]+):?([^>]*)>", lambda m: _param(rng, m.group(2) or "str"), path)
                query = "&".join(f"{rng.choice(['after', 'q', 'since', 'platform', 'status', 'ticket_id', 'x'])}="
                                 f"{rng.choice(['1', '-5', '2026-13-40', 'jd', '99999999999999999999', '%FF', '好'])}"
                                 for _ in range(rng.randrange(3)))
                who = rng.choice(list(callers))
                http, csrf = callers[who]
                url = web_env["url"] + concrete + (f"?{query}" if query else "")
                headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
                if concrete == "/api/events":
                    response = http.get(url, stream=True, timeout=10)
                    response.close()
                else:
                    response = http.request(method, url, data=_body(rng) if method == "POST" else None,
                                            headers=headers, allow_redirects=False, timeout=30)
                sent += 1
                if response.status_code >= 500 or "Traceback" in response.text[:5000]:
                    failures.append(f"{who} {method} {url[:120]} -> {response.status_code} {response.text[:200]}")
    assert sent >= 1000
    assert not failures, "\n".join(failures[:20])
    assert requests.get(web_env["url"] + "/health", timeout=10).json()["status"] == "ok"
    log = web_env["log"].read_text()
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]
