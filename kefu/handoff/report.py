"""质检 and analytics: every session scored, and the shop's service figures over a period.

Sources (read only): the event feed Rasa's event broker publishes (kefu.feed: every bot
and buyer turn, on SQLite and PostgreSQL alike),
the handoff tickets and their transcripts, the guard's audit table (every
rewritten/blocked message, bot's or agent's). ``kefu report`` prints the text
form or writes HTML; the console's 报表 page shows the same :class:`Report`.

Definitions (also in docs/workbench.md):
- resolution rate (AliMe's): 1 − (disliked + unanswered + asked for a person) / conversations;
  *disliked*: chats the buyer rated 1 or 2 (满意度, kefu.handoff.satisfaction);
- 满意度: ratings / invitations (参评率), mean score, 满意率 = ratings of 4–5 / ratings;
- 平响 (average response time): mean, over every agent reply, of the time since the oldest
  buyer message it answered (the figure 千牛 and 飞鸽 call 平均响应时长);
- 询单转化: conversations with a pre-sale question (stock, size, dispatch, price: PRESALE_INTENTS)
  in which an order created after that question later appears (the order link in the channel's
  metadata, or the order the dialogue is talking about) / such conversations;
- hourly load: buyer messages and tickets opened per hour of the day (shop time);
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

import datetime as dt
import json
import sqlite3
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from zoneinfo import ZoneInfo

from kefu.feed import EventFeed
from kefu.handoff.assist import is_shadow
from kefu.tickets.response_rules import DEFAULTS, ResponseRule
from kefu.handoff.satisfaction import DISLIKED, SATISFIED, SatisfactionStore
from kefu.tickets.store import TicketStore
from kefu.tickets.triggers import REASON_LABELS
from kefu.handoff.workbench import CATEGORY_LABELS, OUTCOME_LABELS, PLATFORM_LABELS

FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
PRESALE_INTENTS = ("ask_stock", "ask_size", "ask_shipping_time", "bargain")
SHOP_TIMEZONE = ZoneInfo("Asia/Shanghai")
INTENT_LABELS = {"greet": "问候", "goodbye": "告别", "thank": "致谢", "affirm": "肯定", "deny": "否定",
                 "ask_stock": "问库存", "ask_size": "问尺码", "ask_shipping_time": "问发货", "ask_logistics": "查物流",
                 "ask_invoice": "开发票", "ask_return_policy": "退换货", "bargain": "议价", "change_address": "改地址",
                 "complain": "投诉", "request_human": "转人工", "inform": "补充信息", "out_of_scope": "无关问题",
                 "nlu_fallback": "未识别", "?": "未识别"}
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
    average_response_seconds: Optional[float] = None
    ratings_invited: int = 0
    ratings: int = 0
    rating_average: Optional[float] = None
    satisfied: int = 0
    presale_chats: int = 0
    presale_converted: int = 0
    hourly: List[Dict[str, int]] = field(default_factory=list)

    @property
    def satisfied_rate(self) -> Optional[float]:
        return self.satisfied / self.ratings if self.ratings else None

    @property
    def rating_rate(self) -> Optional[float]:
        return self.ratings / self.ratings_invited if self.ratings_invited else None

    def hourly_pairs(self, key: str) -> List[Tuple[str, int]]:
        """(「09时」, count) for the hours with any load, for the bar chart."""
        return [(f"{row['hour']:02d}时", row[key]) for row in self.hourly if row[key]]

    @property
    def conversion_rate(self) -> Optional[float]:
        return self.presale_converted / self.presale_chats if self.presale_chats else None

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
                    within_rule_rate=self.within_rule_rate, satisfied_rate=self.satisfied_rate,
                    rating_rate=self.rating_rate, conversion_rate=self.conversion_rate)
        return data


def _rows(conn: Any, sql: str, params: tuple) -> List[Any]:
    if conn is None:
        return []
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.Error:  # table missing: nothing of that kind happened yet
        return []


def _json(raw: Any) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return None


def _metadata(raw: Any) -> Dict[str, Any]:
    data = _json(raw)
    meta = data.get("metadata") if isinstance(data, dict) else None
    return meta if isinstance(meta, dict) else {}


def _hour(ts: float) -> int:
    return dt.datetime.fromtimestamp(ts, SHOP_TIMEZONE).hour


def _ordered_after(conn: Any, order_id: str, since: float) -> bool:
    """Whether the shop has ``order_id`` and it was placed after ``since`` (the pre-sale question)."""
    rows = _rows(conn, "SELECT created_at FROM shop_orders WHERE order_id = ?", (order_id,))
    for row in rows:
        try:
            placed = dt.datetime.fromisoformat(str(row["created_at"]))
        except ValueError:
            continue
        placed = placed if placed.tzinfo else placed.replace(tzinfo=SHOP_TIMEZONE)
        if placed.timestamp() >= since:
            return True
    return False


def build_report(db_path: Path, since: float, until: float, platform: Optional[str] = None,
                 rules: Optional[Dict[str, ResponseRule]] = None) -> Report:
    rules = rules or dict(DEFAULTS)
    report = Report(since, until, platform)
    tickets = TicketStore(db_path)
    period_tickets = [t for t in tickets.search(since=since, until=until, limit=200_000)
                      if not is_shadow(t.conversation_id) and (platform is None or t.platform == platform)]
    ticket_convs = {t.conversation_id for t in period_tickets}

    # --- bot sessions, from the event feed ----------------------------------------------------------
    feed = EventFeed(db_path)
    conv_platform: Dict[str, str] = {}
    last_kind: Dict[str, str] = {}
    intents: Counter = Counter()
    fallbacks: Counter = Counter()
    turns: Counter = Counter()
    bot_messages = 0
    hourly_messages: Counter = Counter()
    presale_since: Dict[str, float] = {}
    orders_seen: Dict[str, set] = defaultdict(set)
    for row in feed.between(since, until, ("user", "bot", "slot")):
        sender = row["sender_id"]
        if row["type_name"] == "slot":
            if row["action_name"] == "dialogue_state":
                value = (_json(row["data"]) or {}).get("value")
                if isinstance(value, dict) and isinstance(value.get("order_id"), str) and value["order_id"]:
                    orders_seen[sender].add(value["order_id"])
            continue
        if is_shadow(sender):
            continue
        if row["type_name"] == "user":
            meta = _metadata(row["data"])
            if sender not in conv_platform:
                conv_platform[sender] = meta.get("platform")
            if platform and conv_platform.get(sender) not in (platform, None):
                continue
            report.buyer_messages += 1
            hourly_messages[_hour(row["timestamp"])] += 1
            if row["intent_name"] in PRESALE_INTENTS:
                presale_since.setdefault(sender, row["timestamp"])
            order_link = meta.get("order_id")
            if isinstance(order_link, str) and order_link:
                orders_seen[sender].add(order_link)
            intents[INTENT_LABELS.get(row["intent_name"] or "?", row["intent_name"])] += 1
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
    feed.close_connection()
    report.presale_chats = len(presale_since)
    report.presale_converted = sum(1 for conv, first in presale_since.items()
                                   if any(_ordered_after(tickets.conn, order_id, first) for order_id in orders_seen[conv]))
    hourly_tickets = Counter(_hour(t.created_at) for t in period_tickets)
    report.hourly = [{"hour": h, "buyer_messages": hourly_messages[h], "tickets": hourly_tickets[h]} for h in range(24)]
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
                                                                "first": [], "ok": 0, "judged": 0, "violations": 0,
                                                                "delays": [], "scores": []})
    delays: List[float] = []
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
                    delays.append(line.ts - waiting_since)
                    per_agent[name]["delays"].append(line.ts - waiting_since)
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
    report.average_response_seconds = statistics.fmean(delays) if delays else None
    in_period = {t.id for t in period_tickets}
    rated = [r for r in SatisfactionStore(db_path).between(since, until) if r["ticket_id"] in in_period]
    scores = [r["score"] for r in rated if r["score"] is not None]
    report.ratings_invited, report.ratings = len(rated), len(scores)
    report.rating_average = statistics.fmean(scores) if scores else None
    report.satisfied = sum(1 for score in scores if score >= SATISFIED)
    report.disliked = sum(1 for score in scores if score <= DISLIKED)
    for row in rated:
        if row["score"] is not None and row["agent"]:
            per_agent[row["agent"]]["scores"].append(row["score"])
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
            "average_response_seconds": round(statistics.fmean(figures["delays"])) if figures["delays"] else None,
            "ratings": len(figures["scores"]),
            "rating_average": round(statistics.fmean(figures["scores"]), 2) if figures["scores"] else None,
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
           f" 差评 {report.disliked})",
           f"满意度 参评 {report.ratings}/{report.ratings_invited}  平均 "
           f"{'—' if report.rating_average is None else f'{report.rating_average:.2f}'} 分  满意率 {pct(report.satisfied_rate)}",
           f"平响 {secs(report.average_response_seconds)}  询单转化 {pct(report.conversion_rate)}"
           f" ({report.presale_converted}/{report.presale_chats})",
           f"兜底率 {pct(report.fallback_rate)}  ({report.fallback_messages} 条未识别/无关问题)",
           f"人工首次响应（中位数） {secs(report.first_response_seconds)}",
           f"平台时限内回复率 {pct(report.within_rule_rate)}  ({report.within_rule[0]}/{report.within_rule[1]})",
           "合规检查: " + "  ".join(f"{VERDICT_LABELS[k]} {v}" for k, v in report.verdicts.items())]
    for title, pairs in (("转人工原因", report.handoff_reasons), ("热门意图", report.intents),
                         ("违规类别", report.violations_by_category), ("违规平台", report.violations_by_platform)):
        out.append(f"{title}: " + ("，".join(f"{k} {v}" for k, v in pairs) if pairs else "—"))
    out.append("客服: " + ("；".join(
        f"{a['agent']} 工单 {a['tickets']} 回复 {a['replies']} 首响 {secs(a['first_response_seconds'])}"
        f" 平响 {secs(a['average_response_seconds'])} 满意度 {a['rating_average'] or '—'}"
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


CSV_KINDS = {"summary": "概览", "agents": "客服", "sessions": "质检", "hourly": "分时段"}


def for_agent(report: Report, agent: str) -> Report:
    """The per-agent view: the same period, only this agent's row and sessions."""
    report.agents = [a for a in report.agents if a["agent"] == agent]
    report.sessions = [s for s in report.sessions if s["agent"] == agent]
    return report


