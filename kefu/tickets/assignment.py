"""Automatic assignment (自动分配): agent status, per-agent limits, skill groups, re-assignment.

What 千牛/飞鸽 team leads expect, as one rule over the stores:

- every agent has a 接待状态: ``online`` (在线: receives chats), ``busy`` (忙碌: keeps the
  chats held, receives no new ones) or ``away`` (离开: receives nothing; the chats held go
  back to the pool and are assigned to colleagues). An agent who never chose is 离开, so
  nobody is given chats before starting work;
- every agent has a concurrent limit (``max_chats``, default 5);
- skill groups (技能组) name platforms, shops and topics (a ticket's reason: complain,
  after_sale, request_human…); an empty list means "any". An agent in groups receives only
  tickets one of the groups covers; an agent in no group receives any ticket. A ticket no
  online agent's groups cover goes to anyone online with room (never left waiting for a
  group that is not staffed);
- an open ticket goes to the eligible agent with the fewest active chats (ties: who was given
  a chat longest ago), most urgent tickets first;
- an assigned chat the agent does not answer within the platform's response rule is taken back
  and given to another eligible agent: at the rule's amber point (``warn_seconds`` of
  ``response_rules``, 120 s of Pinduoduo's 180 s), so the next agent still has the rest of the
  platform's time; the first agent is not given it again;
- a supervisor may assign any chat to any enabled agent (override), whatever the limit.

Every assignment is audited (``auto_assign``, ``reassign``, ``supervisor_assign``) and marked
on the transcript as a system line, so the chat shows who was given it and why.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from kefu.db import SQLiteStore, transaction
from kefu.tickets.response_rules import DEFAULTS, ResponseRule
from kefu.tickets.store import Ticket, TicketError, TicketStore, TranscriptLine

STATUSES = ("online", "busy", "away")
STATUS_LABELS = {"online": "在线", "busy": "忙碌", "away": "离开"}
DEFAULT_MAX_CHATS = 5
MAX_CHATS_LIMIT = 50
GROUP_KEYS = ("platforms", "shops", "topics")
SYSTEM = "系统"

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_agent_state (
    agent       TEXT PRIMARY KEY,
    status      TEXT NOT NULL DEFAULT 'away',
    max_chats   INTEGER NOT NULL DEFAULT 5,
    groups      TEXT NOT NULL DEFAULT '[]',
    changed_at  REAL NOT NULL DEFAULT 0,
    last_given  REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS handoff_skill_groups (
    name        TEXT PRIMARY KEY,
    platforms   TEXT NOT NULL DEFAULT '[]',
    shops       TEXT NOT NULL DEFAULT '[]',
    topics      TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS handoff_assignments (
    ticket_id   INTEGER PRIMARY KEY,
    agent       TEXT NOT NULL,
    assigned_at REAL NOT NULL,
    how         TEXT NOT NULL,
    passed      TEXT NOT NULL DEFAULT '[]'
);
"""


class AssignmentError(TicketError):
    """Bad status, limit or group (400)."""

    status_code = 400


@dataclass(frozen=True)
class SkillGroup:
    name: str
    platforms: Tuple[str, ...] = ()
    shops: Tuple[str, ...] = ()
    topics: Tuple[str, ...] = ()

    def covers(self, ticket: Ticket, shop: Optional[str]) -> bool:
        return ((not self.platforms or ticket.platform in self.platforms)
                and (not self.shops or (shop or "") in self.shops)
                and (not self.topics or ticket.reason in self.topics))

    def as_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "platforms": list(self.platforms), "shops": list(self.shops),
                "topics": list(self.topics)}


@dataclass
class AgentState:
    agent: str
    status: str = "away"
    max_chats: int = DEFAULT_MAX_CHATS
    groups: List[str] = field(default_factory=list)
    last_given: float = 0.0
    load: int = 0
    changed_at: float = 0.0  # when the agent last chose a status (0: never chose)

    def as_dict(self) -> Dict[str, Any]:
        return {"agent": self.agent, "status": self.status, "status_label": STATUS_LABELS[self.status],
                "max_chats": self.max_chats, "groups": list(self.groups), "load": self.load}


