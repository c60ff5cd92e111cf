"""``kefu kinds-report``: how well buyer clauses are read (patterns vs learned vs both) and complaints decided."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kefu.dialogue.recognition import dev_false_complaints, evaluate, render


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("kinds-report", help="Score question recognition and the complaint decision on held-out clauses")
    parser.add_argument("--nlu-test", type=Path, default=Path("tests/nlu/test_nlu.yml"),
                        help="a Rasa NLU file whose complain examples are scored too")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N",
                        help="list N held-out clauses read wrongly (looking at them retires the held-out split)")
    parser.add_argument("--dev", nargs="*", type=Path, default=[], metavar="FILE",
                        help="replay scripts (e.g. spec/shops/*/dev/*.yml) whose non-complaint turns are checked too")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(render(evaluate(nlu_test=args.nlu_test, keep_misses=args.show_misses)))
    if args.dev:
        total, wrong = dev_false_complaints(args.dev)
        print(f"\ndev turns that must not be complaints: {total}; handed off as complaints: {len(wrong)}")
        for text in wrong:
            print(f"  {text}")
    return 0
