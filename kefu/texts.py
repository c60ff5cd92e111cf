"""Reading the YAML files that hold kefu's customer-facing sentences: the one loader.

Every sentence a buyer can see lives in a ``replies.yml``/``texts.yml`` next to the code that
sends it (never in Python), so ``kefu lint`` checks each one against every platform's rules.
This module reads such a file once per process and says which file is wrong when it is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml


@lru_cache(maxsize=None)
def load_texts(path: Path, flat: bool = True) -> Dict[str, Any]:
    """The mapping in ``path`` (read once). ``flat``: every value must be a sentence (a string)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of names to sentences")
    if flat and not all(isinstance(value, str) for value in data.values()):
        raise ValueError(f"{path}: every entry must be name: sentence")
    return {str(key): value for key, value in data.items()}


def text(path: Path, key: str) -> str:
    """The sentence ``key`` of ``path``; a dotted key walks nested mappings. Unknown -> KeyError naming both."""
    node: Any = load_texts(path, flat=False)
    if key in node:
        node = node[key]
    else:
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no reply {key!r} in {Path(path).name}")
            node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"reply {key!r} in {Path(path).name} is not a sentence")
    return node
