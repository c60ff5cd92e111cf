"""The NLU data keeps its contract: intent names, sizes, a clean held-out set, aligned entities.

Runs without training: it reads data/nlu and tests/nlu as YAML and tokenises
with jieba and the project dictionary, the way the JiebaTokenizer will.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SMALL_TALK = ("greet", "goodbye", "thank", "affirm", "deny")
FIRST_LINE = (
    "ask_stock", "ask_size", "ask_shipping_time", "ask_logistics", "ask_invoice", "ask_return_policy",
    "bargain", "change_address", "complain", "request_human", "inform", "out_of_scope",
)
ENTITIES = {
    "size", "color", "height", "weight", "province", "city", "order_id", "invoice_type", "product",
    "return_reason", "tax_number", "email",
}
# [text](entity) or [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|(\{[^}]*\}))")

Example = Tuple[str, str, List[Tuple[int, int, str, str]]]  # intent, plain text, (start, end, entity, value)


def parse(line: str) -> Tuple[str, List[Tuple[int, int, str, str]]]:
    """Plain text and entity spans of one annotated example."""
    text, spans, pos = "", [], 0
    for match in ANNOTATION.finditer(line):
        text += line[pos:match.start()]
        start = len(text)
        text += match.group(1)
        if match.group(2):
            entity, value = match.group(2), match.group(1)
        else:
            spec = yaml.safe_load(match.group(3))
            entity, value = spec["entity"], spec.get("value", match.group(1))
        spans.append((start, len(text), entity, value))
        pos = match.end()
    return text + line[pos:], spans


def examples(folder: Path) -> Iterator[Example]:
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block:
                continue
            for raw in block["examples"].splitlines():
                raw = raw.strip()
                if raw.startswith("- "):
                    text, spans = parse(raw[2:].strip())
                    yield block["intent"], text, spans


TRAIN = list(examples(ROOT / "data" / "nlu"))
TEST = list(examples(ROOT / "tests" / "nlu"))


def test_intents_match_the_contract_with_enough_examples() -> None:
    train = Counter(intent for intent, _, _ in TRAIN)
    test = Counter(intent for intent, _, _ in TEST)
    assert set(train) == set(SMALL_TALK + FIRST_LINE) == set(test)
    assert {i: train[i] for i in SMALL_TALK if train[i] < 20} == {}
    assert {i: train[i] for i in FIRST_LINE if train[i] < 40} == {}
    assert {i: test[i] for i in test if test[i] < 15} == {}


def test_held_out_set_shares_no_sentence_with_training() -> None:
    train_texts = {text for _, text, _ in TRAIN}
    assert [text for _, text, _ in TEST if text in train_texts] == []


def test_no_sentence_is_labelled_with_two_intents() -> None:
    labels: Dict[str, set] = {}
    for intent, text, _ in TRAIN:
        labels.setdefault(text, set()).add(intent)
    assert {text: intents for text, intents in labels.items() if len(intents) > 1} == {}


def test_entities_and_return_reason_values_are_from_the_contract() -> None:
    for intent, text, spans in TRAIN + TEST:
        for _, _, entity, value in spans:
            assert entity in ENTITIES, (text, entity)
            if entity == "return_reason":
                assert value in {"quality", "no_reason"}, (text, value)


@pytest.fixture(scope="module")
def jieba_with_shop_words():  # type: ignore[no-untyped-def]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    # A private tokenizer: loading the shop words into jieba's global one would
    # change segmentation for every later test in this process.
    tokenizer = jieba.Tokenizer()
    for dictionary in sorted((ROOT / "data" / "jieba").iterdir()):
        tokenizer.load_userdict(str(dictionary))
    return tokenizer


def test_shop_words_stay_whole(jieba_with_shop_words) -> None:  # type: ignore[no-untyped-def]
    for sentence, word in [
        ("有运费险吗", "运费险"), ("支持七天无理由退货吗", "七天无理由"), ("麻烦催发货", "催发货"),
        ("能开专票吗", "专票"), ("抬头写公司名", "抬头"), ("这双帆布鞋偏大吗", "偏大"),
        ("发到辽宁大连几天", "大连"), ("能发顺丰吗", "顺丰"),
    ]:
        assert word in jieba_with_shop_words.lcut(sentence), sentence


def test_entity_annotations_fall_on_token_boundaries(jieba_with_shop_words) -> None:  # type: ignore[no-untyped-def]
    # DIET labels whole tokens: an entity cut inside a jieba token is silently lost in training.
    misaligned = []
    for _, text, spans in TRAIN + TEST:
        tokens = list(jieba_with_shop_words.tokenize(text))
        starts = {start for _, start, _ in tokens}
        ends = {end for _, _, end in tokens}
        misaligned += [(text, text[s:e]) for s, e, _, _ in spans if s not in starts or e not in ends]
    assert misaligned == []
