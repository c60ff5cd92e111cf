"""The guard itself: normalise, match with one Aho-Corasick automaton per platform, map back, decide.

Pipeline of :meth:`Guard.check`:

1. normalise (``_normalize``) with the guard's own fold table (characters in no
   term fold to one placeholder), keeping each normalised character's original
   index, and build the byte view (UTF-8 bytes as latin-1 text) once;
2. ``automaton.iter()`` over the byte view with an automaton built over the keys'
   bytes (pyahocorasick scans a node's children linearly: ~25 byte children at the
   root instead of ~224 CJK ones), hits mapped back from bytes to characters and
   kept only on character boundaries; ``iter`` reports *every* match ending at each
   position (``iter_long`` would skip 知识产权 inside 国家知识产权 once it has
   followed the longer 国家知识产权局 path), so overlaps are resolved here;
3. drop hits inside an allowed context (最近, 第一时间, 京东物流 on JD ...), hits
   that cut a Latin word (``tb`` inside ``htb``), and, for entries marked
   ``word_boundary``, hits that cut a jieba word (京东 inside 北京东路) - jieba
   is consulted only for those candidates, so most messages never touch it;
   the two halves of a co-occurrence entry (好评 … 返, 加 … 薇芯) are collected and
   paired after the scan: each term with its nearest near word within ``within``;
4. personal-data detectors on the folded text (same offsets as the original);
5. per category, keep the leftmost-longest non-overlapping hits;
6. verdict: ``blocked`` if any hit blocks, ``rewritten`` if all rewrite/mask
   (with the rewritten text), else ``pass``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

import ahocorasick

from kefu.guard import _bidi, _contact, _pii
from kefu.guard._errors import GuardInputError, UnknownPlatformError
from kefu.guard._normalize import SEP, Normalized, byte_view, char_hits, fold, folding_table, normalize
from kefu.guard._packs import PII_DETECTORS, Rule, RuleSet, load_ruleset
from kefu.platforms import canonical_platform
from kefu.settings import Settings

MAX_TEXT_CHARS = 1_000_000
_Span = Tuple[int, int, int, int]  # normalised start, end; original start, end
_Value = Tuple[int, str, Tuple[Rule, ...]]  # what the automaton stores per key: (byte length, key, rules)
PASS, REWRITTEN, BLOCKED = "pass", "rewritten", "blocked"


@dataclass(frozen=True)
class Violation:
    """One forbidden thing found: where it is in the *original* text and what to do about it."""

    category: str
    term: str          # the rule's canonical term (or the detector name)
    start: int
    end: int
    action: str        # block | rewrite | mask
    matched: str = ""  # the original text at [start, end)
    replacement: Optional[str] = None
    rule_id: str = ""

    def as_dict(self) -> Dict[str, object]:
        return {"category": self.category, "term": self.term, "start": self.start, "end": self.end,
                "action": self.action}


@dataclass(frozen=True)
class GuardResult:
    """The verdict on one text. ``rewritten`` is set only when every violation could be rewritten."""

    text: str
    platform: str
    verdict: str
    violations: Tuple[Violation, ...]
    rewritten: Optional[str] = None

    @property
    def passed(self) -> bool:
        return self.verdict == PASS

    @property
    def categories(self) -> Tuple[str, ...]:
        return tuple(sorted({v.category for v in self.violations}))

    def as_dict(self) -> Dict[str, object]:
        return {"text": self.text, "platform": self.platform, "verdict": self.verdict,
                "violations": [v.as_dict() for v in self.violations], "rewritten": self.rewritten}


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


# Frequency given to pack terms in jieba's dictionary: high enough to cut 快手|上 and
# 微微|信号 right, low enough not to override common words such as 北京 (34k).
WORD_FREQ = 1000


class _Jieba:
    """A private jieba tokenizer, loaded on first use and only once per process.

    Private (``jieba.Tokenizer()``) so adding the packs' terms as words does not
    change the global jieba that Rasa's NLU pipeline uses. Knowing the terms
    matters: plain jieba cuts 快手上 as 快/手上 and 薇信上 as 薇/信上.
    """

    _lock = threading.Lock()
    _tokenizer = None
    _known: set = set()

    @classmethod
    def _get(cls):
        if cls._tokenizer is None:
            with cls._lock:
                if cls._tokenizer is None:
                    import logging

                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    tokenizer.initialize()
                    cls._tokenizer = tokenizer
        return cls._tokenizer

    @classmethod
    def learn(cls, words: Sequence[str]) -> None:
        """Add terms as words (once each); only CJK words matter to jieba's dictionary."""
        new = [w for w in words if w not in cls._known and all("\u3400" <= ch <= "\u9fff" for ch in w)]
        if not new:
            return
        tokenizer = cls._get()
        with cls._lock:
            for word in new:
                tokenizer.add_word(word, freq=WORD_FREQ)
                cls._known.add(word)

    @classmethod
    def cut(cls, text: str) -> List[str]:
        return cls._get().lcut(text, HMM=True)


