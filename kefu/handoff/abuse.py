"""Insults and threats in buyer messages (the lexicon in ``abuse.yml``).

Matching reuses the guard's machinery: the guard's normaliser (so ``12 315``,
``消 协``, ``曝-光``, full-width digits and traditional characters are caught)
and a pyahocorasick automaton, built once per lexicon on first use, never at
import. Spans are mapped back to the original text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml
from kefu.guard import normalize

LEXICON_PATH = Path(__file__).with_name("abuse.yml")
KINDS = ("threat", "insult")  # order = precedence when both occur in one message
MAX_TEXT_CHARS = 5000  # longer buyer messages are scanned up to this point

Span = Callable[[int, int], Tuple[int, int]]
# text -> (normalised text, span mapper: normalised [start, end) -> original [start, end))
Normaliser = Callable[[str], Tuple[str, Span]]


@dataclass(frozen=True)
class AbuseHit:
    kind: str  # "insult" | "threat"
    term: str  # the lexicon term
    start: int  # span in the original text
    end: int


class LexiconError(ValueError):
    """abuse.yml is malformed (the message names the file and the entry)."""


def _local_normalise(text: str) -> Tuple[str, Span]:
    """NFKC + case folding, separators dropped (used only when the guard is absent)."""
    chars: List[str] = []
    offsets: List[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower()
        for piece in folded:
            category = unicodedata.category(piece)
            if piece.isspace() or category[0] in ("P", "S", "Z", "C"):
                continue
            chars.append(piece)
            offsets.append(index)
    return "".join(chars), lambda start, end: (offsets[start], offsets[end - 1] + 1)


def _guard_normalise(text: str) -> Tuple[str, Span]:
    normalized = normalize(text)
    return normalized.text, normalized.span


@lru_cache(maxsize=1)
def guard_normaliser() -> Normaliser:
    """The guard's normaliser when the guard provides one, else a compatible local one."""
    try:
        from kefu.guard import normalize  # noqa: F401  (the guard's own pipeline)
    except ImportError:
        return _local_normalise
    return _guard_normalise


def load_lexicon(path: Path = LEXICON_PATH) -> Dict[str, List[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: cannot read abuse lexicon: {exc}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping of kind -> list of terms")
    lexicon: Dict[str, List[str]] = {}
    for kind, terms in data.items():
        if kind not in KINDS:
            raise LexiconError(f"{path}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        if not isinstance(terms, list) or not all(isinstance(t, (str, int)) and str(t).strip() for t in terms):
            raise LexiconError(f"{path}: {kind}: every entry must be a non-empty term")
        lexicon[kind] = [str(t) for t in terms]
    return lexicon


class AbuseLexicon:
    """Finds lexicon terms in buyer text. Build with :meth:`default` (cached) or from a path."""

    def __init__(self, lexicon: Dict[str, Sequence[str]], normaliser: Optional[Normaliser] = None) -> None:
        import ahocorasick  # lazy: the automaton is built here, not at import

        self._normalise = normaliser or guard_normaliser()
        self._automaton = ahocorasick.Automaton()
        for kind, terms in lexicon.items():
            for term in terms:
                key, _ = self._normalise(term)
                if key:
                    self._automaton.add_word(key, (kind, term, len(key)))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    @classmethod
    def from_path(cls, path: Path = LEXICON_PATH) -> "AbuseLexicon":
        return cls(load_lexicon(path))

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> "AbuseLexicon":
        return AbuseLexicon.from_path(LEXICON_PATH)

    def scan(self, text: object) -> List[AbuseHit]:
        """Every lexicon hit in ``text`` (empty for non-strings and clean text)."""
        if not isinstance(text, str) or not text or self._empty:
            return []
        text = text[:MAX_TEXT_CHARS]
        normalised, span = self._normalise(text)
        hits: List[AbuseHit] = []
        for end_index, (kind, term, length) in self._automaton.iter(normalised):
            start, end = span(end_index - length + 1, end_index + 1)
            hits.append(AbuseHit(kind, term, start, end))
        return sorted(set(hits), key=lambda hit: (hit.start, -hit.end))

    def kind(self, text: object) -> Optional[str]:
        """``"threat"`` or ``"insult"`` (threat wins when both occur), else None."""
        found = {hit.kind for hit in self.scan(text)}
        for kind in KINDS:
            if kind in found:
                return kind
        return None
