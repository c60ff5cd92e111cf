"""How well kefu reads buyer clauses: patterns vs learned vs both, on clauses never tuned on.

The classifier is trained on the corpus's training templates only; every held-out template's
clauses are read three ways — the precise patterns alone, the learned classifier alone, and
both (what kefu runs: patterns where they match, the classifier elsewhere) — and the complaint
decision is scored as precision/recall over the same clauses (the negatives include product
doubts, compliance requests and neutral product words) and over tests/nlu/test_nlu.yml's
``complain`` vs every other intent. ``kefu kinds-report`` prints it all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from kefu.dialogue import complaint
from kefu.dialogue.classifier import ClauseClassifier, Example, load_corpus, split
from kefu.dialogue.kinds import SMALL_TALK
from kefu.dialogue.questions import Mode, detect

MODES: Tuple[Mode, ...] = ("patterns", "learned", "both")


@dataclass(frozen=True)
class PrecisionRecall:
    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0


@dataclass
class Report:
    train_clauses: int
    held_out_clauses: int
    held_out_templates: int
    accuracy: Dict[str, float] = field(default_factory=dict)
    complaint: Dict[str, PrecisionRecall] = field(default_factory=dict)
    complaint_nlu: Dict[str, PrecisionRecall] = field(default_factory=dict)
    misses: List[Tuple[str, str, str]] = field(default_factory=list)  # (gold, read by both, text)


def read_label(text: str, mode: Mode, classifier: ClauseClassifier) -> str:
    """One clause's label as kefu reads it: complaint first, then the first kind asked, else other."""
    if complaint.is_complaint(text, mode, classifier):
        return "complaint"
    questions = detect(text, mode, classifier)
    return questions[0].kind if questions else "other"


def _gold(label: str) -> str:
    return label


def _pr(pairs: Sequence[Tuple[bool, bool]]) -> PrecisionRecall:
    return PrecisionRecall(sum(1 for g, p in pairs if g and p), sum(1 for g, p in pairs if p and not g),
                           sum(1 for g, p in pairs if g and not p))


def nlu_examples(path: Path) -> List[Tuple[str, bool]]:
    """(text, is complaint) from a Rasa NLU file, annotations stripped."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: List[Tuple[str, bool]] = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        for line in str(block.get("examples") or "").splitlines():
            text = line.strip().lstrip("-").strip()
            if text:
                out.append((_plain(text), intent == "complain"))
    return out


def _plain(text: str) -> str:
    """「[枕头](product)开线了」 -> 「枕头开线了」."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "[":
            end = text.find("]", i)
            if end > i and end + 1 < len(text) and text[end + 1] in "({":
                close = text.find(")" if text[end + 1] == "(" else "}", end)
                if close > end:
                    out.append(text[i + 1:end])
                    i = close + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def evaluate(examples: Optional[Sequence[Example]] = None, nlu_test: Optional[Path] = None,
             keep_misses: int = 0) -> Report:
    examples = list(examples if examples is not None else load_corpus())
    train, test = split(examples)
    classifier = ClauseClassifier(train)
    report = Report(len(train), len(test), len({e.template for e in test}))
    labels: Dict[str, List[Tuple[str, str]]] = {mode: [] for mode in MODES}
    for example in test:
        for mode in MODES:
            labels[mode].append((_gold(example.label), read_label(example.text, mode, classifier)))
    for mode in MODES:
        pairs = labels[mode]
        report.accuracy[mode] = sum(1 for g, p in pairs if g == p or g in SMALL_TALK and p == "other") / len(pairs)
        report.complaint[mode] = _pr([(g == "complaint", p == "complaint") for g, p in pairs])
    for example, (gold, got) in zip(test, labels["both"]):
        if gold != got and not (gold in SMALL_TALK and got == "other") and len(report.misses) < keep_misses:
            report.misses.append((gold, got, example.text))
    if nlu_test is not None:
        rows = nlu_examples(nlu_test)
        for mode in MODES:
            report.complaint_nlu[mode] = _pr([(gold, complaint.is_complaint(text, mode, classifier)) for text, gold in rows])
    return report


def dev_false_complaints(paths: Sequence[Path]) -> Tuple[int, List[str]]:
    """Replay dev turns that must not get the complaint apology (``bot_not`` names 不好的体验):
    how many there are, and which of them the decision would hand off as complaints."""
    total, wrong = 0, []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for conversation in data.get("conversations") or []:
            for turn in conversation.get("turns") or []:
                if "不好的体验" not in yaml.safe_dump(turn.get("bot_not") or [], allow_unicode=True):
                    continue
                total += 1
                if complaint.is_complaint(str(turn.get("user", ""))):
                    wrong.append(str(turn.get("user", "")))
    return total, wrong


def render(report: Report) -> str:
    lines = [f"clause corpus: {report.train_clauses} training clauses; held out: {report.held_out_clauses} clauses "
             f"from {report.held_out_templates} templates never trained on",
             "", "reading (label of each held-out clause)   accuracy"]
    for mode in MODES:
        lines.append(f"  {mode:<40} {report.accuracy[mode]:.3f}")
    lines += ["", "complaint decision (held-out clauses)     precision  recall"]
    for mode in MODES:
        pr = report.complaint[mode]
        lines.append(f"  {mode:<40} {pr.precision:.3f}      {pr.recall:.3f}")
    if report.complaint_nlu:
        lines += ["", "complaint decision (tests/nlu/test_nlu.yml: complain vs every other intent)"]
        for mode in MODES:
            pr = report.complaint_nlu[mode]
            lines.append(f"  {mode:<40} {pr.precision:.3f}      {pr.recall:.3f}")
    if report.misses:
        lines += ["", "held-out clauses read wrongly by both (gold -> read):"]
        lines += [f"  {gold} -> {got}: {text}" for gold, got, text in report.misses]
    return "\n".join(lines)
