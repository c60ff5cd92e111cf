"""Automatic assignment over real SQLite stores: status, limits, skill groups, re-assignment, override.

The clock is passed in (``now``), so "the agent did not answer within the platform's rule"
is tested without waiting three minutes; the browser test (test_browser_assignment.py)
walks the same rule with 20 buyers and 3 agents in Chromium.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, List

import pytest

from kefu.tickets.assignment import Assigner, AssignmentError, AssignmentStore
from kefu.handoff.auth import AgentStore
from kefu.tickets.response_rules import DEFAULTS
from kefu.tickets.store import TicketStore, TranscriptLine

T0 = 1_700_000_000.0  # in the past: status changes (real clock) come after these chats


@pytest.fixture
def world(tmp_path: Path) -> Dict[str, object]:
    db = tmp_path / "kefu.db"
    agents = AgentStore(db)
    for name in ("a", "b", "c"):
        agents.add(name, "password-" + name)
    tickets, store = TicketStore(db), AssignmentStore(db)
    return {"tickets": tickets, "store": store, "agents": agents,
            "assigner": Assigner(tickets, store, agents, DEFAULTS, shop="示例店铺")}


def open_tickets(world: Dict[str, object], n: int, platform: str = "pinduoduo", reason: str = "complain",
                 at: float = T0) -> List[int]:
    tickets: TicketStore = world["tickets"]  # type: ignore[assignment]
    ids = []
    for i in range(n):
        ticket, _ = tickets.create(conversation_id=f"{platform}-{reason}-{i}-{at}", platform=platform, reason=reason,
                                   priority=2, now=at + i,
                                   transcript=[TranscriptLine("buyer", "在吗", at + i, f"t:{platform}:{i}:{at}")])
        ids.append(ticket.id)
    return ids


def holders(world: Dict[str, object]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for ticket in world["tickets"].queue():  # type: ignore[attr-defined]
        key = ticket.agent if ticket.status == "claimed" else "(open)"
        out[key] = out.get(key, 0) + 1
    return out


def test_nobody_receives_chats_before_choosing_online_and_busy_receives_none(world: Dict[str, object]) -> None:
    store, assigner = world["store"], world["assigner"]
    open_tickets(world, 3)
    assert assigner.step(now=T0 + 5).assigned == []  # every agent is 离开 until they start
    store.set_status("a", "busy")
    assert assigner.step(now=T0 + 6).assigned == [] and holders(world) == {"(open)": 3}
    store.set_status("b", "online")
    assigner.step(now=T0 + 7)
    assert holders(world) == {"b": 3}


def test_least_loaded_first_up_to_each_agents_limit(world: Dict[str, object]) -> None:
    store, assigner = world["store"], world["assigner"]
    for name in ("a", "b", "c"):
        store.set_status(name, "online")
    store.configure("c", max_chats=2)
    open_tickets(world, 12)
    result = assigner.step(now=T0 + 20)
    assert len(result.assigned) == 12
    assert holders(world) == {"a": 5, "b": 5, "c": 2}
    # The first three chats went to three different agents: least loaded, not first come.
    assert len({agent for _, agent in result.assigned[:3]}) == 3
    open_tickets(world, 1, at=T0 + 100)
    assigner.step(now=T0 + 101)
    assert holders(world) == {"a": 5, "b": 5, "c": 2, "(open)": 1}  # everyone full: it waits


def test_skill_groups_route_platforms_and_topics_and_an_unstaffed_topic_still_gets_someone(world: Dict[str, object]) -> None:
    store, assigner = world["store"], world["assigner"]
    store.save_group("京东组", platforms=["jd"])
    store.save_group("售后组", topics=["after_sale", "complain"], shops=["示例店铺"])
    store.configure("a", groups=["京东组"])
    store.configure("b", groups=["售后组"])
    for name in ("a", "b"):
        store.set_status(name, "online")
    jd = open_tickets(world, 2, platform="jd", reason="request_human")
    complaints = open_tickets(world, 2, platform="taobao", reason="complain")
    stray = open_tickets(world, 1, platform="douyin", reason="request_human")  # no group covers it
    assigner.step(now=T0 + 10)
    tickets: TicketStore = world["tickets"]  # type: ignore[assignment]
    assert {tickets.get(i).agent for i in jd} == {"a"}
    assert {tickets.get(i).agent for i in complaints} == {"b"}
    assert tickets.get(stray[0]).status == "claimed"  # given to someone online rather than left waiting
    with pytest.raises(AssignmentError):
        store.configure("c", groups=["没有这个组"])
    with pytest.raises(AssignmentError):
        store.configure("c", max_chats=-1)
    with pytest.raises(AssignmentError):
        store.set_status("c", "sleeping")


def test_an_agent_who_leaves_hands_the_chats_to_colleagues(world: Dict[str, object]) -> None:
    store, assigner = world["store"], world["assigner"]
    for name in ("a", "b", "c"):
        store.set_status(name, "online")
    open_tickets(world, 9)
    assigner.step(now=T0 + 10)
    assert holders(world) == {"a": 3, "b": 3, "c": 3}
    store.set_status("c", "away")
    result = assigner.step(now=T0 + 11)
    assert len(result.returned) == 3
    assert holders(world) == {"a": 5, "b": 4}  # c's three chats, to the least loaded with room
    store.set_status("b", "away")
    assigner.step(now=T0 + 12)
    assert holders(world) == {"a": 5, "(open)": 4}  # nobody with room: they wait in the queue


def test_no_answer_within_the_platforms_rule_moves_the_chat_on_in_time(world: Dict[str, object]) -> None:
    store, assigner, tickets = world["store"], world["assigner"], world["tickets"]
    store.set_status("a", "online")
    [chat] = open_tickets(world, 1, platform="jd")  # JD: 30 s, amber at 20 s
    [answered] = open_tickets(world, 1, platform="jd", at=T0 + 0.5)
    assigner.step(now=T0 + 1)
    assert tickets.get(chat).agent == "a" and tickets.get(answered).agent == "a"
    tickets.add_agent_reply(answered, "a", "亲，您好，马上为您查询", now=T0 + 5)
    store.set_status("b", "online")
    assert assigner.step(now=T0 + 15).reassigned == []  # still within the rule
    result = assigner.step(now=T0 + 22)
    assert result.reassigned == [(chat, "a", "b")]  # b still has 9 of JD's 30 seconds
    assert tickets.get(answered).agent == "a"  # answered: it stays
    assert "a 20 秒内未回复，自动改派" in tickets.get(chat).transcript[-1].text
    # b does not answer either; a already passed on it, nobody else has room: it stays with b.
    assert assigner.step(now=T0 + 50).reassigned == []
    assert tickets.get(chat).agent == "b"


def test_a_supervisor_assigns_past_the_limit_and_it_is_not_moved_on(world: Dict[str, object]) -> None:
    store, assigner, tickets = world["store"], world["assigner"], world["tickets"]
    store.set_status("a", "online")
    store.configure("a", max_chats=1)
    first, second = open_tickets(world, 2)
    assigner.step(now=T0 + 3)
    assert tickets.get(second).status == "open"
    assigner.supervisor_assign(second, "zhuguan", "a", now=T0 + 4)
    store.set_status("b", "online")
    assigner.step(now=T0 + 1000)
    assert tickets.get(second).agent == "a"  # the override is not undone by the clock
    assert tickets.get(first).agent == "b"  # the automatic one, unanswered, moved on
    actions = [row["action"] for row in tickets.audit_log(second)]
    assert "supervisor_assign" in actions


def test_an_agent_who_never_chose_a_status_keeps_the_chats_claimed_by_hand(world: Dict[str, object]) -> None:
    tickets, assigner = world["tickets"], world["assigner"]
    [chat] = open_tickets(world, 1)
    tickets.claim(chat, "a")
    assigner.step(now=time.time())
    assert tickets.get(chat).agent == "a"  # working by hand, as before assignment existed
