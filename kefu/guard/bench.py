"""Guard speed, measured: ``python -m kefu.guard.bench`` (``make bench``).

Corpus: customer-service messages of 10–200 characters cut from the seed 话术
documents (sentences, and pairs of sentences), plus the two seed documents
whole as the long-document case. Compared in one run, on the same lexicon
(the Pinduoduo pack's normalised keys):

- matching alone, on already normalised text: the per-platform Aho-Corasick
  automaton (``iter``), one automaton per category, a loop of ``term in text``,
  and one compiled regex alternation (longest terms first);
- the full pipeline (``Guard.check``: normalise, match, contexts, personal
  data, overlaps, verdict) on the raw messages.

Prints a Markdown table with ratios. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import ahocorasick

from kefu.guard._engine import Guard
from kefu.guard._normalize import normalize
from kefu.settings import PROJECT_ROOT

SEEDS = [Path("/work/shared/seeds"), PROJECT_ROOT / "docs" / "seeds"]
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def seed_texts() -> List[str]:
    for folder in SEEDS:
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return [f.read_text(encoding="utf-8") for f in files]
    return ["亲，您好，请问有什么可以帮您？这件商品有现货哦。全网最低价，加我微信。" * 50]


def corpus(texts: Sequence[str]) -> List[str]:
    sentences = [s.strip() for text in texts for s in _SENTENCE.findall(text) if s.strip()]
    messages = [s for s in sentences if 10 <= len(s) <= 200]
    messages += [a + b for a, b in zip(sentences, sentences[1:]) if 10 <= len(a + b) <= 200][: len(messages)]
    return messages


def timed(function: Callable[[str], object], texts: Sequence[str], budget: float = 4.0) -> Tuple[float, int]:
    """Seconds per pass over ``texts`` (best of several passes within ``budget``)."""
    best = float("inf")
    started = time.perf_counter()
    passes = 0
    while passes < 2 or (time.perf_counter() - started < budget and passes < 50):
        t0 = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - t0)
        passes += 1
    return best, passes


def build_matchers(guard: Guard) -> Dict[str, Callable[[str], object]]:
    keys = list(guard.keys)
    regex = re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))
    per_category: Dict[str, ahocorasick.Automaton] = {}
    for key, rules in guard._index.items():
        for rule in rules:
            a = per_category.setdefault(rule.category, ahocorasick.Automaton())
            a.add_word(key, key)
    for a in per_category.values():
        a.make_automaton()
    automata = list(per_category.values())
    return {
        "Aho-Corasick, one automaton per platform (used)": guard.match_normalized,
        "Aho-Corasick, one automaton per category": lambda t: [list(a.iter(t)) for a in automata],
        "baseline: `term in text` loop": lambda t: [k for k in keys if k in t],
        "baseline: one compiled regex alternation": lambda t: regex.findall(t),
    }


def run(out=sys.stdout) -> None:
    started = time.perf_counter()
    guard = Guard.for_platform("pinduoduo")
    guard.check("加微信 北京东路")  # load jieba once, outside the timings
    texts = seed_texts()
    messages = corpus(texts)
    normalized = [normalize(m, guard.ruleset.keep_doubled).text for m in messages]
    long_norm = [normalize(t, guard.ruleset.keep_doubled).text for t in texts]
    chars = sum(len(m) for m in messages)
    long_chars = sum(len(t) for t in texts)
    print(f"Corpus: {len(messages)} messages ({chars} chars, mean {chars / len(messages):.0f}), "
          f"long document: {len(texts)} seeds ({long_chars} chars); lexicon: {len(guard.keys)} terms "
          f"(pinduoduo pack)\n", file=out)
    rows = []
    matchers = build_matchers(guard)
    for name, function in matchers.items():
        seconds, _ = timed(function, normalized, budget=3.0)
        long_seconds, _ = timed(function, long_norm, budget=2.0)
        rows.append((f"matching: {name}", seconds, long_seconds))
    full, _ = timed(guard.check, messages, budget=5.0)
    full_long, _ = timed(guard.check, texts, budget=3.0)
    rows.append(("full pipeline: Guard.check (normalise + match + context + PII + verdict)", full, full_long))
    regex_seconds = next(r[1] for r in rows if "regex" in r[0])
    regex_long = next(r[2] for r in rows if "regex" in r[0])
    print("| what | messages/s | chars/s | µs/message | long doc chars/s | speed vs regex (messages) "
          "| vs regex (long doc) |", file=out)
    print("|---|---:|---:|---:|---:|---:|---:|", file=out)
    for name, seconds, long_seconds in rows:
        print(f"| {name} | {len(messages) / seconds:,.0f} | {chars / seconds:,.0f} | "
              f"{seconds / len(messages) * 1e6:.1f} | {long_chars / long_seconds:,.0f} | "
              f"{regex_seconds / seconds:.1f}× | {regex_long / long_seconds:.1f}× |", file=out)
    verdicts = [guard.check(m).verdict for m in messages]
    print(f"\nFlagged in the corpus: {sum(v != 'pass' for v in verdicts)}/{len(messages)} messages. "
          f"Bench time: {time.perf_counter() - started:.0f} s.", file=out)


if __name__ == "__main__":
    run()
