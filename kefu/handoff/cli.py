"""``kefu agent add NAME [--password-stdin]``, ``kefu agent list``, ``kefu tickets``."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from kefu.settings import Settings


def cmd_agent_add(args: argparse.Namespace) -> int:
    from kefu.cli import CommandError
    from kefu.handoff.auth import AgentStore, AuthError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Repeat it: "):
            raise CommandError("the passwords differ")
    try:
        AgentStore(Settings.from_env().db_path).add(args.name, password, replace=args.replace)
    except AuthError as exc:
        raise CommandError(str(exc)) from None
    print(f"agent {args.name} {'updated' if args.replace else 'added'}")
    return 0


def cmd_agent_list(args: argparse.Namespace) -> int:
    from kefu.handoff.auth import AgentStore

    agents = AgentStore(Settings.from_env().db_path).names()
    if not agents:
        print("no agents yet: `kefu agent add NAME` (kefu up creates 'admin' on first run)")
    for name, created, last_login in agents:
        last = time.strftime("%Y-%m-%d %H:%M", time.localtime(last_login)) if last_login else "never"
        print(f"{name:20} created {time.strftime('%Y-%m-%d', time.localtime(created))}  last login {last}")
    return 0


def cmd_tickets(args: argparse.Namespace) -> int:
    from kefu.handoff.tickets import TicketStore

    tickets = TicketStore(Settings.from_env().db_path).queue()
    if not tickets:
        print("no open tickets")
    now = time.time()
    for t in tickets:
        print(f"#{t.id:<5} p{t.priority} {t.reason:14} {t.platform:10} {t.status:8} {t.agent or '-':10} "
              f"waiting {int(t.waiting_seconds(now) // 60)} min  {t.conversation_id}")
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    agent = subparsers.add_parser("agent", help="console agents: add, list")
    agent_sub = agent.add_subparsers(dest="agent_command", metavar="SUBCOMMAND")
    add = agent_sub.add_parser("add", help="add a console agent (asks for the password)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    add.add_argument("--replace", action="store_true", help="set a new password for an existing agent")
    add.set_defaults(func=cmd_agent_add)
    listing = agent_sub.add_parser("list", help="list console agents")
    listing.set_defaults(func=cmd_agent_list)
    agent.set_defaults(func=lambda args: agent.print_help() or 2)

    tickets = subparsers.add_parser("tickets", help="list open handoff tickets")
    tickets.set_defaults(func=cmd_tickets)