def _names(value: Any, key: str) -> Tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and 0 < len(v) <= 64 for v in value):
        raise AssignmentError(f"{key} 须为文字列表")
    if len(value) > 50:
        raise AssignmentError(f"{key} 最多 50 项")
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


class AssignmentStore(SQLiteStore):
    """Agent status, limits and groups; who was given which chat, when and how."""

    SCHEMA = SCHEMA

    # --- agents -----------------------------------------------------------------------------------

    def state(self, agent: str) -> AgentState:
        row = self.conn.execute("SELECT * FROM handoff_agent_state WHERE agent = ?", (agent,)).fetchone()
        if row is None:
            return AgentState(agent)
        return AgentState(agent, row["status"], row["max_chats"], json.loads(row["groups"]), row["last_given"],
                          changed_at=row["changed_at"])

    def states(self, agents: Sequence[str]) -> Dict[str, AgentState]:
        return {name: self.state(name) for name in agents}

    def _ensure(self, conn: Any, agent: str) -> None:
        conn.execute("INSERT INTO handoff_agent_state (agent, max_chats) VALUES (?, ?) ON CONFLICT DO NOTHING",
                     (agent, DEFAULT_MAX_CHATS))

    def set_status(self, agent: str, status: str, now: Optional[float] = None) -> None:
        if status not in STATUSES:
            raise AssignmentError(f"接待状态须为 {'、'.join(STATUS_LABELS[s] for s in STATUSES)} 之一")
        with transaction(self.conn) as conn:
            self._ensure(conn, agent)
            conn.execute("UPDATE handoff_agent_state SET status = ?, changed_at = ? WHERE agent = ?",
                         (status, time.time() if now is None else now, agent))

    def configure(self, agent: str, *, max_chats: Optional[int] = None, groups: Optional[Sequence[str]] = None) -> None:
        if max_chats is not None and (not isinstance(max_chats, int) or isinstance(max_chats, bool)
                                      or not 0 <= max_chats <= MAX_CHATS_LIMIT):
            raise AssignmentError(f"接待上限须为 0 到 {MAX_CHATS_LIMIT} 之间的整数")
        names = _names(groups, "技能组") if groups is not None else None
        if names:
            known = {g.name for g in self.groups()}
            unknown = [n for n in names if n not in known]
            if unknown:
                raise AssignmentError(f"没有技能组 {unknown[0]}")
        with transaction(self.conn) as conn:
            self._ensure(conn, agent)
            if max_chats is not None:
                conn.execute("UPDATE handoff_agent_state SET max_chats = ? WHERE agent = ?", (max_chats, agent))
            if names is not None:
                conn.execute("UPDATE handoff_agent_state SET groups = ? WHERE agent = ?",
                             (json.dumps(list(names), ensure_ascii=False), agent))

    # --- skill groups -----------------------------------------------------------------------------

    def groups(self) -> List[SkillGroup]:
        rows = self.conn.execute("SELECT * FROM handoff_skill_groups ORDER BY name").fetchall()
        return [SkillGroup(r["name"], *(tuple(json.loads(r[key])) for key in GROUP_KEYS)) for r in rows]

    def save_group(self, name: str, platforms: Any = None, shops: Any = None, topics: Any = None) -> SkillGroup:
        if not isinstance(name, str) or not name.strip() or len(name) > 32:
            raise AssignmentError("技能组名称须为 1 到 32 个字")
        group = SkillGroup(name.strip(), _names(platforms, "平台"), _names(shops, "店铺"), _names(topics, "话题"))
        self.conn.execute(
            "INSERT INTO handoff_skill_groups (name, platforms, shops, topics) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET platforms = excluded.platforms, shops = excluded.shops,"
            " topics = excluded.topics",
            (group.name, *(json.dumps(list(getattr(group, key)), ensure_ascii=False) for key in GROUP_KEYS)))
        return group

    # --- assignments ------------------------------------------------------------------------------

    def assignment(self, ticket_id: int) -> Optional[Dict[str, Any]]:
        row = self.conn.execute("SELECT * FROM handoff_assignments WHERE ticket_id = ?", (ticket_id,)).fetchone()
        return dict(row, passed=json.loads(row["passed"])) if row else None

    def record(self, ticket_id: int, agent: str, how: str, now: float, passed: Sequence[str] = ()) -> None:
        with transaction(self.conn) as conn:
            conn.execute("INSERT INTO handoff_assignments (ticket_id, agent, assigned_at, how, passed)"
                         " VALUES (?, ?, ?, ?, ?) ON CONFLICT(ticket_id) DO UPDATE SET agent = excluded.agent,"
                         " assigned_at = excluded.assigned_at, how = excluded.how, passed = excluded.passed",
                         (ticket_id, agent, now, how, json.dumps(list(passed), ensure_ascii=False)))
            self._ensure(conn, agent)
            conn.execute("UPDATE handoff_agent_state SET last_given = ? WHERE agent = ?", (now, agent))