def _cuts_a_word(norm: Normalized, start: int, end: int) -> bool:
    """True when a jieba word straddles the hit's start or end (京东 in 北京/东路).

    jieba reads the folded text without separators and without collapsing repeats,
    so 微😊信找我 is seen as 微信找我 while 天天猫粮 keeps its 天天. The window is
    folded again with the plain table: the guard's own fold hides characters in no
    term behind a placeholder, and jieba needs them (北京东路).
    """
    low, high = max(0, start - 16), min(len(norm.original), end + 16)
    folded = fold(norm.original[low:high])
    positions = [i for i in range(low, high) if folded[i - low] != SEP]
    if not positions:
        return False
    squeezed = "".join(folded[i - low] for i in positions)
    s = bisect_left(positions, start)
    e = bisect_left(positions, end)
    position = 0
    for token in _Jieba.cut(squeezed):
        token_start, token_end = position, position + len(token)
        position = token_end
        # a word straddling the hit's start or end (北京|东路), or one holding it strictly inside
        # (北京东方 = 北京 + 东方: jieba reads it as one word with 京东 in its middle)
        if token_start < s < token_end < e or s < token_start < e < token_end or token_start < s < e < token_end:
            return True
        if token_start >= e:
            break
    return False


def _has_latin(key: str) -> bool:
    """Mixed-script variants (v信, 微x) are evasions; jieba's word boundaries say nothing about them."""
    return any(ch.isascii() for ch in key)


def _repeats_inside(norm: Normalized, start: int, end: int) -> bool:
    """True when a character after the hit's first was written repeated (微微信信): an evasion,
    so the jieba boundary check (meant for 微微信号, 天天猫粮) does not apply."""
    if norm.starts is None:
        return False
    return any(norm.starts[i] != norm.ends[i] for i in range(start + 1, end))  # type: ignore[index]


