"""The dev sets of the three shops written from the contract (tests/conversations/shops/), through the engine.

No NLU and no guard here (the live suite, tests/live/test_conversation_suite.py, plays them through the
whole stack and records the figures): this is the fast check that the answers built from each shop's
files stay right while the engine changes. The sets were written by someone who had not read the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest

from kefu import replay
from kefu.shop.store import ShopStore, load_shop
from tests.dialogue.conftest import Conversation

ROOT = Path(__file__).resolve().parents[2]
MIN_SHARE = 0.85


@pytest.mark.parametrize("shop", ["kids", "textiles", "cosmetics"])
def test_dev_set_of_each_written_shop(shop: str, tmp_path: Path) -> None:
    shop_dir = ROOT / "tests" / "shops" / shop
    load_shop(shop_dir, tmp_path / "kefu.db")
    store = ShopStore(tmp_path / "kefu.db")
    talks: Dict[str, Conversation] = {}

    def send(sender: str, text: str, metadata: Dict[str, Any]) -> List[dict]:
        talk = talks.setdefault(sender, Conversation(store, product=metadata.get("product_id"),
                                                    order=metadata.get("order_id"),
                                                    platform=metadata.get("platform", "pinduoduo"), shop_dir=shop_dir))
        talk.product = metadata.get("product_id") or talk.product
        talk.say(text)
        return [{"text": message} for message in talk.last.messages]

    score = replay.SuiteScore()
    failures: List[str] = []
    for path in sorted((ROOT / "tests" / "conversations" / "shops" / shop).glob("*.yml")):
        for conversation in replay.load_conversations(path):
            result = replay.replay_conversation(conversation, send, keep_going=True)
            score.add(result)
            if not result.ok:
                failures.append(replay.format_result(result))
    store.close()
    assert score.turns >= 30
    assert score.share >= MIN_SHARE, score.line() + "\n\n" + "\n\n".join(failures)
