"""Buyer-facing handoff sentences, rendered from ``replies.yml``.

The sentences live in YAML (never in Python) so ``kefu lint`` checks every one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

REPLIES_PATH = Path(__file__).with_name("replies.yml")


@lru_cache(maxsize=1)
def _templates() -> Dict[str, Any]:
    return yaml.safe_load(REPLIES_PATH.read_text(encoding="utf-8"))


def reply(key: str, **values: Any) -> str:
    """Render ``key`` (dotted, e.g. ``"handoff.complain"``); unknown key -> KeyError naming it."""
    node: Any = _templates()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no handoff reply {key!r} in {REPLIES_PATH.name}")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"handoff reply {key!r} is not a sentence")
    return node.format(**values) if values else node.replace("{wait}", "")
