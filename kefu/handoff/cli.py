"""``kefu agent add NAME [--password-stdin] [--supervisor]``, ``kefu agent list``, ``kefu tickets``, ``kefu report``."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

from kefu.settings import Settings
from kefu.cli import CommandError
from kefu.handoff.auth import AgentStore, AuthError
from kefu.handoff.auth import AgentStore
from kefu.tickets.store import TicketStore
from kefu.handoff.report import build_report, render_html, render_text
from kefu.tickets.response_rules import ResponseRuleError, load_response_rules
from kefu.platforms import canonical_platform


def cmd_agent_add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Repeat it: "):
            raise CommandError("the passwords differ")
    try:
        AgentStore(Settings.from_env().db_path).add(args.name, password, replace=args.replace,
                                                    role="supervisor" if args.supervisor else None)
    except AuthError as exc:
        raise CommandError(str(exc)) from None
    print(f"agent {args.name} {'updated' if args.replace else 'added'}")
    return 0


def cmd_agent_list(args: argparse.Namespace) -> int:
    agents = AgentStore(Settings.from_env().db_path).agents()
    if not agents:
        print("no agents yet: `kefu agent add NAME` (kefu up creates 'admin' on first run)")
    for agent in agents:
        last = time.strftime("%Y-%m-%d %H:%M", time.localtime(agent.last_login)) if agent.last_login else "never"
        state = "disabled" if agent.disabled else "active"
        print(f"{agent.name:20} {agent.role:10} {state:8} created"
              f" {time.strftime('%Y-%m-%d', time.localtime(agent.created_at))}  last login {last}")
    return 0


def cmd_tickets(args: argparse.Namespace) -> int:
    tickets = TicketStore(Settings.from_env().db_path).queue()
    if not tickets:
        print("no open tickets")
    now = time.time()
    for t in tickets:
        print(f"#{t.id:<5} p{t.priority} {t.reason:14} {t.platform:10} {t.status:8} {t.agent or '-':10} "
              f"waiting {int(t.waiting_seconds(now) // 60)} min  {t.conversation_id}")
    return 0


def _day(text: str) -> float:
    import datetime as dt


    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").timestamp()
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_report(args: argparse.Namespace) -> int:
    """Service figures and 质检 scores over a period, as text or as an HTML page with charts."""
    settings = Settings.from_env()
    until = _day(args.until) + 86400 if args.until else time.time()
    since = _day(args.since) if args.since else until - args.days * 86400
    if since >= until:
        raise CommandError("--since must be before --until")
    platform = canonical_platform(args.platform) if args.platform else None
    if args.platform and not platform:
        raise CommandError(f"unknown platform {args.platform!r}")
    try:
        rules = load_response_rules(settings.shop_config_path)
    except ResponseRuleError as exc:
        raise CommandError(str(exc)) from None
    report = build_report(settings.db_path, since, until, platform, rules)
    if args.html:
        Path(args.html).write_text(render_html(report), encoding="utf-8")
        print(f"wrote {args.html}")
    else:
        sys.stdout.write(render_text(report))
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    agent = subparsers.add_parser("agent", help="console agents: add, list")
    agent_sub = agent.add_subparsers(dest="agent_command", metavar="SUBCOMMAND")
    add = agent_sub.add_parser("add", help="add a console agent (asks for the password)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    add.add_argument("--replace", action="store_true", help="set a new password for an existing agent")
    add.add_argument("--supervisor", action="store_true", help="give the agent the supervisor role (all chats, reports)")
    add.set_defaults(func=cmd_agent_add)
    listing = agent_sub.add_parser("list", help="list console agents")
    listing.set_defaults(func=cmd_agent_list)
    agent.set_defaults(func=lambda args: agent.print_help() or 2)

    tickets = subparsers.add_parser("tickets", help="list open handoff tickets")
    tickets.set_defaults(func=cmd_tickets)

    report = subparsers.add_parser("report", help="service figures and 质检 scores over a period (text or --html)")
    report.add_argument("--since", help="first day, YYYY-MM-DD (default: --days before --until)")
    report.add_argument("--until", help="last day, YYYY-MM-DD (default: now)")
    report.add_argument("--days", type=int, default=7, help="period length when --since is not given (default 7)")
    report.add_argument("--platform", help="one platform only (pinduoduo, taobao, jd, douyin)")
    report.add_argument("--html", metavar="FILE", help="write an HTML page with charts instead of text")
    report.set_defaults(func=cmd_report)