@dataclass
class AssignResult:
    assigned: List[Tuple[int, str]] = field(default_factory=list)    # (ticket id, agent)
    reassigned: List[Tuple[int, str, str]] = field(default_factory=list)  # (ticket id, from, to)
    returned: List[int] = field(default_factory=list)  # taken from an agent who left, back in the pool

    @property
    def changed(self) -> List[int]:
        return sorted({t for t, _ in self.assigned} | {t for t, _, _ in self.reassigned} | set(self.returned))


class Assigner:
    """One pass of the assignment rule over the ticket and assignment stores (the sync loop runs it)."""

    def __init__(self, tickets: TicketStore, store: AssignmentStore, agents: Any,
                 rules: Mapping[str, ResponseRule], shop: Optional[str] = None) -> None:
        self.tickets, self.store, self.agents, self.rules, self.shop = tickets, store, agents, rules, shop

    def _enabled(self) -> List[str]:
        return [a.name for a in self.agents.agents() if not a.disabled]

    def loads(self) -> Dict[str, int]:
        loads: Dict[str, int] = {}
        for ticket in self.tickets.queue():
            if ticket.status == "claimed" and ticket.agent:
                loads[ticket.agent] = loads.get(ticket.agent, 0) + 1
        return loads

    def overview(self) -> List[Dict[str, Any]]:
        """Every enabled agent's status, limit, groups and current load (the supervisor's view)."""
        loads = self.loads()
        out = []
        for name, state in self.store.states(self._enabled()).items():
            state.load = loads.get(name, 0)
            out.append(state.as_dict())
        return out

    def _eligible(self, ticket: Ticket, states: Mapping[str, AgentState], groups: Mapping[str, SkillGroup],
                  exclude: Sequence[str] = ()) -> List[AgentState]:
        free = [s for s in states.values() if s.status == "online" and s.load < s.max_chats and s.agent not in exclude]
        skilled = [s for s in free if not s.groups or any(groups[g].covers(ticket, self.shop)
                                                          for g in s.groups if g in groups)]
        return skilled or [s for s in free if not s.groups] or free

    def step(self, now: Optional[float] = None) -> AssignResult:
        now = time.time() if now is None else now
        result = AssignResult()
        states = self.store.states(self._enabled())
        loads = self.loads()
        for state in states.values():
            state.load = loads.get(state.agent, 0)
        groups = {g.name: g for g in self.store.groups()}
        self._return_from_absent(states, result, now)
        self._reassign_late(states, groups, result, now)
        for ticket in self.tickets.queue(include_claimed=False):
            self._give(ticket, states, groups, result, now)
        return result

    def _return_from_absent(self, states: Dict[str, AgentState], result: AssignResult, now: float) -> None:
        """Chats an agent held when choosing 离开 go back to the pool (and on to colleagues).

        Only what they held at that moment: a chat claimed by hand or assigned by a supervisor
        afterwards stays, and an agent who never chose a status (working by hand) keeps theirs."""
        for ticket in self.tickets.queue():
            if ticket.status != "claimed" or not ticket.agent:
                continue
            state = states.get(ticket.agent)
            if state is None or state.status != "away" or state.changed_at <= 0:
                continue
            given = self.store.assignment(ticket.id)
            since = given["assigned_at"] if given and given["agent"] == ticket.agent else (ticket.claimed_at or 0)
            if since > state.changed_at:
                continue
            self.tickets.release(ticket.id, ticket.agent)
            self._mark(ticket.id, f"{ticket.agent} 离开，会话回到待接入队列", now)
            self.tickets.audit("assignment_returned", agent=ticket.agent, ticket_id=ticket.id, detail="away")
            state.load -= 1
            result.returned.append(ticket.id)

    def _reassign_late(self, states: Dict[str, AgentState], groups: Mapping[str, SkillGroup],
                       result: AssignResult, now: float) -> None:
        """An automatically given chat the agent has not answered within the platform's rule moves on."""
        for ticket in self.tickets.queue():
            if ticket.status != "claimed":
                continue
            given = self.store.assignment(ticket.id)
            if given is None or given["how"] == "supervisor_assign" or given["agent"] != ticket.agent:
                continue
            rule = self.rules.get(ticket.platform, DEFAULTS["pinduoduo"])
            if now - given["assigned_at"] < rule.warn_seconds:
                continue
            lines = self.tickets.transcript(ticket.id)
            if any(line.sender == "agent" and line.ts >= given["assigned_at"] for line in lines):
                continue  # answered: the chat is theirs
            passed = list(given["passed"]) + [ticket.agent]
            target = self._pick(ticket, states, groups, exclude=passed)
            if target is None:
                continue  # nobody else has room: it stays, and its countdown shows red
            self.tickets.transfer(ticket.id, SYSTEM, target.agent, f"{ticket.agent} {rule.warn_seconds} 秒内未回复，自动改派",
                                  supervisor=True, now=now)
            self.store.record(ticket.id, target.agent, "reassign", now, passed)
            self.tickets.audit("reassign", agent=None, ticket_id=ticket.id, detail=f"{ticket.agent} -> {target.agent}")
            if ticket.agent in states:
                states[ticket.agent].load -= 1
            target.load += 1
            target.last_given = now
            result.reassigned.append((ticket.id, ticket.agent, target.agent))

    def _pick(self, ticket: Ticket, states: Mapping[str, AgentState], groups: Mapping[str, SkillGroup],
              exclude: Sequence[str] = ()) -> Optional[AgentState]:
        eligible = self._eligible(ticket, states, groups, exclude)
        return min(eligible, key=lambda s: (s.load, s.last_given, s.agent)) if eligible else None

    def _give(self, ticket: Ticket, states: Mapping[str, AgentState], groups: Mapping[str, SkillGroup],
              result: AssignResult, now: float) -> None:
        previous = self.store.assignment(ticket.id)
        passed = previous["passed"] if previous else []
        target = self._pick(ticket, states, groups, exclude=passed) or self._pick(ticket, states, groups)
        if target is None:
            return
        self.tickets.claim(ticket.id, target.agent, now=now)
        self.store.record(ticket.id, target.agent, "auto_assign", now, passed)
        self._mark(ticket.id, f"自动分配给 {target.agent}", now)
        self.tickets.audit("auto_assign", agent=None, ticket_id=ticket.id, detail=target.agent)
        target.load += 1
        target.last_given = now
        result.assigned.append((ticket.id, target.agent))

    def _mark(self, ticket_id: int, text: str, now: float) -> None:
        self.tickets.append(ticket_id, [TranscriptLine("system", text, now, f"assign:{ticket_id}:{now:.6f}:{text}")])

    def supervisor_assign(self, ticket_id: int, supervisor: str, to: str, now: Optional[float] = None) -> Ticket:
        """Override: give the chat to ``to`` whatever the limit and status (open or held by anyone)."""
        now = time.time() if now is None else now
        ticket = self.tickets.get(ticket_id)
        if ticket.status == "closed":
            raise TicketError(f"工单 {ticket_id} 已结束")
        if ticket.status == "open":
            self.tickets.claim(ticket_id, to, now=now)
            self._mark(ticket_id, f"{supervisor} 指派给 {to}", now)
        else:
            self.tickets.transfer(ticket_id, supervisor, to, "主管指派", supervisor=True, now=now)
        self.store.record(ticket_id, to, "supervisor_assign", now)
        self.tickets.audit("supervisor_assign", agent=supervisor, ticket_id=ticket_id, detail=f"to {to}")
        return self.tickets.get(ticket_id)
