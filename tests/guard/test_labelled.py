"""The guard against hand-labelled sets: one test per case, plus precision/recall per category.

Two kinds of set (docs/guard.md, "Quality, measured"):
- tuning sets (labelled.yml, the v1 set; tuning.yml, v2; dev.yml): what the packs were written
  and tuned against;
- the held-out set (heldout.yml), written before any v2 rule and never tuned on: the gate
  ``make test`` enforces (recall and precision >= 0.97) is measured on it alone.
The held-out table also shows a plain substring filter over the seed documents' own word
lists, scored on the same cases in the same run (``pytest tests/guard/test_labelled.py -s -k heldout_precision``).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Dict, Iterable, List

import pytest

from kefu.guard import CATEGORIES, Guard

from .conftest import load_cases

TUNING = load_cases("labelled.yml") + load_cases("tuning.yml") + load_cases("dev.yml")
HELDOUT = load_cases("heldout.yml")
MIN_RECALL = 0.97
MIN_PRECISION = 0.97
Predict = Callable[[Dict[str, object]], List[str]]

# The seed documents' own word lists (shared/seeds/000: 拼多多 §1-§8, 极限词/权威词/限定词,
# 京东 and 天猫 禁用语, 抖音 好评/二维码), as a plain platform filter would hold them.
SEED_WORDS = {
    "third_party_platform": ["淘宝", "蘑菇街", "京东", "微信", "QQ", "支付宝", "天猫", "拼多多", "抖音", "旺旺"],
    "platform_vocabulary": ["宝贝"],
    "extreme_claim": ["最", "绝对", "全网", "终极", "唯一", "第一", "顶级", "万能", "百分百", "首发", "永久",
                      "国家", "驰名商标", "最后一波", "仅此一次", "世界级", "国际品质"],
    "review_inducement": ["好评返现"],
    "off_platform_transaction": ["线下", "转账", "到付", "shua单", "二维码"],
    "impolite": ["你问我，我问谁", "你有没有搞错", "用不起就不要用", "刚才已经说过了吧，怎么还问啊", "我也没办法",
                 "这不是我的错", "这是规定", "你懂不懂", "我说的您是不会理解的", "你懂了吗", "你理解我的意思吗",
                 "不管您说什么我都听不到", "随便你到哪里去投诉"],
}
OWN = {"taobao": {"淘宝", "天猫", "支付宝", "旺旺", "宝贝"}, "jd": {"京东"}, "pinduoduo": {"拼多多"},
       "douyin": {"抖音"}}


def guard_predict(case: Dict[str, object]) -> List[str]:
    return list(Guard.for_platform(str(case["platform"])).check(str(case["text"])).categories)


def substring_predict(case: Dict[str, object]) -> List[str]:
    """A plain substring filter: a category is flagged when one of its seed words occurs verbatim."""
    text, own = str(case["text"]), OWN[str(case["platform"])]
    return sorted({category for category, words in SEED_WORDS.items()
                   for word in words if word not in own and word in text})


def scores(cases: Iterable[Dict[str, object]], predict: Predict = guard_predict) -> Dict[str, Dict[str, float]]:
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for case in cases:
        got, want = set(predict(case)), set(case["expected"])  # type: ignore[arg-type]
        for category in got & want:
            tp[category] += 1
        for category in got - want:
            fp[category] += 1
        for category in want - got:
            fn[category] += 1
    table: Dict[str, Dict[str, float]] = {}
    for category in list(CATEGORIES) + ["overall"]:
        t, f_p, f_n = ((sum(tp.values()), sum(fp.values()), sum(fn.values())) if category == "overall"
                       else (tp[category], fp[category], fn[category]))
        table[category] = {"tp": t, "fp": f_p, "fn": f_n,
                           "precision": t / (t + f_p) if t + f_p else 1.0,
                           "recall": t / (t + f_n) if t + f_n else 1.0}
    return table


def _params(cases: List[Dict[str, object]]) -> list:
    return [pytest.param(c, id=str(c["id"]),
                         marks=[pytest.mark.xfail(strict=True, reason=str(c["known_gap"]))] if c["known_gap"] else [])
            for c in cases]


def test_the_sets_are_big_varied_and_apart() -> None:
    everything = TUNING + HELDOUT
    assert len(everything) >= 1000
    assert len(HELDOUT) >= 350
    assert len({c["id"] for c in everything}) == len(everything), "case ids must be unique across sets"
    # the held-out set shares no message with the tuning sets
    assert not {(c["platform"], c["text"]) for c in HELDOUT} & {(c["platform"], c["text"]) for c in TUNING}
    for cases in (TUNING, HELDOUT):
        assert sum(1 for c in cases if not c["expected"]) >= 100
        assert {c["platform"] for c in cases} == {"pinduoduo", "taobao", "jd", "douyin"}
        assert {category for c in cases for category in c["expected"]} == set(CATEGORIES)


@pytest.mark.parametrize("case", _params(HELDOUT))
def test_heldout_case(case: Dict[str, object]) -> None:
    assert guard_predict(case) == case["expected"], f"{case['text']!r} on {case['platform']}: {case['explanation']}"


@pytest.mark.parametrize("case", _params(TUNING))
def test_tuning_case(case: Dict[str, object]) -> None:
    assert guard_predict(case) == case["expected"], f"{case['text']!r} on {case['platform']}: {case['explanation']}"


def _print(title: str, guard: Dict[str, Dict[str, float]], baseline: Dict[str, Dict[str, float]]) -> None:
    print(f"\n{title}\n| category | TP | FP | FN | precision | recall | substring filter P | substring filter R |"
          "\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for category, row in guard.items():
        base = baseline[category]
        print(f"| {category} | {row['tp']} | {row['fp']} | {row['fn']} | {row['precision']:.3f} | "
              f"{row['recall']:.3f} | {base['precision']:.3f} | {base['recall']:.3f} |")


def test_heldout_precision_and_recall_gate() -> None:
    table = scores(HELDOUT)
    clean = [c for c in HELDOUT if not c["expected"]]
    _print(f"held-out set: {len(HELDOUT)} cases, {len(clean)} clean, "
           f"{sum(1 for c in clean if not guard_predict(c))} clean passed by the guard, "
           f"{sum(1 for c in clean if not substring_predict(c))} by the substring filter",
           table, scores(HELDOUT, substring_predict))
    assert table["overall"]["recall"] >= MIN_RECALL
    assert table["overall"]["precision"] >= MIN_PRECISION


def test_tuning_sets_stay_above_the_gate() -> None:
    table = scores(TUNING)
    _print(f"tuning sets: {len(TUNING)} cases", table, scores(TUNING, substring_predict))
    assert table["overall"]["recall"] >= MIN_RECALL
    assert table["overall"]["precision"] >= MIN_PRECISION


def test_the_substring_filter_is_really_scored() -> None:
    """The baseline is not a strawman: it catches the seeds' own spellings and misses evasions."""
    case = {"platform": "pinduoduo", "text": "亲，这款在淘宝也有卖的哦", "expected": ["third_party_platform"]}
    assert substring_predict(case) == ["third_party_platform"]
    assert substring_predict({"platform": "pinduoduo", "text": "淘bao同款"}) == []
    assert substring_predict({"platform": "taobao", "text": "淘宝同款"}) == []
