"""Normalisation that keeps offsets: every normalised character knows where it came from.

Evasions insert decorations between characters (微❤信, 淘-宝, wei xin), switch
to full width (ｖｘ), traditional characters (支付寶), other digit forms (①,
壹, ₁) or repeat characters (最最好). Matching runs on a normalised copy; each
normalised character keeps the index of the first and last original character
it stands for, so a hit maps back to its exact span in the original text.

Two passes, both built from cached ``str.translate`` tables (no per-character
Python work for the common case):

1. *fold* maps every character to exactly one character (full width → half
   width, A-Z → a-z, traditional → simplified, digit forms → 0-9, 您 → 你) or
   to ``SEP`` for separators (spaces, punctuation, symbols, emoji, marks). The
   folded text has the original's length, so it shares its offsets; the
   personal-data detectors run on it.
2. *squeeze* drops the ``SEP`` characters and collapses runs of one repeated
   CJK character (digits and Latin letters are never collapsed: 100, QQ).

A guard folds with its own table (:func:`folding_table`): every non-ASCII
character that occurs in none of its terms, allowed contexts or detector words
folds to ``PLACEHOLDER``, in the same translate pass, so the automaton scans
one byte where a CJK character would cost three (see ``Normalized.view``).

``Normalized.view`` is the normalised text as UTF-8 bytes, one latin-1
character per byte (the text itself when it is ASCII). The guard's automaton is
built over its keys' bytes the same way: pyahocorasick looks a node's children
up linearly, and by bytes the root has ~25 children instead of ~224 CJK ones.
:func:`char_hits` maps hits' byte spans back to characters.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

SEP = "\x00"
# What a guard folds characters in none of its terms to: one byte in the view, never in a key.
PLACEHOLDER = "\x01"
# Characters that are punctuation/symbols by Unicode category but carry meaning in terms.
KEPT_SYMBOLS = frozenset("%")
# Financial and other Chinese digit forms mapped to ASCII digits. 一二三 stay (第一, 唯一).
CHINESE_DIGITS = {"零": "0", "〇": "0", "壹": "1", "贰": "2", "貳": "2", "叁": "3", "參": "3", "肆": "4",
                  "伍": "5", "陆": "6", "陸": "6", "柒": "7", "捌": "8", "玖": "9"}
# Forms of address folded together so one term covers both (你问我 / 您问我); plus signs read
# as 加, as sellers write them (+V, ➕薇芯, ＋q: "add me on ...").
EQUIVALENT = {"您": "你", "+": "加", "＋": "加", "➕": "加", "﹢": "加"}
_CJK_REPEAT = re.compile(r"([\u3400-\u9fff])\1+")
_KEPT_RUN = re.compile("[^" + SEP + "]+")


@lru_cache(maxsize=1)
def _opencc_table() -> Dict[str, str]:
    """Traditional → simplified, one character to one character (opencc's TSCharacters)."""
    try:
        import opencc  # only for the location of its data file
    except ImportError:  # pragma: no cover - the dependency is pinned
        return {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: Dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                target = parts[1].split(" ")[0]
                if len(target) == 1 and target != parts[0]:
                    table[parts[0]] = target
    return table


# Scripts whose letters may stand in for ASCII ones: Unicode's confusables data maps them.
_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "LATIN", "COPTIC", "ARMENIAN", "CHEROKEE", "MATHEMATICAL",
                      "FULLWIDTH", "CIRCLED", "PARENTHESIZED", "SQUARED", "NEGATIVE", "MODIFIER", "SMALL CAPITAL")


@lru_cache(maxsize=1)
def _confusables() -> Dict[str, str]:
    """Look-alike letter → the ASCII letter or digit it imitates (е → e, Τ → t, ο → o).

    Built once, on first use, from Unicode's confusables data (``confusables.json`` shipped
    in the confusable-homoglyphs package; nothing is downloaded). Only single characters of
    alphabetic scripts are taken, never CJK; where one character imitates both a letter and a
    digit (ο / 0) the letter wins, since pack terms are words.
    """
    try:
        import confusable_homoglyphs
    except ImportError:  # pragma: no cover - the dependency is pinned
        return {}
    path = Path(confusable_homoglyphs.__file__).parent / "confusables.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    table: Dict[str, str] = {}
    targets = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"] + list("0123456789")
    for target in targets:  # letters first: they win over digits
        for entry in data.get(target, ()):
            ch = entry.get("c", "")
            if len(ch) != 1 or ch.isascii() or ch in table or "\u2e80" <= ch <= "\u9fff":
                continue
            name = unicodedata.name(ch, "")
            if name.startswith(_LOOKALIKE_SCRIPTS):
                # Unicode's prototype of I is l: a capital look-alike (Greek Ι, 𝐈) stands for I,
                # which the fold lowercases to i; small ones (ℓ, 𝐥) stand for l
                table[ch] = "i" if target == "l" and ch.isupper() else target.lower()
    return table


_ENCLOSED_NAME = re.compile(r"^(?:NEGATIVE )?(?:CIRCLED|SQUARED|PARENTHESIZED) LATIN (?:CAPITAL|SMALL) LETTER ([A-Z])$")


def _enclosed_letter(ch: str) -> str:
    """The letter an enclosed form stands for: NFKC where it gives one letter in brackets at
    most (Ⓠ → Q, ⒯ → (t)), else the character's name (🅣 NEGATIVE CIRCLED ... LETTER T has no
    decomposition). ™ (NFKC "TM") and ℡ ("TEL") are words, not one enclosed letter: ""."""
    folded = unicodedata.normalize("NFKC", ch).strip("()")
    if len(folded) == 1 and folded.isascii() and folded.isalnum():
        return folded.lower()
    match = _ENCLOSED_NAME.match(unicodedata.name(ch, ""))
    return match.group(1).lower() if match else ""


class _FoldTable(dict):
    """A ``str.translate`` table filled lazily: each code point is classified once, then cached."""

    def __init__(self, traditional: Dict[str, str], alphabet: Optional[FrozenSet[str]] = None) -> None:
        super().__init__()
        self._traditional = traditional
        self._alphabet = alphabet

    def __missing__(self, code: int) -> str:
        value = self._fold(chr(code))
        if self._alphabet is not None and value != SEP and not value.isascii() and value not in self._alphabet:
            value = PLACEHOLDER
        self[code] = value
        return value

    def _fold(self, ch: str) -> str:
        if ch in CHINESE_DIGITS:
            return CHINESE_DIGITS[ch]
        if ch in EQUIVALENT:
            return EQUIVALENT[ch]
        if ch in self._traditional:
            ch = self._traditional[ch]
            return EQUIVALENT.get(ch, ch)
        if "\u4e00" <= ch <= "\u9fff":
            return ch
        if ch in KEPT_SYMBOLS:
            return ch
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:  # full width → ASCII
            ch = chr(code - 0xFEE0)
            if ch in KEPT_SYMBOLS:
                return ch
        if ch.isascii():
            if ch.isalnum():
                return ch.lower()
            return SEP
        lookalike = _confusables().get(ch)
        if lookalike is not None:  # Cyrillic/Greek/Latin look-alikes (Тaobao, ΤΜall) → ASCII
            return lookalike
        category = unicodedata.category(ch)
        if category[0] == "L":  # Latin letters with diacritics: toned pinyin zuì → zui
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            if len(base) == 1 and base.isascii() and base.isalpha():
                return base.lower()
        if category == "So":  # enclosed alphanumerics Ⓠ ⓐ ⒯ 🄰 🅣 → q a t a t (™ ℡ stay symbols)
            enclosed = _enclosed_letter(ch)
            if enclosed:
                return enclosed
        if category == "Nd" or category == "No":  # ₁ ① ⑴ ⒈ ❶ ¹
            digits = [c for c in unicodedata.normalize("NFKC", ch) if c.isdigit()]
            if len(digits) == 1:
                return digits[0]
            value = unicodedata.digit(ch, None)
            if value is not None:
                return str(value)
            return ch
        if category[0] in "PSZCM":  # punctuation, symbols/emoji, spaces, controls, marks
            return SEP
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1:
            return folded.lower() if folded.isascii() else folded
        return ch


@lru_cache(maxsize=1)
def fold_table() -> _FoldTable:
    """The shared fold table (built on first use, never at import)."""
    return _FoldTable(_opencc_table())


def folding_table(alphabet: Iterable[str]) -> _FoldTable:
    """A guard's own fold table: like :func:`fold_table`, but non-ASCII characters outside
    ``alphabet`` (the characters of its normalised terms and contexts) fold to ``PLACEHOLDER``.

    Matching cannot tell them apart anyway (no key contains them), and the automaton then
    scans one byte for them instead of three. ASCII always folds as usual (Latin-word
    boundaries and the personal-data detectors read it).
    """
    return _FoldTable(_opencc_table(), frozenset(alphabet))


def fold(text: str) -> str:
    """One character per original character; separators become ``SEP``."""
    return text.translate(fold_table())


@dataclass(frozen=True)
class Normalized:
    """A normalised text and, per normalised character, its first and last original index.

    ``view`` is ``text`` as UTF-8 bytes, one latin-1 character per byte (``text``
    itself when ASCII): what the guard's byte automaton scans. Built here, once per
    check, so matching never encodes twice.
    """

    original: str
    folded: str
    text: str
    starts: Optional[List[int]]  # None when text == folded (identity mapping)
    ends: Optional[List[int]]
    view: str

    def span(self, start: int, end: int) -> "tuple[int, int]":
        """Original span ``[a, b)`` of normalised span ``[start, end)``."""
        if self.starts is None:
            return start, end
        return self.starts[start], self.ends[end - 1] + 1  # type: ignore[index]


def byte_view(text: str) -> str:
    """``text`` as UTF-8 bytes, one latin-1 character per byte (``text`` itself when ASCII)."""
    return text if text.isascii() else text.encode("utf-8", "surrogatepass").decode("latin-1")


def normalize(text: str, keep_doubled: FrozenSet[str] = frozenset(),
              table: Optional[_FoldTable] = None) -> Normalized:
    """Fold, drop separators and collapse repeated CJK characters, keeping offsets.

    Characters in ``keep_doubled`` collapse to two, not one: 扣扣 (QQ), 旺旺 and
    拼多多 are words, and collapsing them to one character would make 扣 match 折扣.
    ``table`` is a guard's :func:`folding_table` (default: the plain fold).
    """
    folded = text.translate(table if table is not None else fold_table())
    if SEP not in folded and not _CJK_REPEAT.search(folded):
        return Normalized(text, folded, folded, None, None, byte_view(folded))
    starts: List[int] = []
    for run in _KEPT_RUN.finditer(folded):
        starts.extend(range(run.start(), run.end()))
    squeezed = folded.replace(SEP, "")
    ends = starts
    if _CJK_REPEAT.search(squeezed):
        chars: List[str] = []
        new_starts: List[int] = []
        new_ends: List[int] = []
        previous = ""
        run = 0
        for ch, origin in zip(squeezed, starts):
            if ch == previous and "\u3400" <= ch <= "\u9fff":
                run += 1
                if not (run == 2 and ch in keep_doubled):
                    new_ends[-1] = origin
                    continue
            else:
                run = 1
            chars.append(ch)
            new_starts.append(origin)
            new_ends.append(origin)
            previous = ch
        squeezed = "".join(chars)
        return Normalized(text, folded, squeezed, new_starts, new_ends, byte_view(squeezed))
    return Normalized(text, folded, squeezed, starts, ends, byte_view(squeezed))


# bytes.translate table: 1 for a UTF-8 continuation byte (10xxxxxx), 0 for a byte that starts a character.
_CONTINUATION = bytes(1 if 0x80 <= byte <= 0xBF else 0 for byte in range(256))


def char_hits(view: str, hits: Iterable[Tuple[int, Tuple[Any, ...]]]) -> List[Tuple[int, int, Tuple[Any, ...]]]:
    """Map automaton hits on a byte ``view`` to character spans in the text it encodes.

    Each hit is ``(index of its last byte, value)`` where ``value[0]`` is the key's length
    in bytes and ``value[1]`` the key itself (as the guard's automaton stores them); returns
    ``(start, end, value)`` in characters, in the hits' order. A hit that starts or ends
    inside a character (on a UTF-8 continuation byte) is dropped: with well-formed UTF-8
    keys it cannot occur, and it is checked rather than assumed.

    Characters before a byte offset = bytes before it that are not continuation bytes.
    One ``bytes.translate`` marks them (C speed, only for texts with hits); a cursor then
    counts marks between consecutive hit ends, so all hits of one text cost O(length)
    together. The start is the end minus the key's length: the bytes matched are the key's.
    """
    size = len(view)
    marks = view.encode("latin-1").translate(_CONTINUATION)
    cursor_byte = cursor_char = 0
    found = []
    for last, value in hits:
        end = last + 1
        start = end - value[0]
        if start < 0 or end > size or marks[start] or (end < size and marks[end]):
            continue
        if end >= cursor_byte:
            cursor_char += end - cursor_byte - marks.count(1, cursor_byte, end)
        else:
            cursor_char -= cursor_byte - end - marks.count(1, end, cursor_byte)
        cursor_byte = end
        found.append((cursor_char - len(value[1]), cursor_char, value))
    return found


def normalize_term(term: str, keep_doubled: FrozenSet[str] = frozenset()) -> str:
    """The key a pack term is stored under: the same pipeline as message text."""
    return normalize(term, keep_doubled).text


def doubled_characters(strings: Iterable[str]) -> FrozenSet[str]:
    """CJK characters that appear doubled inside pack terms (扣扣, 旺旺, 多多)."""
    found = set()
    for string in strings:
        for match in _CJK_REPEAT.finditer(fold(string).replace(SEP, "")):
            found.add(match.group(1))
    return frozenset(found)
