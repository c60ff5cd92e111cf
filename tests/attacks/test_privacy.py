"""Issue 18 #7 and #8: every PII form masked wherever the console shows a conversation, the bot never
echoes an ID number it did not expect, ``kefu purge`` removes the words of old conversations from the
real stores, and every conversation route follows the ticket's access rules."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from kefu.handoff.auth import AgentStore
from kefu.retention import purge
from kefu.settings import Settings

from .conftest import fresh, wait_until

pytestmark = pytest.mark.attack
PASSWORD = "correct horse battery"
# form -> (what the buyer types, a piece that must never be shown)
FORMS: Dict[str, tuple] = {
    "plain": ("13957902468", "5790"),
    "spaces": ("139 5790 2468", "5790"),
    "dashes": ("139-5790-2468", "5790"),
    "U+200B between groups": ("139\u200b5790\u200b2468", "5790"),
    "U+200C between groups": ("139\u200c5790\u200c2468", "5790"),
    "U+2060 word joiner": ("139\u20605790\u20602468", "5790"),
    "soft hyphen": ("139\u00ad5790\u00ad2468", "5790"),
    "slashes 139/5790/2468": ("139/5790/2468", "5790"),
    "brackets (139)57902468": ("(139)57902468", "5790"),
    "full-width brackets": ("（139）57902468", "5790"),
    "financial numerals 壹叁玖…": ("壹叁玖伍柒玖零贰肆陆捌", "伍柒玖零"),
    "plain numerals 一三九…": ("一三九五七九零二四六八", "五七九零"),
    "full-width digits": ("１３９５７９０２４６８", "５７９０"),
    "ID number": ("330106198807153418", "19880715"),
    "ID number after 订单号": ("订单号 330106198807153418", "19880715"),
    "bank card": ("6222021234567890128", "02123456"),
}


def _agent(stack: Any, name: str, role: str = "agent") -> requests.Session:
    from tests.handoff.conftest import login

    AgentStore(stack.settings.db_path).add(name, PASSWORD, replace=True, role=role)
    http, csrf = login(stack.settings.web_url, name, PASSWORD)
    http.headers["X-CSRF-Token"] = csrf
    return http


@pytest.fixture(scope="module")
def pii_ticket(live_stack, rest) -> Dict[str, Any]:
    """A complaint (a ticket), then every form, each in its own buyer message (they reach the ticket)."""
    sender = fresh("pii")
    rest.say(sender, "你们这衣服质量太差了，洗一次就开线，我要投诉")
    for text, _ in FORMS.values():
        rest.say(sender, f"我的联系方式 {text}")
    from kefu.tickets.store import TicketStore

    tickets = TicketStore(live_stack.settings.db_path)
    ticket = wait_until(lambda: tickets.active_for(sender), timeout=60)
    assert ticket is not None, "the complaint opened no ticket"
    wait_until(lambda: len(tickets.transcript(ticket.id)) >= len(FORMS) + 1, timeout=90)
    return {"conversation_id": sender, "ticket_id": ticket.id}


def test_every_pii_form_is_masked_in_the_console(live_stack, pii_ticket, report) -> None:
    web = live_stack.settings.web_url
    http = _agent(live_stack, "atk-mask")
    conv, ticket_id = pii_ticket["conversation_id"], pii_ticket["ticket_id"]
    responses = [
        http.get(f"{web}/api/tickets/{ticket_id}", timeout=30),
        http.get(f"{web}/api/tickets", timeout=30),
        http.get(f"{web}/api/search", params={"q": "联系方式"}, timeout=30),
        http.get(f"{web}/api/search", params={"buyer": conv}, timeout=30),
        http.get(f"{web}/api/conversations/{conv}/delivered", timeout=30),
    ]
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    decoded = json.dumps([r.json() for r in responses], ensure_ascii=False)
    assert "****" in decoded and "我的联系方式" in decoded  # the messages are there, masked
    leaked = [form for form, (_, secret) in FORMS.items() if secret in decoded]
    report("PII forms shown unmasked in the console (ticket, queue, search, delivered)", len(FORMS), len(leaked))
    assert not leaked, leaked


def test_the_bot_never_echoes_a_number_it_did_not_expect(live_stack, rest, report) -> None:
    texts = ("订单330106198807153418到哪了", "没有查到订单号 330106198807153418 吗", "订单号6222021234567890128",
             "我的订单13957902468发货了吗", "单号 11010519900307123X 到哪了")
    echoes = 0
    for text in texts:
        answer = rest.say(fresh("echo"), text)
        echoes += any(number in answer for number in ("19880715", "02123456", "5790", "19900307"))
    report("the bot echoes an ID/phone/card number it did not expect", len(texts), echoes)
    assert echoes == 0


def test_purge_removes_the_words_of_old_conversations_from_the_real_stores(live_stack, pii_ticket, tmp_path,
                                                                            report) -> None:
    """On a copy of the live state (the stack keeps running): ``purge`` with the clock two days on."""
    state = Path(live_stack.settings.state_dir)
    for path in state.iterdir():
        if path.is_file() and (".db" in path.name):
            shutil.copy2(path, tmp_path / path.name)
    copy = Settings.from_env({"KEFU_STATE_DIR": str(tmp_path)})
    before = (tmp_path / "conversations.db").read_bytes() + (tmp_path / "kefu.db").read_bytes()
    assert b"57902468" in before or "57902468".encode() in before, "the copy holds the buyer's number"
    counts = purge(copy, days=1, now=time.time() + 2 * 86400)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    left = [form for form, (text, _) in FORMS.items() if text.encode("utf-8") in raw]
    report("PII forms left in conversations.db/kefu.db after kefu purge", len(FORMS), len(left))
    assert not left, left
    assert counts["conversations.db events"] > 0 and counts["handoff_messages"] > 0
    from kefu.tickets.store import TicketStore

    assert TicketStore(copy.db_path).get(pii_ticket["ticket_id"]).conversation_id == pii_ticket["conversation_id"]


def test_conversation_routes_follow_the_tickets_access_rules(live_stack, pii_ticket, report) -> None:
    web = live_stack.settings.web_url
    holder, other = _agent(live_stack, "atk-holder"), _agent(live_stack, "atk-other")
    supervisor = _agent(live_stack, "atk-boss", role="supervisor")
    conv, ticket_id = pii_ticket["conversation_id"], pii_ticket["ticket_id"]
    assert holder.post(f"{web}/api/tickets/{ticket_id}/claim", timeout=30).status_code == 200
    routes = (f"/api/conversations/{conv}/delivered", f"/api/tickets/{ticket_id}",
              f"/api/tickets/{ticket_id}/assist", f"/api/tickets/{ticket_id}/reveal")
    bypasses = 0
    for route in routes:
        method = other.post if route.endswith(("assist", "reveal")) else other.get
        response = method(f"{web}{route}", timeout=60)
        bypasses += response.status_code < 400 or conv in response.text and response.status_code == 200
    unknown = other.get(f"{web}/api/conversations/{fresh('none')}/delivered", timeout=30)
    bypasses += unknown.status_code != 404
    report("console: a colleague's claimed chat read through a conversation route", len(routes) + 1, bypasses)
    assert bypasses == 0
    assert holder.get(f"{web}/api/conversations/{conv}/delivered", timeout=30).status_code == 200
    assert supervisor.get(f"{web}/api/conversations/{conv}/delivered", timeout=30).status_code == 200
