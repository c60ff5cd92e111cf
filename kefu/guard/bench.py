"""Guard speed, measured: ``python -m kefu.guard.bench`` (``make bench``).

Corpus: customer-service messages of 10–200 characters cut from the seed 话术
documents (sentences, and pairs of sentences), plus the two seed documents
whole as the long-document case. The seeds are found in ``$KEFU_SEEDS_DIR``,
else ``<project root>/../shared/seeds`` (CI clones the repository with
``shared/`` beside it); without them the bench says so and times a small
built-in synthetic corpus instead. Compared in one run, on the same lexicon
(the Pinduoduo pack's normalised keys) and the same input (each message
normalised as ``Guard.check`` normalises it):

- matching alone: the byte-view automaton the guard uses, *including* building
  the byte view (UTF-8 bytes as latin-1 text), then also including mapping the
  hits back to character offsets; the same automaton on a ready view (excluding
  building it), with ``find_all`` instead of ``iter``, and on a view of text
  normalised without the placeholder fold; the previous per-platform str automaton and one str
  automaton per category; a loop of ``term in text``; one compiled regex
  alternation (longest terms first);
- the full pipeline (``Guard.check``: normalise, match, contexts, personal
  data, overlaps, verdict) on the raw messages.

Matchers are timed in interleaved rounds (best round each), so a burst of load
from other processes hits all of them alike. Prints a Markdown table with
ratios. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, TextIO, Tuple

import ahocorasick

from kefu.guard._engine import Guard
from kefu.guard._normalize import byte_view, normalize
from kefu.settings import PROJECT_ROOT

SEEDS_ENV = "KEFU_SEEDS_DIR"
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
# Used only when the seeds are absent: clean and non-compliant messages composed from the
# categories in docs/guard.md, so the bench still runs (its figures are then not comparable).
SYNTHETIC_MESSAGES = (
    "亲，您好，请问有什么可以帮您？", "这件商品有现货哦，今天下单明天就能发货。",
    "亲，您平时穿什么尺码呢？身高体重告诉我一下，帮您推荐合适的尺码。",
    "非常抱歉让您久等了，我马上帮您查询物流信息。", "请您稍等，我这边核实一下订单号202310121234567890的情况。",
    "最近仓库比较忙，最晚后天一定发出，第一时间给您更新物流。", "这款面料是100%纯棉的，建议用30度以下的水洗涤。",
    "全网最低价，加我微信给您再便宜点。", "收到货给5分好评返现两元哦。", "这是我们家的宝贝，绝对是行业第一。",
    "你问我我问谁，爱买不买。", "可以线下转账，走支付宝更方便。", "收件人电话13812345678，已为您修改地址。",
    "亲，七天无理由退换，退货运费由我们承担，请您放心购买。", "发票可以开具增值税普通发票，请提供抬头和税号。",
)


def seeds_dir() -> Path:
    """Where the seed 话术 documents live: ``$KEFU_SEEDS_DIR``, else ``<project root>/../shared/seeds``."""
    override = os.environ.get(SEEDS_ENV, "").strip()
    return Path(override).expanduser() if override else PROJECT_ROOT.parent / "shared" / "seeds"


def seed_texts(folder: Optional[Path] = None, out: TextIO = sys.stderr) -> List[str]:
    """The text of every ``*.txt`` seed in ``folder`` (default :func:`seeds_dir`); ``[]`` when
    there are none. An unreadable file is reported on ``out`` and skipped, never fatal."""
    folder = seeds_dir() if folder is None else folder
    texts = []
    for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            print(f"bench: skipping unreadable seed {path}: {exc}", file=out)
    return texts


def synthetic_texts() -> List[str]:
    """Two "documents" of composed messages, about the seeds' size (~28k characters together)."""
    body = "".join(SYNTHETIC_MESSAGES)
    return [body * 42, "\n".join(reversed(SYNTHETIC_MESSAGES)) * 40]


def corpus(texts: Sequence[str]) -> List[str]:
    sentences = [s.strip() for text in texts for s in _SENTENCE.findall(text) if s.strip()]
    messages = [s for s in sentences if 10 <= len(s) <= 200]
    messages += [a + b for a, b in zip(sentences, sentences[1:]) if 10 <= len(a + b) <= 200][: len(messages)]
    return messages


Matcher = Callable[[str], object]


def timed(functions: Dict[str, Tuple[Matcher, Sequence[str]]], budget: float) -> Dict[str, float]:
    """Seconds per pass over each function's texts: best of interleaved rounds within ``budget``."""
    best = {name: float("inf") for name in functions}
    started = time.perf_counter()
    rounds = 0
    while rounds < 3 or (time.perf_counter() - started < budget and rounds < 60):
        for name, (function, texts) in functions.items():
            t0 = time.perf_counter()
            for text in texts:
                function(text)
            best[name] = min(best[name], time.perf_counter() - t0)
        rounds += 1
    return best


USED = "byte-view automaton (used), including building the byte view: `iter(byte_view(text))`"
REGEX = "baseline: one compiled regex alternation"


