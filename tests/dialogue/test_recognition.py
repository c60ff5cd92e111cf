"""Question recognition and the complaint decision, measured on held-out templates (kefu kinds-report).

Run with -s to see the figures. The held-out split holds out whole templates (phrasings the
classifier never saw); nothing here tunes on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.dialogue import complaint, handlers, kinds
from kefu.dialogue.classifier import load_corpus, split
from kefu.dialogue.recognition import evaluate, render
from kefu.shop.answers import templates

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report():
    result = evaluate(nlu_test=PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml")
    print("\n" + render(result))
    return result


def test_what_kefu_runs_reads_held_out_clauses_best(report):
    assert report.held_out_clauses >= 300 and report.held_out_templates >= 40
    assert report.accuracy["both"] >= report.accuracy["patterns"]
    assert report.accuracy["both"] >= report.accuracy["learned"]
    assert report.accuracy["both"] >= 0.85


def test_the_complaint_decision_is_precise_on_held_out_clauses(report):
    """Negatives include product doubts (会起球吗), compliance requests (加个微信) and bare product words."""
    held_out = report.complaint[complaint.DECISION]
    assert held_out.precision >= 0.95
    assert held_out.recall >= 0.80  # issue 16's target is 0.95: not reached yet (see the report)
    nlu = report.complaint_nlu[complaint.DECISION]
    assert nlu.precision >= 0.90 and nlu.recall >= 0.80


def test_the_corpus_is_thousands_of_clauses_over_every_kind():
    examples = load_corpus()
    assert len(examples) >= 3000
    labels = {e.label for e in examples}
    assert labels <= set(kinds.BY_NAME) | {"complaint", "other"}
    asked = {k.name for k in kinds.KINDS}
    assert asked <= labels, f"kinds without labelled clauses: {asked - labels}"
    train, test = split(examples)
    assert not {e.template for e in train} & {e.template for e in test}


@pytest.mark.parametrize("text", ["会起球吗", "这个面料会不会缩水", "加个微信吧", "鞋子", "防滑吗", "会掉色吗"])
def test_doubts_requests_and_product_words_are_not_complaints(text):
    assert not complaint.is_complaint(text)


@pytest.mark.parametrize("text", ["穿了一次就起球了", "鞋子开胶了", "充电宝充不进电", "什么破东西", "发错货了", "太让人失望了"])
def test_something_that_went_wrong_is_a_complaint(text):
    assert complaint.is_complaint(text)


def test_every_kind_has_one_record_with_its_handler_and_replies():
    names = [k.name for k in kinds.KINDS]
    assert len(names) == len(set(names))
    texts = templates()
    for kind in kinds.KINDS:
        for key in kind.replies:
            assert key in texts, f"{kind.name}: reply {key} missing from replies.yml"
        if kind.handler:
            assert kind.handler in handlers.HANDLERS, f"{kind.name}: no handler {kind.handler}"
        for general in kind.supersedes:
            assert general in kinds.BY_NAME, f"{kind.name} supersedes unknown kind {general}"


def test_a_damaged_pending_value_is_dropped():
    assert kinds.pending_or_none({"kind": "stock"}) == {"kind": "stock"}
    assert kinds.pending_or_none({"kind": "no_such"}) is None
    assert kinds.pending_or_none("stock") is None
