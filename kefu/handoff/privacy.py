"""Buyers' phone, ID-card and bank-card numbers masked in everything the console shows.

The detection is the guard's (``Guard.check`` reports every personal-data span
with its mask, ``138****5678``), so the console and outgoing messages agree on
what counts as a number: full-width digits, spaces and dashes, financial
numerals (壹贰叁). Buyers also type plain Chinese numerals (一三八…), which
the guard leaves alone in outgoing text because 第一/唯一 are words; here they
are read as digits one for one (same length, same offsets) before detection,
so 一三八一二三四五六七八 is masked too. Only runs of 11+ digits can match,
so ordinary words are never touched.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from kefu.guard import Guard, GuardError

PERSONAL_DATA = "personal_data"
# The platform whose pack is used for detection: every pack has the same detectors.
DETECTION_PLATFORM = "pinduoduo"
_CHINESE_NUMERALS = str.maketrans("〇零一二三四五六七八九两幺", "0012345678921")


def _spans(text: str) -> List[Tuple[int, int, str]]:
    view = text.translate(_CHINESE_NUMERALS)
    try:
        result = Guard.for_platform(DETECTION_PLATFORM).check(view)
    except GuardError:
        return []
    return sorted((v.start, v.end, v.replacement or "****") for v in result.violations if v.category == PERSONAL_DATA)


def mask_text(text: str) -> str:
    """``text`` with every personal-data number replaced by its mask; everything else verbatim."""
    if not isinstance(text, str) or sum(ch.isdigit() or ch in "〇零一二三四五六七八九两幺" for ch in text) < 11:
        return text
    parts: List[str] = []
    position = 0
    for start, end, mask in _spans(text):
        if start < position:
            continue
        parts += [text[position:start], mask]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def mask_data(value: Any) -> Any:
    """Every string inside ``value`` (dicts, lists, nested) masked; other values as they are."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(item) for item in value]
    return value

