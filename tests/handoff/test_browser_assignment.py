"""Assignment under load in headless Chromium: 20 buyers, 3 agents in their own browsers, one going 离开.

Its own web app (module-scoped ``web_env``), so agents being 在线 here does not take chats
away from the other browser tests, which claim by hand.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List

import pytest

from kefu.tickets.store import TicketStore, TranscriptLine
from tests.handoff.test_browser import ARGS, CHROMIUM, IMG, PASSWORD, add_team, browser, console, pytestmark  # noqa: F401

AGENTS = ("agent-a", "agent-b", "agent-c")
LIMIT = 8
PLATFORMS = ("pinduoduo", "taobao", "jd", "douyin")


@pytest.fixture(scope="module")
def team(web_env: Dict[str, Any]) -> Dict[str, Any]:
    db = web_env["settings"].db_path
    add_team(db, AGENTS, "lead")
    return dict(web_env, tickets=TicketStore(db))


def loads(tickets: TicketStore) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for t in tickets.queue():
        key = t.agent if t.status == "claimed" else "(open)"
        out[key] = out.get(key, 0) + 1
    return out


def settle(tickets: TicketStore, expected: Dict[str, int], seconds: float = 15) -> Dict[str, int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and loads(tickets) != expected:
        time.sleep(0.2)
    return loads(tickets)


def set_limit(page: Any, agent: str, limit: int) -> None:
    row = page.locator(f"#assignment-list tr[data-agent='{agent}']")
    row.wait_for()
    row.locator("input.limit").fill(str(limit))
    row.locator("button.save").click()
    page.wait_for_function(f"document.getElementById('assignment-notice').textContent === '已保存 {agent}'")
    page.wait_for_function(f"document.querySelector(\"#assignment-list tr[data-agent='{agent}'] input.limit\").value === '{limit}'")


def mine(page: Any) -> List[int]:
    return page.eval_on_selector_all("#mine li", "items => items.map(i => Number(i.dataset.ticketId))")


def test_twenty_buyers_three_agents_one_leaves_no_chat_waits_while_someone_has_room(browser: Any,
                                                                                     team: Dict[str, Any]) -> None:
    url, tickets = team["url"], team["tickets"]
    lead = console(browser, url, "lead")
    lead.goto(f"{url}/console/agents")
    for name in AGENTS:  # the supervisor sets each agent's limit in the agents page
        set_limit(lead, name, LIMIT)
    pages = {name: console(browser, url, name) for name in AGENTS}
    for name, page in pages.items():
        assert page.input_value("#my-status") == "away"  # nobody is given chats before starting
        page.select_option("#my-status", "online")
        page.wait_for_function("document.getElementById('my-load').textContent.includes('接待中 0/8')")

    now = time.time()
    for i in range(20):
        tickets.create(conversation_id=f"web-load-{i}", platform=PLATFORMS[i % 4], reason="request_human",
                       priority=3, now=now + i * 0.01,
                       transcript=[TranscriptLine("buyer", f"在吗，第{i}位买家", now, f"t:load:{i}")])
    # 20 chats, 24 places: every chat is given out, least loaded first (7/7/6).
    got = settle(tickets, {"agent-a": 7, "agent-b": 7, "agent-c": 6})
    assert got == {"agent-a": 7, "agent-b": 7, "agent-c": 6}, got
    for name, page in pages.items():  # each agent's own browser lists exactly the chats given to them
        expected = sorted(t.id for t in tickets.queue() if t.agent == name)
        page.wait_for_function(f"document.querySelectorAll('#mine li').length === {len(expected)}", timeout=10000)
        assert sorted(mine(page)) == expected
        page.wait_for_function(f"document.getElementById('my-load').textContent.includes('接待中 {len(expected)}/8')")
    pages["agent-a"].screenshot(path=str(IMG / "assignment.png"), full_page=True)

    # agent-c goes 离开: the six chats go to the two colleagues up to their limit, the rest waits.
    pages["agent-c"].select_option("#my-status", "away")
    got = settle(tickets, {"agent-a": 8, "agent-b": 8, "(open)": 4})
    assert got == {"agent-a": 8, "agent-b": 8, "(open)": 4}, got
    pages["agent-c"].wait_for_function("document.querySelectorAll('#mine li').length === 0", timeout=10000)
    pages["agent-a"].wait_for_function("document.querySelectorAll('#mine li').length === 8", timeout=10000)
    assert pages["agent-c"].locator("#queue li").count() == 4  # the waiting ones, visible to all

    # Room again (the supervisor raises a limit): the waiting chats are given out at once.
    set_limit(lead, "agent-b", 12)
    assert settle(tickets, {"agent-a": 8, "agent-b": 12}) == {"agent-a": 8, "agent-b": 12}
    pages["agent-b"].wait_for_function("document.querySelectorAll('#mine li').length === 12", timeout=10000)

    # Every chat says who it was given to, and why it moved.
    moved = [t for t in tickets.queue() if any("离开" in l.text for l in tickets.transcript(t.id))]
    assert len(moved) == 6
    lead.fill("#group-form input[name=name]", "京东组")
    lead.fill("#group-form input[name=platforms]", "jd")
    lead.click("#group-form button")
    lead.wait_for_function("document.getElementById('group-list').textContent.includes('京东组：平台 jd')")
    for page in list(pages.values()) + [lead]:
        page.context.close()


def test_supervisor_override_from_the_console_past_the_limit(browser: Any, team: Dict[str, Any]) -> None:
    url, tickets = team["url"], team["tickets"]
    now = time.time()
    chat, _ = tickets.create(conversation_id="web-override-1", platform="jd", reason="complain", priority=2,
                             transcript=[TranscriptLine("buyer", "我要找主管", now, "t:override")])
    lead = console(browser, url, "lead")
    lead.wait_for_selector(f"#queue li[data-ticket-id='{chat.id}'], #others li[data-ticket-id='{chat.id}']")
    lead.click(f".chatlist li[data-ticket-id='{chat.id}']")
    lead.wait_for_function(f"document.getElementById('chat-title').textContent.includes('#{chat.id}')")
    lead.select_option("#transfer-to", "agent-c")  # 离开 and not counted against any limit: an override
    lead.click("#assign")
    lead.wait_for_function("document.getElementById('status').textContent.includes('agent-c')")
    time.sleep(2.5)  # a few assignment passes later: c is 离开, yet the override stands
    assert tickets.get(chat.id).agent == "agent-c"
    assert "lead 指派给 agent-c" in lead.text_content("#transcript")
    assert any(row["action"] == "supervisor_assign" for row in tickets.audit_log(chat.id))
    agent = console(browser, url, "agent-a")
    forbidden = agent.evaluate("""async (id) => (await fetch('/api/assignment/tickets/' + id, {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({to: 'agent-a'})})).status""", chat.id)
    assert forbidden == 403
