"""The ``kefu`` console script.

Each domain area contributes its own sub-commands through a ``register(subparsers)``
function in its ``cli`` module; this file only wires them together, so adding a
command never means editing a shared switchboard.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional, Sequence

# Modules that contribute sub-commands, in the order `kefu --help` lists them.
COMMAND_MODULES: Sequence[str] = (
    "kefu.stack",          # up, status
    "kefu.scale",          # scale (N Rasa replicas on PostgreSQL + Redis behind nginx)
    "kefu.shop.cli",       # load-shop, shop-info
    "kefu.imports.cli",    # import
    "kefu.guard.cli",      # check, lint
    "kefu.replay",         # replay
    "kefu.handoff.cli",    # agent add/list, tickets
    "kefu.tasks.cli",      # tasks
    "kefu.retention",      # purge (PIPL retention)
    "kefu.devtools",       # train-if-needed, nlu-report, ...
    "kefu.dialogue.cli",   # kinds-report
)


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit code 2, no stack trace."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kefu",
        description="kefu: compliant first-line customer service for Chinese e-commerce shops",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"kefu {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

