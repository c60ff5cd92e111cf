"""Redaction of log text: no buyer's phone, ID-card or bank-card number, no tracker dump.

Used by Rasa's logging filter (``kefu_rasa/logfilter.py``) and by kefu's own
services, so a failure written to a log never carries a buyer's personal data:
numbers are masked as the guard masks them (138****5678), whole trackers and event
lists (which carry every message of a conversation) are replaced by a marker, and
anything longer than :data:`MAX_LOG_CHARS` is cut.
"""

from __future__ import annotations

import re

from kefu.masking import mask_personal_data

MAX_LOG_CHARS = 2000
TRACKER_MARKER = "[tracker omitted: it holds the buyer's messages]"
# A serialised tracker or event list: what Rasa dumps when an action fails.
_TRACKER_DUMP = re.compile(r"""["']?(?:events|latest_message|slots|tracker)["']?\s*[:=]\s*[\[{]""")



def redact_log_text(text: str) -> str:
    """What may be written to a log for ``text``."""
    match = _TRACKER_DUMP.search(text)
    if match:
        text = text[: match.start()] + TRACKER_MARKER
    if len(text) > MAX_LOG_CHARS:
        text = text[:MAX_LOG_CHARS] + f" [... {len(text) - MAX_LOG_CHARS} characters cut]"
    return mask_personal_data(text)
