"""Buyer-facing handoff sentences, rendered from ``replies.yml``.

The sentences live in YAML (never in Python) so ``kefu lint`` checks every one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kefu.texts import text

REPLIES_PATH = Path(__file__).with_name("replies.yml")


def reply(key: str, **values: Any) -> str:
    """Render ``key`` (dotted, e.g. ``"handoff.complain"``); unknown key -> KeyError naming it."""
    node = text(REPLIES_PATH, key)
    return node.format(**values) if values else node.replace("{wait}", "")
