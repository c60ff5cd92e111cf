"""Buyer ids as they arrive (nicknames, spaces, emoji) -> ids safe in URLs, SQL and logs.

Rasa uses the sender id in URL paths (``/conversations/<id>/...``) that Sanic does
not unquote, so an id that needs percent-encoding strands its conversation. Every
edge maps the raw id once, deterministically, so the web app, the console and the
channels agree without a lookup table.
"""

from __future__ import annotations

import hashlib
import re

SAFE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
HASHED_PREFIX = "b-"
HASHED_ID = re.compile(r"b-[0-9a-f]{32}")


def safe_conversation_id(raw: str) -> str:
    """``raw`` itself when it is plain ASCII (letters, digits, ``_ . : -``, ≤64), else ``b-`` + 32 hex digits.

    Idempotent: an id this function produced maps to itself, so the web app can map
    a buyer once and the channel mapping it again reaches the same conversation."""
    if HASHED_ID.fullmatch(raw) or (SAFE_ID.fullmatch(raw) and not raw.startswith(HASHED_PREFIX)):
        return raw
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
    return HASHED_PREFIX + digest[:32]
