"""Developer commands: training only when needed, NLU scoring on the held-out set."""

from __future__ import annotations

import argparse
from kefu.devtools import nlu_report, training


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    train = subparsers.add_parser(
        "train-if-needed",
        help="train the Rasa model when config.yml, domain.yml or data/ changed since the last training",
    )
    training.add_arguments(train)
    train.set_defaults(func=training.run)

    report = subparsers.add_parser(
        "nlu-report", help="score intents on tests/nlu (never used for training); fail below a macro-F1"
    )
    nlu_report.add_arguments(report)
    report.set_defaults(func=nlu_report.run)
