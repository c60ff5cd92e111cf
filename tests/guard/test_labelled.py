"""The guard against a hand-labelled set: one test per case, plus precision/recall per category.

The set is a held-out test set (see docs/guard.md): rule packs are tuned on
tests/guard/dev.yml, never on these cases.
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, List

import pytest

from kefu.guard import CATEGORIES, Guard

from .conftest import load_cases

CASES = load_cases()
MIN_RECALL = 0.95
MIN_PRECISION = 0.97


def predicted(case: Dict[str, object]) -> List[str]:
    return list(Guard.for_platform(str(case["platform"])).check(str(case["text"])).categories)


def test_the_set_is_big_and_varied_enough() -> None:
    assert len(CASES) >= 400
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"
    assert sum(1 for c in CASES if not c["expected"]) >= 150
    assert {c["platform"] for c in CASES} == {"pinduoduo", "taobao", "jd", "douyin"}
    covered = {category for c in CASES for category in c["expected"]}
    assert covered == set(CATEGORIES)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=str(c["known_gap"]))) if c["known_gap"] else c
     for c in CASES],
    ids=[str(c["id"]) for c in CASES],
)
def test_case(case: Dict[str, object]) -> None:
    got = predicted(case)
    assert got == case["expected"], f"{case['text']!r} on {case['platform']}: {case['explanation']}"


def scores() -> Dict[str, Dict[str, float]]:
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for case in CASES:
        got, want = set(predicted(case)), set(case["expected"])  # type: ignore[arg-type]
        for category in got & want:
            tp[category] += 1
        for category in got - want:
            fp[category] += 1
        for category in want - got:
            fn[category] += 1
    table: Dict[str, Dict[str, float]] = {}
    for category in list(CATEGORIES) + ["overall"]:
        if category == "overall":
            t, f_p, f_n = sum(tp.values()), sum(fp.values()), sum(fn.values())
        else:
            t, f_p, f_n = tp[category], fp[category], fn[category]
        table[category] = {
            "tp": t, "fp": f_p, "fn": f_n,
            "precision": t / (t + f_p) if t + f_p else 1.0,
            "recall": t / (t + f_n) if t + f_n else 1.0,
        }
    clean = [c for c in CASES if not c["expected"]]
    table["clean messages passed"] = {"tp": sum(1 for c in clean if not predicted(c)), "fp": 0, "fn": 0,
                                      "precision": 1.0, "recall": 1.0}
    return table


def test_precision_and_recall_per_category() -> None:
    table = scores()
    print("\n| category | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|")
    for category, row in table.items():
        if category == "clean messages passed":
            continue
        print(f"| {category} | {row['tp']} | {row['fp']} | {row['fn']} | {row['precision']:.3f} | {row['recall']:.3f} |")
    clean_total = sum(1 for c in CASES if not c["expected"])
    print(f"clean messages passed: {table['clean messages passed']['tp']}/{clean_total}; cases: {len(CASES)}")
    overall = table["overall"]
    assert overall["recall"] >= MIN_RECALL
    assert overall["precision"] >= MIN_PRECISION
