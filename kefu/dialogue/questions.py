"""Which questions a message asks, clause by clause, in the order asked.

A buyer writes 「白色M有货吗 发北京几天到」 or 「两件能便宜点吗 包邮不」: several
questions in one message, each needing its own short answer. The message is cut
into clauses (punctuation, spaces, 还有/另外/顺便), and each clause is matched
against the sub-question patterns below: precise phrasings of what buyers ask
(weekend shipping, switching courier, who pays return shipping ...). The trained
intent is only the fallback for a message in which no pattern matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Literal, Optional, Pattern, Sequence, Tuple

from kefu.dialogue.classifier import ClauseClassifier, learned_kind
from kefu.dialogue.kinds import INTENT_KIND, KINDS, NOT_LEARNED, NOT_WHEN, SMALL_TALK, SUPERSEDES, TOPIC, WEAK
from kefu.dialogue.mentions import fold

__all__ = ["INTENT_KIND", "PATTERNS", "Question", "SMALL_TALK", "TOPIC", "WEAK", "clause_kinds", "clauses", "detect", "pattern_kinds"]

# The patterns of every kind, in registry order (kefu.dialogue.kinds is their one home).
PATTERNS: Sequence[Tuple[str, Sequence[str]]] = tuple((k.name, k.patterns) for k in KINDS if k.patterns)

# Filler a buyer adds around small talk (「好吧 谢谢亲」, 「好 那就拍了」).
_FILLER = re.compile(r"^(亲|好的?|好吧|嗯+|哦+|那|ok|啊|呀)+|(亲|哈+|呀|啊|哦|呢|～|~|!|！|。|\.)+$", re.IGNORECASE)
# Clause separators: punctuation, spaces between Chinese fragments, and connectives.
_SPLIT = re.compile(r"[，,。!！?？;；~～\n\r\t]+|(?<![0-9])\.(?![0-9])|\s+|(?:另外|顺便问下|顺便问一下|顺便|然后|再问一下|对了)")
_COMPILED: Optional[List[Tuple[str, List[Pattern[str]]]]] = None
_HAN = re.compile(r"[\u4e00-\u9fff]")

@dataclass(frozen=True)
class Question:
    kind: str
    clause: str
    position: int


def _patterns() -> List[Tuple[str, List[Pattern[str]]]]:
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = [(kind, [re.compile(p, re.IGNORECASE) for p in patterns]) for kind, patterns in PATTERNS]
    return _COMPILED


def clauses(text: str) -> List[Tuple[int, str]]:
    """(position, clause) pairs; empty pieces dropped."""
    text = fold(text)
    pieces: List[Tuple[int, str]] = []
    position = 0
    for match in _SPLIT.finditer(text):
        piece = text[position:match.start()].strip()
        if piece:
            pieces.append((position, piece))
        position = match.end()
    tail = text[position:].strip()
    if tail:
        pieces.append((position, tail))
    return pieces


_SUPERSEDES = SUPERSEDES
# Kinds asked once per clause, not once per message: 「哪产的 保质期多久」 asks two facts.
PER_CLAUSE = ("product_fact",)


Mode = Literal["patterns", "learned", "both"]
# Learned labels that are not questions the engine answers (the complaint decision is kefu.dialogue.complaint).
_NOT_KINDS = ("complaint", "other") + SMALL_TALK + NOT_LEARNED


def pattern_kinds(clause: str) -> List[str]:
    """The kinds whose precise patterns match one clause, general ones superseded."""
    kinds = [kind for kind, patterns in _patterns() if kind not in SMALL_TALK and any(p.search(clause) for p in patterns)]
    if "stock" in kinds and "product_fact" in kinds and _IN_STOCK.search(clause):
        kinds.remove("product_fact")  # 「鹅绒被200×230的有货吗」: the material word is the product's name
    for kind in list(kinds):
        for general in _SUPERSEDES.get(kind, ()):
            if general in kinds:
                kinds.remove(general)
    if any(k not in WEAK for k in kinds):
        kinds = [k for k in kinds if k not in WEAK or k == "stock" and "restock" in kinds]
    return kinds


_IN_STOCK = re.compile(r"有货|有现货|现货|库存|缺货|没货|断货|售罄|卖完")


def clause_kinds(clause: str, mode: Mode = "both", classifier: Optional[ClauseClassifier] = None) -> List[str]:
    """What one clause asks. ``both`` (what kefu runs, the winner on the held-out clauses): the precise
    patterns decide; where they find nothing, the learned classifier decides."""
    kinds = pattern_kinds(clause) if mode != "learned" else []
    if mode == "patterns" or kinds:
        return kinds
    if len(_HAN.findall(clause)) < 3:
        return kinds  # 「170」, 「XL」, 「订单2611…」: bare values are read by the engine's follow-ups, not guessed at
    prediction = learned_kind(clause, classifier)
    if prediction is None or prediction.label in _NOT_KINDS:
        return kinds
    if any(re.search(p, clause) for p in NOT_WHEN.get(prediction.label, ())):
        return kinds
    return [prediction.label]


def detect(text: str, mode: Mode = "both", classifier: Optional[ClauseClassifier] = None) -> List[Question]:
    """Every sub-question asked, in order, once per kind."""
    found: List[Question] = []
    whole = fold(text).strip()
    for position, clause in clauses(text):
        kinds = clause_kinds(clause, mode, classifier)
        if kinds and not pattern_kinds(clause) and any(TOPIC.get(q.kind) == TOPIC.get(kinds[0]) for q in found):
            continue  # 「地址写错了 能改吗」: a learned reading of a bare follow-on clause adds nothing
        for kind in kinds:
            if kind in PER_CLAUSE or all(q.kind != kind for q in found):
                found.append(Question(kind, clause, position))
    # Small talk is the whole message («你好», «谢谢»), and counts only when nothing else is asked.
    if not found and len(whole) <= 20:
        compact = re.sub(r"\s+", "", whole)
        stripped = _FILLER.sub("", compact) or compact
        for kind, patterns in _patterns():
            if kind in SMALL_TALK and any(p.search(stripped) or p.search(compact) for p in patterns):
                found.append(Question(kind, whole, 0))
                break
    # Supersede across clauses too: "运费险 ... 运费谁出" answers insurance + who pays, not the whole policy.
    kinds = {q.kind for q in found}
    if "bargain" in kinds and "coupon" in kinds:  # the haggling answer names the coupon already
        found = [q for q in found if q.kind != "coupon"]
    for kind in list(kinds):
        for general in _SUPERSEDES.get(kind, ()):
            if general in kinds and general == "invoice_request":
                found = [q for q in found if q.kind != general]
    return found
