"""质检 and analytics: every session scored, and the shop's service figures over a period.

Sources (read only): Rasa's tracker store events (every bot and buyer turn),
the handoff tickets and their transcripts, the guard's audit table (every
rewritten/blocked message, bot's or agent's). ``kefu report`` prints the text
form or writes HTML; the console's 报表 page shows the same :class:`Report`.

Definitions (also in docs/workbench.md):
- resolution rate (AliMe's): 1 − (disliked + unanswered + asked for a person) / conversations;
  kefu has no like/dislike button yet, so *disliked* is 0 and says so;
  *unanswered*: the buyer's last message got no bot reply and no ticket;
  *asked for a person*: conversations with a handoff ticket.
- fallback rate: buyer messages classified nlu_fallback or out_of_scope / buyer messages.
- first response: ticket opened → first agent reply. Within-rule rate: buyer
  messages waiting for a person answered within the platform's limit
  (response_rules) / such messages that were answered or are overdue.
- guard verdicts: passed = messages sent (bot turns + agent replies) − rewritten − blocked.
- session score (质检, per closed ticket): 100 − 20 per guard violation in the
  agent's replies − 10 per reply later than the platform's limit, floor 0;
  bot session score (every conversation): 100 − 10 per fallback − 10 per
  rewritten and 20 per blocked bot message − 30 if the buyer was left unanswered.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from kefu.handoff.assist import is_shadow
from kefu.handoff.response_rules import DEFAULTS, ResponseRule
from kefu.handoff.tickets import TicketStore
from kefu.handoff.triggers import REASON_LABELS
from kefu.handoff.workbench import CATEGORY_LABELS, OUTCOME_LABELS, PLATFORM_LABELS

FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
VERDICT_LABELS = {"pass": "通过", "rewritten": "改写", "blocked": "拦截"}


@dataclass
class Report:
    since: float
    until: float
    platform: Optional[str]
    conversations: int = 0
    buyer_messages: int = 0
    unanswered: int = 0
    handed_off: int = 0
    disliked: int = 0
    fallback_messages: int = 0
    intents: List[Tuple[str, int]] = field(default_factory=list)
    handoff_reasons: List[Tuple[str, int]] = field(default_factory=list)
    first_response_seconds: Optional[float] = None
    within_rule: Tuple[int, int] = (0, 0)
    verdicts: Dict[str, int] = field(default_factory=dict)
    violations_by_category: List[Tuple[str, int]] = field(default_factory=list)
    violations_by_platform: List[Tuple[str, int]] = field(default_factory=list)
    agents: List[Dict[str, Any]] = field(default_factory=list)
    sessions: List[Dict[str, Any]] = field(default_factory=list)
    bot_sessions: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def resolution_rate(self) -> Optional[float]:
        if not self.conversations:
            return None
        return 1 - (self.disliked + self.unanswered + self.handed_off) / self.conversations

    @property
    def fallback_rate(self) -> Optional[float]:
        return self.fallback_messages / self.buyer_messages if self.buyer_messages else None

    @property
    def within_rule_rate(self) -> Optional[float]:
        ok, total = self.within_rule
        return ok / total if total else None

    def as_dict(self) -> Dict[str, Any]:
        data = dict(self.__dict__)
        data.update(resolution_rate=self.resolution_rate, fallback_rate=self.fallback_rate,
                    within_rule_rate=self.within_rule_rate)
        return data


def _rows(conn: Optional[sqlite3.Connection], sql: str, params: tuple) -> List[sqlite3.Row]:
    if conn is None:
        return []
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.Error:  # table missing: nothing of that kind happened yet
        return []


def _open_ro(path: Path) -> Optional[sqlite3.Connection]:
    if not Path(path).exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    return conn


def build_report(db_path: Path, tracker_db: Path, since: float, until: float, platform: Optional[str] = None,
                 rules: Optional[Dict[str, ResponseRule]] = None) -> Report:
    rules = rules or dict(DEFAULTS)
    report = Report(since, until, platform)
    tickets = TicketStore(db_path)
    period_tickets = [t for t in tickets.search(since=since, until=until, limit=200_000)
                      if not is_shadow(t.conversation_id) and (platform is None or t.platform == platform)]
    ticket_convs = {t.conversation_id for t in period_tickets}

    # --- bot sessions, from the tracker store ------------------------------------------------------
    tracker = _open_ro(tracker_db)
    conv_platform: Dict[str, str] = {}
    last_kind: Dict[str, str] = {}
    intents: Counter = Counter()
    fallbacks: Counter = Counter()
    turns: Counter = Counter()
    bot_messages = 0
    for row in _rows(tracker, "SELECT sender_id, type_name, intent_name, data FROM events"
                              " WHERE timestamp >= ? AND timestamp < ? AND type_name IN ('user', 'bot') ORDER BY id",
                     (since, until)):
        sender = row["sender_id"]
        if is_shadow(sender):
            continue
        if row["type_name"] == "user":
            if sender not in conv_platform:
                try:
                    meta = (json.loads(row["data"]) or {}).get("metadata") or {}
                except (ValueError, TypeError, AttributeError):
                    meta = {}
                conv_platform[sender] = meta.get("platform") if isinstance(meta, dict) else None
            if platform and conv_platform.get(sender) not in (platform, None):
                continue
            report.buyer_messages += 1
            intents[row["intent_name"] or "?"] += 1
            turns[sender] += 1
            if row["intent_name"] in FALLBACK_INTENTS:
                report.fallback_messages += 1
                fallbacks[sender] += 1
            last_kind[sender] = "user"
        else:
            if platform and conv_platform.get(sender) not in (platform, None):
                continue
            bot_messages += 1
            if sender in last_kind:
                last_kind[sender] = "bot"
    if tracker is not None:
        tracker.close()
    report.conversations = len(last_kind | {c: "t" for c in ticket_convs})
    report.handed_off = len(ticket_convs)
    report.unanswered = sum(1 for conv, kind in last_kind.items() if kind == "user" and conv not in ticket_convs)
    report.intents = intents.most_common(10)
    report.handoff_reasons = Counter(REASON_LABELS.get(t.reason, t.reason) for t in period_tickets).most_common()

    # --- human sessions: response times and 质检 ---------------------------------------------------
    conn = tickets.conn
    audit = [dict(r) for r in _rows(conn, "SELECT * FROM guard_audit WHERE created_at >= ? AND created_at < ?",
                                    (since, until)) if platform is None or r["platform"] == platform]
    violations_by_source: Counter = Counter()
    by_category: Counter = Counter()
    by_platform: Counter = Counter()
    verdicts: Counter = Counter()
    for row in audit:
        if is_shadow(row["conversation_id"]):
            continue
        verdicts[row["verdict"]] += 1
        by_platform[PLATFORM_LABELS.get(row["platform"], row["platform"])] += 1
        try:
            found = json.loads(row["violations"])
        except ValueError:
            found = []
        for v in found:
            if isinstance(v, dict) and v.get("category"):
                by_category[CATEGORY_LABELS.get(v["category"], v["category"])] += 1
                violations_by_source[(row["source"], row["conversation_id"])] += 1

    lines = tickets.lines_of([t.id for t in period_tickets])
    first_responses: List[float] = []
    ok_total = [0, 0]
    per_agent: Dict[str, Dict[str, Any]] = defaultdict(lambda: {"tickets": 0, "closed": 0, "replies": 0,
                                                                "first": [], "ok": 0, "judged": 0, "violations": 0})
    agent_messages = 0
    for ticket in period_tickets:
        rule = rules.get(ticket.platform, DEFAULTS["pinduoduo"])
        waiting_since: Optional[float] = None
        late = 0
        first: Optional[float] = None
        names = set()
        for line in lines[ticket.id]:
            if line.sender == "buyer" and waiting_since is None:
                waiting_since = max(line.ts, ticket.created_at)
            elif line.sender == "agent":
                agent_messages += 1
                name = line.agent or "?"
                names.add(name)
                per_agent[name]["replies"] += 1
                if first is None:
                    first = line.ts - ticket.created_at
                    per_agent[name]["first"].append(first)
                if waiting_since is not None:
                    within = line.ts - waiting_since <= rule.limit_seconds
                    ok_total[0] += within
                    ok_total[1] += 1
                    per_agent[name]["ok"] += within
                    per_agent[name]["judged"] += 1
                    late += not within
                    waiting_since = None
        if waiting_since is not None and (ticket.closed_at or until) - waiting_since > rule.limit_seconds:
            ok_total[1] += 1  # never answered within the limit
            late += 1
        if first is not None:
            first_responses.append(first)
        for name in names | ({ticket.agent} if ticket.agent else set()):
            per_agent[name]["tickets"] += 1
            per_agent[name]["closed"] += ticket.status == "closed"
        agent_violations = sum(n for (source, conv), n in violations_by_source.items()
                               if conv == ticket.conversation_id and source.startswith("agent:"))
        for (source, conv), n in violations_by_source.items():
            if conv == ticket.conversation_id and source.startswith("agent:"):
                per_agent[source.split(":", 1)[1]]["violations"] += n
        if ticket.status == "closed":
            report.sessions.append({
                "ticket_id": ticket.id, "platform": PLATFORM_LABELS.get(ticket.platform, ticket.platform),
                "agent": ticket.agent, "reason": REASON_LABELS.get(ticket.reason, ticket.reason),
                "outcome": OUTCOME_LABELS.get(ticket.outcome or "", ticket.outcome),
                "violations": agent_violations, "late_replies": late,
                "first_response_seconds": None if first is None else round(first),
                "score": max(0, 100 - 20 * agent_violations - 10 * late),
            })
    report.sessions.sort(key=lambda s: (s["score"], -s["ticket_id"]))
    bot_interventions: Counter = Counter()
    for row in audit:
        if not row["source"].startswith("agent:"):
            bot_interventions[(row["conversation_id"], row["verdict"])] += 1
    for conv, kind in last_kind.items():
        unanswered = kind == "user" and conv not in ticket_convs
        rewritten, blocked = bot_interventions[(conv, "rewritten")], bot_interventions[(conv, "blocked")]
        report.bot_sessions.append({
            "conversation_id": conv, "buyer_messages": turns[conv], "fallbacks": fallbacks[conv],
            "rewritten": rewritten, "blocked": blocked, "handed_off": conv in ticket_convs, "unanswered": unanswered,
            "score": max(0, 100 - 10 * fallbacks[conv] - 10 * rewritten - 20 * blocked - 30 * unanswered),
        })
    report.bot_sessions.sort(key=lambda s: (s["score"], s["conversation_id"]))
    report.first_response_seconds = statistics.median(first_responses) if first_responses else None
    report.within_rule = (ok_total[0], ok_total[1])
    sent = bot_messages + agent_messages
    report.verdicts = {"pass": max(0, sent - verdicts["rewritten"] - verdicts["blocked"]),
                       "rewritten": verdicts["rewritten"], "blocked": verdicts["blocked"]}
    report.violations_by_category = by_category.most_common()
    report.violations_by_platform = by_platform.most_common()
    for name, figures in sorted(per_agent.items()):
        report.agents.append({
            "agent": name, "tickets": figures["tickets"], "closed": figures["closed"], "replies": figures["replies"],
            "first_response_seconds": round(statistics.median(figures["first"])) if figures["first"] else None,
            "within_rule_rate": figures["ok"] / figures["judged"] if figures["judged"] else None,
            "violations": figures["violations"],
        })
    return report


def pct(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def secs(value: Optional[float]) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 秒" if value < 120 else f"{value / 60:.1f} 分钟"


def render_text(report: Report) -> str:
    import datetime as dt

    day = lambda ts: dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    out = [f"kefu 服务报表 {day(report.since)} — {day(report.until)}"
           + (f"（{PLATFORM_LABELS.get(report.platform, report.platform)}）" if report.platform else "（全部平台）"),
           f"会话 {report.conversations}  买家消息 {report.buyer_messages}",
           f"解决率 {pct(report.resolution_rate)}  (未回复 {report.unanswered}, 转人工 {report.handed_off},"
           f" 差评 {report.disliked}: 尚无评价按钮)",
           f"兜底率 {pct(report.fallback_rate)}  ({report.fallback_messages} 条 nlu_fallback/out_of_scope)",
           f"人工首次响应（中位数） {secs(report.first_response_seconds)}",
           f"平台时限内回复率 {pct(report.within_rule_rate)}  ({report.within_rule[0]}/{report.within_rule[1]})",
           "合规检查: " + "  ".join(f"{VERDICT_LABELS[k]} {v}" for k, v in report.verdicts.items())]
    for title, pairs in (("转人工原因", report.handoff_reasons), ("热门意图", report.intents),
                         ("违规类别", report.violations_by_category), ("违规平台", report.violations_by_platform)):
        out.append(f"{title}: " + ("，".join(f"{k} {v}" for k, v in pairs) if pairs else "—"))
    out.append("客服: " + ("；".join(
        f"{a['agent']} 工单 {a['tickets']} 回复 {a['replies']} 首响 {secs(a['first_response_seconds'])}"
        f" 时限内 {pct(a['within_rule_rate'])} 违规 {a['violations']}" for a in report.agents) or "—"))
    low = [s for s in report.sessions if s["score"] < 100]
    out.append(f"质检: {len(report.sessions)} 个人工会话已评分，{len(low)} 个扣分"
               + ("：" + "，".join(f"#{s['ticket_id']} {s['score']}分" for s in low[:10]) if low else ""))
    weak = [s for s in report.bot_sessions if s["score"] < 100]
    out.append(f"机器人会话: {len(report.bot_sessions)} 个已评分，{len(weak)} 个扣分"
               + ("：" + "，".join(f"{s['conversation_id']} {s['score']}分" for s in weak[:10]) if weak else ""))
    return "\n".join(out) + "\n"


def render_html(report: Report) -> str:
    """A standalone HTML page (inline CSS, inline SVG charts: opens anywhere, no network)."""
    import datetime as dt

    from jinja2 import Environment, FileSystemLoader, select_autoescape

    here = Path(__file__).resolve().parent
    env = Environment(loader=FileSystemLoader(str(here / "templates")), autoescape=select_autoescape(default=True))
    day = lambda ts: dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d")  # noqa: E731
    period = f"{day(report.since)} — {day(report.until)}" + (
        f"（{PLATFORM_LABELS.get(report.platform, report.platform)}）" if report.platform else "")
    css = (here / "static" / "style.css").read_text(encoding="utf-8")
    return env.get_template("report_standalone.html").render(report=report, period=period, css=css)