class Guard:
    """Checks text against one platform's rule pack. Build with :meth:`for_platform` (cached)."""

    _cache: Dict[Tuple[str, str], "Guard"] = {}
    _cache_lock = threading.Lock()

    def __init__(self, ruleset: RuleSet) -> None:
        self.platform = ruleset.platform
        self.ruleset = ruleset
        self._index = ruleset.by_key()
        self._cooc = {rule.id: rule for rule in ruleset.rules if rule.role == "cooc"}
        self._detectors = {rule.detector: rule for rule in ruleset.detectors}
        self._wanted = frozenset(self._detectors) & frozenset(PII_DETECTORS)
        self._contact = frozenset(self._detectors) & frozenset(_contact.DETECTORS)
        self._keep = ruleset.keep_doubled
        self._taught_jieba = False
        self._fold = folding_table(_alphabet(ruleset, self._index))
        automaton = ahocorasick.Automaton()
        for key, rules in self._index.items():
            key_view = byte_view(key)
            automaton.add_word(key_view, (len(key_view), key, tuple(rules)))
        automaton.make_automaton()
        self._automaton = automaton

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def for_platform(cls, platform: str, rules_dir: Union[str, Path, None] = None) -> "Guard":
        """The guard for ``platform`` (``"tmall"`` means ``"taobao"``), built once and reused."""
        canonical = canonical_platform(platform)
        directory = Path(rules_dir) if rules_dir is not None else Settings.from_env().rules_dir
        name = canonical or (platform if isinstance(platform, str) else "")
        if not name or not (directory / f"{name}.yml").is_file() or name == "common":
            raise UnknownPlatformError(f"no rule pack for platform {platform!r} in {directory}")
        key = (name, str(directory.resolve()))
        guard = cls._cache.get(key)
        if guard is None:
            with cls._cache_lock:
                guard = cls._cache.get(key)
                if guard is None:
                    guard = cls(load_ruleset(directory, name))
                    cls._cache[key] = guard
        return guard

    @classmethod
    def clear_cache(cls) -> None:
        """Forget built guards (after editing rule packs, or in tests)."""
        with cls._cache_lock:
            cls._cache.clear()

    def _cuts_a_word(self, norm: Normalized, start: int, end: int) -> bool:
        if not self._taught_jieba:
            _Jieba.learn([key for key, rules in self._index.items() if any(r.word_boundary for r in rules)]
                         + [key for key in self._index if len(key) >= 2])
            self._taught_jieba = True
        return _cuts_a_word(norm, start, end)

    # -- introspection (CLI, bench) ---------------------------------------------------------------
    @property
    def keys(self) -> Sequence[str]:
        """Every normalised term the automaton holds."""
        return tuple(self._index)

    def normalize(self, text: str) -> Normalized:
        """This guard's normalisation (what :meth:`check` matches on): like
        :func:`kefu.guard.normalize`, but characters in no term fold to ``PLACEHOLDER``."""
        return normalize(text, self._keep, self._fold)

    def match_normalized(self, text: str) -> List[Tuple[int, int, str]]:
        """Matching alone, on already normalised text (the bench's "matching" rows):
        builds the byte view, scans it and maps every hit to ``(start, end, key)`` in ``text``."""
        return [(start, end, value[1]) for start, end, value in self._scan(text, byte_view(text))]

    def match_view(self, view: str) -> List[Tuple[int, _Value]]:
        """Raw automaton hits ``(last byte index, (byte length, key, rules))`` on a byte view."""
        return list(self._automaton.iter(view))

    def _scan(self, text: str, view: str) -> List[Tuple[int, int, _Value]]:
        """Every key occurrence in normalised ``text`` as ``(start, end, (byte length, key, rules))``
        in characters, found by scanning its byte ``view`` (hits not on character boundaries dropped)."""
        raw = list(self._automaton.iter(view))
        if not raw:  # most messages: nothing to map
            return []
        if view is text:  # ASCII: one byte per character
            return [(last + 1 - value[0], last + 1, value) for last, value in raw]
        return char_hits(view, raw)

    # -- checking -----------------------------------------------------------------------------
    def check(self, text: str, allowed_hosts: FrozenSet[str] = frozenset()) -> GuardResult:
        """Find every violation in ``text`` and decide pass / rewritten / blocked.

        ``allowed_hosts``: the shop's link allow-list (a link to one of them, or to a subdomain, passes).
        Text with bidirectional controls is also checked as it is *displayed* (:mod:`kefu.guard._bidi`):
        what only the displayed order says (``\u202e321cba 信微我加``) blocks, over the reordered run."""
        if not isinstance(text, str):
            raise GuardInputError(f"the guard checks strings, got {type(text).__name__}")
        if len(text) > MAX_TEXT_CHARS:
            raise GuardInputError(f"text of {len(text)} characters exceeds the limit of {MAX_TEXT_CHARS}")
        if not text:
            return GuardResult(text, self.platform, PASS, ())
        hits = self._hits(text, allowed_hosts)
        if _bidi.has_controls(text):
            hits.extend(self._displayed_hits(text, allowed_hosts, hits))
        if not hits:
            return GuardResult(text, self.platform, PASS, ())
        violations = _resolve_overlaps(hits)
        if any(v.action == "block" for v in violations):
            return GuardResult(text, self.platform, BLOCKED, violations)
        return GuardResult(text, self.platform, REWRITTEN, violations, _rewrite(text, violations))

    def _hits(self, text: str, allowed_hosts: FrozenSet[str]) -> List[Violation]:
        norm = normalize(text, self._keep, self._fold)
        hits: List[Violation] = []
        if norm.text:
            hits.extend(self._term_hits(norm))
        if self._wanted:
            for detector, start, end, masked in _pii.detect(text, norm.folded, self._wanted):
                rule = self._detectors[detector]
                hits.append(Violation(rule.category, rule.term, start, end, rule.action, text[start:end],
                                      masked, rule.id))
        if self._contact:
            for detector, start, end, host in _contact.detect(text, self._contact):
                if detector == "link" and host and _contact.allowed(host, allowed_hosts):
                    continue
                rule = self._detectors[detector]
                hits.append(Violation(rule.category, rule.term, start, end, rule.action, text[start:end],
                                      None, rule.id))
        return hits

    def _displayed_hits(self, text: str, allowed_hosts: FrozenSet[str], found: List[Violation]) -> List[Violation]:
        """Violations of the displayed order that the stored order does not have, mapped back over the
        original characters they show; always blocking (reordering text is itself an evasion)."""
        shown, origin = _bidi.visual(text)
        known = {(v.category, v.term) for v in found}
        extra: List[Violation] = []
        for hit in self._hits(shown, allowed_hosts):
            if (hit.category, hit.term) in known:
                continue
            covered = origin[hit.start:hit.end]
            start, end = min(covered), max(covered) + 1
            extra.append(Violation(hit.category, hit.term, start, end, "block", text[start:end], None, hit.rule_id))
        return extra

    def _term_hits(self, norm: Normalized) -> List[Violation]:
        found: List[Violation] = []
        normalized = norm.text
        folded = norm.folded
        original = norm.original
        # co-occurrence halves by entry id: (its own words' spans, its near words' spans)
        halves: Dict[str, Tuple[List[_Span], List[_Span]]] = {}
        for start, end, (_, key, rules) in self._scan(normalized, norm.view):
            if norm.starts is None:
                o_start, o_end = start, end
            else:
                o_start, o_end = norm.ends[start], norm.ends[end - 1] + 1  # type: ignore[index]
            if _is_latin(key[0]) and o_start > 0 and _is_latin(folded[o_start - 1]):
                continue
            if _is_latin(key[-1]) and o_end < len(folded) and _is_latin(folded[o_end]):
                continue
            for rule in rules:
                contexts = rule.allow_index.get(key)
                if contexts and any(start - offset >= 0 and normalized.startswith(context, start - offset)
                                    for offset, context in contexts):
                    continue
                if rule.word_boundary and not _has_latin(key) \
                        and not _repeats_inside(norm, start, end) \
                        and self._cuts_a_word(norm, o_start, o_end):
                    continue
                if rule.role == "term":
                    found.append(Violation(rule.category, rule.term, o_start, o_end, rule.action,
                                           original[o_start:o_end], rule.replacement, rule.id))
                else:
                    pair = halves.setdefault(rule.parent or rule.id, ([], []))
                    pair[rule.role == "near"].append((start, end, o_start, o_end))
        for entry_id, (terms, nears) in halves.items():
            if terms and nears:
                found.extend(self._pairs(self._cooc[entry_id], terms, nears, original))
        return found

    @staticmethod
    def _pairs(rule: Rule, terms: List[_Span], nears: List[_Span], original: str) -> List[Violation]:
        """One violation per term hit that has a near-word hit within ``rule.within`` normalised
        characters (after it, for ``order: after``); the span covers the term and its *nearest*
        near word and what is between (the nearest, so 返现，加个微信 does not bridge two sentences)."""
        found: List[Violation] = []
        nears = sorted(nears)
        starts = [near[0] for near in nears]
        longest = max(near[1] - near[0] for near in nears)
        for t_start, t_end, o_start, o_end in terms:
            # only near hits starting in [t_start - within - longest, t_end + within] can be close:
            # bisect keeps a text full of both words linear, not quadratic
            first = bisect_left(starts, t_start - rule.within - longest)
            last = bisect_left(starts, t_end + rule.within + 1)
            best: Optional[Tuple[int, int, int]] = None  # (gap, start, end) of the nearest near word
            for n_start, n_end, p_start, p_end in nears[first:last]:
                if (n_start, n_end) == (t_start, t_end):
                    continue
                if rule.order == "after" and not (n_start >= t_start and n_end > t_end):
                    continue
                gap = max(n_start - t_end, t_start - n_end)
                if gap <= rule.within and (best is None or gap < best[0]):
                    best = (gap, min(o_start, p_start), max(o_end, p_end))
            if best is not None:
                a, b = best[1], best[2]
                found.append(Violation(rule.category, rule.term, a, b, rule.action, original[a:b],
                                       rule.replacement, rule.id))
        return found