def csv_rows(report: Report, kind: str) -> List[List[Any]]:
    """One table of the report with Chinese headers (first row), as the CSV export writes it."""
    num = lambda v, n=1: "" if v is None else round(v, n)  # noqa: E731
    if kind == "summary":
        return [["指标", "数值"], ["会话", report.conversations], ["买家消息", report.buyer_messages],
                ["解决率", num(report.resolution_rate, 4)], ["兜底率", num(report.fallback_rate, 4)],
                ["转人工", report.handed_off], ["人工首次响应中位数（秒）", num(report.first_response_seconds)],
                ["平响（秒）", num(report.average_response_seconds)], ["平台时限内回复率", num(report.within_rule_rate, 4)],
                ["满意度邀请", report.ratings_invited], ["满意度参评", report.ratings],
                ["满意度平均分", num(report.rating_average, 2)], ["满意率", num(report.satisfied_rate, 4)],
                ["差评", report.disliked], ["询单会话", report.presale_chats], ["询单转化", report.presale_converted],
                ["询单转化率", num(report.conversion_rate, 4)]]
    if kind == "agents":
        return [["客服", "会话", "已结束", "回复", "首次响应（秒）", "平响（秒）", "时限内回复率", "满意度参评", "满意度平均分", "违规"]] + [
            [a["agent"], a["tickets"], a["closed"], a["replies"], num(a["first_response_seconds"]),
             num(a["average_response_seconds"]), num(a["within_rule_rate"], 4), a["ratings"], num(a["rating_average"], 2),
             a["violations"]] for a in report.agents]
    if kind == "sessions":
        return [["工单", "平台", "客服", "原因", "结果", "违规", "超时回复", "首次响应（秒）", "得分"]] + [
            [s["ticket_id"], s["platform"], s["agent"] or "", s["reason"], s["outcome"] or "", s["violations"],
             s["late_replies"], num(s["first_response_seconds"]), s["score"]] for s in report.sessions]
    if kind == "hourly":
        return [["时段", "买家消息", "转人工"]] + [[f"{h['hour']:02d}:00", h["buyer_messages"], h["tickets"]]
                                               for h in report.hourly]
    raise KeyError(kind)
