"""Why messages are cut into clauses: the suite's multi-question turns with and without it.

The conversation suite is played through the answer engine (no NLU: the engine's own
question patterns only) twice, once reading each clause and once reading the whole
message as one clause. Run with ``-s`` to see the figures README reports.
"""

from __future__ import annotations

from typing import Dict

import yaml

from kefu import replay
from kefu.dialogue import CatalogView, Context, State, questions, respond
from kefu.shop.config import load_shop_config
from tests.dialogue.conftest import PROJECT_ROOT, TUESDAY_MORNING

SUITE = PROJECT_ROOT / "tests" / "conversations" / "suite"


def play(store, monkeypatch=None) -> replay.SuiteScore:
    facts = yaml.safe_load((PROJECT_ROOT / "tests" / "conversations" / "sample_facts.yml").read_text(encoding="utf-8"))
    config = load_shop_config(PROJECT_ROOT / "shop" / "shop.yml")
    states: Dict[str, State] = {}

    def send(sender: str, text: str, metadata: dict) -> list:
        ctx = Context(CatalogView.from_store(store), store, config, TUESDAY_MORNING, metadata.get("platform", "jd"),
                      link_product_id=metadata.get("product_id"), link_order_id=metadata.get("order_id"))
        turn = respond(text, states.get(sender, State()), ctx)
        states[sender] = turn.state
        return [{"text": m} for m in turn.messages] + ([{"text": "人工客服"}] if turn.handoff else [])

    score = replay.SuiteScore()
    replay.run_files(sorted(SUITE.glob("*.yml")), send, None, out=lambda line: None, facts=facts, score=score)
    return score


def test_clause_splitting_answers_more_multi_question_turns(shop, monkeypatch) -> None:
    split = play(shop)
    monkeypatch.setattr(questions, "clauses", lambda text: [(0, questions.fold(text).strip())])
    whole = play(shop)
    print(f"\nwith clause splitting: {split.line()}\nwhole message only:    {whole.line()}")
    assert split.multi_share > whole.multi_share and split.share >= whole.share
