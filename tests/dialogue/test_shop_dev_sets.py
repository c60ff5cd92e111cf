"""The dev sets of the three shops written from the contract (tests/conversations/shops/), through the engine.

No NLU and no guard here (the live suite, tests/live/test_conversation_suite.py, plays them through the
whole stack and records the figures): this is the fast check that the answers built from each shop's
files stay right while the engine changes. The sets were written by someone who had not read the engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogue.conftest import replay_files

ROOT = Path(__file__).resolve().parents[2]
MIN_SHARE = 0.85


@pytest.mark.parametrize("shop", ["kids", "textiles", "cosmetics"])
def test_dev_set_of_each_written_shop(shop: str, tmp_path: Path) -> None:
    files = sorted((ROOT / "tests" / "conversations" / "shops" / shop).glob("*.yml"))
    score, failures = replay_files(ROOT / "tests" / "shops" / shop, files, tmp_path / "kefu.db")
    assert score.turns >= 30
    assert score.share >= MIN_SHARE, score.line() + "\n\n" + "\n\n".join(failures)
