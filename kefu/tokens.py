"""Constant-time comparison of secrets, tokens, CSRF values and signatures: one home.

``hmac.compare_digest`` refuses a ``str`` with any non-ASCII character (``TypeError``),
so a hostile ``?secret=\\x80`` would become a 500 wherever it is called on text. Here
both sides are encoded first (lone surrogates included), and an empty or missing value
never matches.
"""

from __future__ import annotations

import hmac
from typing import Optional


def _raw(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


def same_secret(presented: Optional[object], expected: Optional[object]) -> bool:
    """True when both are given and equal, compared in constant time."""
    if presented is None or expected is None or presented == "" or expected == "" or presented == b"" or expected == b"":
        return False
    return hmac.compare_digest(_raw(presented), _raw(expected))
