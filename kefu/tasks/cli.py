"""``kefu tasks``: the work the assistant promised buyers, for people who do it."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from kefu.settings import Settings
from kefu.tasks.store import TASK_KINDS, TaskNotFound, TaskStore
from kefu.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tasks", help="list open tasks (promises made to buyers), or mark one done")
    parser.add_argument("--all", action="store_true", help="done tasks too")
    parser.add_argument("--kind", choices=sorted(TASK_KINDS), help="only this kind")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--done", type=int, metavar="ID", help="mark task ID done")
    parser.add_argument("--agent", default="cli", help="who did it (with --done)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = TaskStore(Settings.from_env().db_path)
    if args.done is not None:
        try:
            task = store.done(args.done, args.agent)
        except TaskNotFound as exc:
            raise CommandError(str(exc)) from exc
        print(f"任务 {task.id} 已完成（{task.kind_label}）")
        return 0
    tasks = store.list(status=None if args.all else "open", kind=args.kind)
    for task in tasks:
        if args.json:
            print(json.dumps(task.as_dict(), ensure_ascii=False))
            continue
        when = dt.datetime.fromtimestamp(task.created_at).strftime("%m-%d %H:%M")
        order = f" 订单 {task.order_id}" if task.order_id else ""
        print(f"#{task.id} [{task.status}] {when} {task.platform} {task.kind_label}{order}: {task.summary}")
    if not args.json:
        print(f"{len(tasks)} 个任务")
    return 0
