"""The sentences kefu's channels send on their own (``kefu/edge/replies.yml``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

REPLIES_PATH = Path(__file__).with_name("replies.yml")


@lru_cache(maxsize=1)
def _replies() -> Dict[str, str]:
    data = yaml.safe_load(REPLIES_PATH.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{REPLIES_PATH}: expected a mapping of names to sentences")
    return data


def reply(name: str, **values: object) -> str:
    """The named sentence with ``{placeholders}`` filled."""
    return _replies()[name].format(**values)