def build_matchers(guard: Guard, texts: Sequence[str], plain: Sequence[str]) -> Dict[str, Tuple[Matcher, Sequence[str]]]:
    """Every matcher with its input: ``texts`` normalised as the guard does, ``plain`` without the
    placeholder fold. Views are built here, outside the timings, for the "ready view" rows."""
    keys = list(guard.keys)
    regex = re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))
    per_platform = ahocorasick.Automaton()
    per_category: Dict[str, ahocorasick.Automaton] = {}
    for key, rules in guard._index.items():
        per_platform.add_word(key, (len(key), key))
        for rule in rules:
            a = per_category.setdefault(rule.category, ahocorasick.Automaton())
            a.add_word(key, key)
    for a in [per_platform, *per_category.values()]:
        a.make_automaton()
    automata = list(per_category.values())
    views = [byte_view(t) for t in texts]
    byte_automaton = guard._automaton

    def build_view_and_scan(text: str) -> List[Tuple[int, object]]:
        return list(byte_automaton.iter(byte_view(text)))

    def find_all(view: str) -> List[Tuple[int, object]]:
        found: List[Tuple[int, object]] = []
        byte_automaton.find_all(view, lambda end, value: found.append((end, value)))
        return found

    return {
        USED: (build_view_and_scan, texts),
        "byte-view automaton (used) + map hits to character offsets, as `check` does":
            (guard.match_normalized, texts),
        "byte-view automaton, view ready (excludes building the view)": (guard.match_view, views),
        "byte-view automaton, view ready, find_all callback instead of iter": (find_all, views),
        "byte-view automaton, view ready, text normalised without the placeholder fold":
            (guard.match_view, [byte_view(t) for t in plain]),
        "str automaton, one per platform (the previous structure)": (lambda t: list(per_platform.iter(t)), texts),
        "str automaton, one per category": (lambda t: [list(a.iter(t)) for a in automata], texts),
        "baseline: `term in text` loop": (lambda t: [k for k in keys if k in t], texts),
        REGEX: (regex.findall, texts),
    }


def same_hits(guard: Guard, texts: Sequence[str]) -> bool:
    """The byte-view automaton finds exactly what a str automaton finds, at the same character offsets."""
    reference = ahocorasick.Automaton()
    for key in guard.keys:
        reference.add_word(key, (len(key), key))
    reference.make_automaton()
    for text in texts:
        expected = sorted((end + 1 - length, end + 1, key) for end, (length, key) in reference.iter(text))
        if sorted(guard.match_normalized(text)) != expected:
            return False
    return True


def run(out: TextIO = sys.stdout, budget: float = 1.0) -> None:
    """Print the table. ``budget`` scales the time given to each timing (tests use 0: 3 rounds)."""
    started = time.perf_counter()
    guard = Guard.for_platform("pinduoduo")
    guard.check("加微信 北京东路")  # load jieba once, outside the timings
    folder = seeds_dir()
    texts = seed_texts(folder, out)
    if texts:
        print(f"Seeds: {len(texts)} documents from {folder}", file=out)
        source = "seeds"
    else:
        print(f"Seeds not found: no readable *.txt in {folder} (set {SEEDS_ENV} to the seed folder). "
              "Using the built-in synthetic corpus instead; its figures are not comparable with "
              "docs/guard.md.", file=out)
        texts = synthetic_texts()
        source = "synthetic documents"
    messages = corpus(texts)
    normalized = [guard.normalize(m).text for m in messages]
    long_norm = [guard.normalize(t).text for t in texts]
    plain = [normalize(m, guard.ruleset.keep_doubled).text for m in messages]
    plain_long = [normalize(t, guard.ruleset.keep_doubled).text for t in texts]
    chars = sum(len(m) for m in messages)
    long_chars = sum(len(t) for t in texts)
    view_bytes = sum(len(byte_view(t)) for t in normalized)
    print(f"Corpus: {len(messages)} messages ({chars} chars, mean {chars / len(messages):.0f}), "
          f"long document: {len(texts)} {source} ({long_chars} chars); lexicon: {len(guard.keys)} terms "
          f"(pinduoduo pack); byte view: {view_bytes / sum(len(t) for t in normalized):.2f} bytes per "
          f"normalised character\n", file=out)
    matchers = build_matchers(guard, normalized, plain)
    short = timed(matchers, budget=20.0 * budget)
    long_matchers = build_matchers(guard, long_norm, plain_long)
    long = timed(long_matchers, budget=10.0 * budget)
    rows = [(f"matching: {name}", short[name], long[name]) for name in matchers]
    full = timed({"full": (guard.check, messages)}, budget=5.0 * budget)["full"]
    full_long = timed({"full": (guard.check, texts)}, budget=3.0 * budget)["full"]
    rows.append(("full pipeline: Guard.check (normalise + match + context + PII + verdict)", full, full_long))
    print("| what | messages/s | chars/s | µs/message | long doc chars/s | speed vs regex (messages) "
          "| vs regex (long doc) |", file=out)
    print("|---|---:|---:|---:|---:|---:|---:|", file=out)
    for name, seconds, long_seconds in rows:
        print(f"| {name} | {len(messages) / seconds:,.0f} | {chars / seconds:,.0f} | "
              f"{seconds / len(messages) * 1e6:.2f} | {long_chars / long_seconds:,.0f} | "
              f"{short[REGEX] / seconds:.1f}× | {long[REGEX] / long_seconds:.1f}× |", file=out)
    verdicts = [guard.check(m).verdict for m in messages]
    identical = same_hits(guard, normalized + long_norm + plain)
    print(f"\nByte-view hits identical to the str automaton's on the whole corpus: {'yes' if identical else 'NO'}. "
          f"Flagged in the corpus: {sum(v != 'pass' for v in verdicts)}/{len(messages)} messages. "
          f"Bench time: {time.perf_counter() - started:.0f} s.", file=out)


if __name__ == "__main__":
    run()