def _alphabet(ruleset: RuleSet, index: Dict[str, List[Rule]]) -> FrozenSet[str]:
    """Every non-ASCII character matching or a context check can look at: the keys', the
    allowed contexts' and the personal-data order words'. All others fold to a placeholder."""
    strings: List[str] = list(index)
    for rules in index.values():
        for rule in rules:
            for contexts in rule.allow_index.values():
                strings.extend(context for _, context in contexts)
    strings.append(_pii.CONTEXT_CHARACTERS)
    return frozenset(ch for string in strings for ch in string if not ch.isascii())


def _resolve_overlaps(hits: List[Violation]) -> Tuple[Violation, ...]:
    """Per category: overlapping blocking hits merge into one span (全网最低 + 最低价 → 全网最低价);
    rewrites and masks keep the leftmost-longest hit. Different categories may overlap."""
    kept: List[Violation] = []
    by_category: Dict[str, List[Violation]] = {}
    for hit in hits:
        by_category.setdefault(hit.category, []).append(hit)
    for group in by_category.values():
        group.sort(key=lambda v: (v.start, -(v.end - v.start)))
        chosen: List[Violation] = []
        for hit in group:
            if chosen and hit.start < chosen[-1].end:
                last = chosen[-1]
                if last.action == "block" and hit.action == "block" and hit.end > last.end:
                    chosen[-1] = replace(last, end=hit.end, matched=last.matched + hit.matched[last.end - hit.start:])
                continue
            chosen.append(hit)
        kept.extend(chosen)
    kept.sort(key=lambda v: (v.start, -(v.end - v.start), v.category))
    return tuple(kept)


def _rewrite(text: str, violations: Sequence[Violation]) -> str:
    """Apply rewrites and masks; where two overlap, the earlier (longer) one wins."""
    parts: List[str] = []
    position = 0
    for violation in violations:
        if violation.start < position:
            continue
        parts.append(text[position:violation.start])
        parts.append(violation.replacement or "")
        position = violation.end
    parts.append(text[position:])
    return "".join(parts)


__all__ = ["Guard", "GuardResult", "Violation", "PASS", "REWRITTEN", "BLOCKED", "SEP"]
