"""The sentences kefu's channels send on their own (``kefu/edge/replies.yml``)."""

from __future__ import annotations

from pathlib import Path

from kefu.texts import load_texts

REPLIES_PATH = Path(__file__).with_name("replies.yml")


def reply(name: str, **values: object) -> str:
    """The named sentence with ``{placeholders}`` filled."""
    return load_texts(REPLIES_PATH)[name].format(**values)
