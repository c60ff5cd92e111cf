"""Redaction of log text: no buyer's phone, ID-card or bank-card number, no tracker dump.

Used by Rasa's logging filter (``kefu_rasa/logfilter.py``) and by kefu's own
services, so a failure written to a log never carries a buyer's personal data:
numbers are masked as the guard masks them (138****5678), whole trackers and event
lists (which carry every message of a conversation) are replaced by a marker, and
anything longer than :data:`MAX_LOG_CHARS` is cut.
"""

from __future__ import annotations

import re

MAX_LOG_CHARS = 2000
TRACKER_MARKER = "[tracker omitted: it holds the buyer's messages]"
# A serialised tracker or event list: what Rasa dumps when an action fails.
_TRACKER_DUMP = re.compile(r"""["']?(?:events|latest_message|slots|tracker)["']?\s*[:=]\s*[\[{]""")


# Plain Chinese numerals read as digits one for one (same length, same offsets): buyers type
# 一三八…; the guard's fold already reads full-width digits and financial numerals (壹贰叁).
_CHINESE_NUMERALS = str.maketrans("〇零一二三四五六七八九两幺", "0012345678921")
_NUMERAL_CHARS = frozenset("〇零一二三四五六七八九两幺壹贰貳叁參肆伍陆陸柒捌玖")


def mask_personal_data(text: str) -> str:
    """Mobile, ID-card and bank-card numbers masked in place, everything else as it was.

    The one home of masking a buyer's numbers (console responses, logs, the bot's echoes):
    every separator form (spaces, dashes, dots, slashes, brackets, zero-width and soft-hyphen
    characters), full-width digits, plain and financial Chinese numerals. Only runs of 11+
    digits can match, so ordinary words are never touched."""
    from kefu.guard import _pii
    from kefu.guard._normalize import fold
    from kefu.guard._packs import DETECTORS
    from kefu.guard.enforce import _mask_spans  # the guard's own masking: one home for how a number is masked

    if not isinstance(text, str) or sum(ch.isdigit() or ch in _NUMERAL_CHARS for ch in text) < 11:
        return text
    view = text.translate(_CHINESE_NUMERALS)
    spans = sorted((start, end, mask) for _, start, end, mask in _pii.detect(view, fold(view), frozenset(DETECTORS)))
    return _mask_spans(text, spans)


def redact_log_text(text: str) -> str:
    """What may be written to a log for ``text``."""
    match = _TRACKER_DUMP.search(text)
    if match:
        text = text[: match.start()] + TRACKER_MARKER
    if len(text) > MAX_LOG_CHARS:
        text = text[:MAX_LOG_CHARS] + f" [... {len(text) - MAX_LOG_CHARS} characters cut]"
    return mask_personal_data(text)
