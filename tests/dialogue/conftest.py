"""A real SQLite shop loaded from shop/, the real shop.yml, and a frozen shop clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple
from zoneinfo import ZoneInfo

import pytest

from kefu import replay

from kefu.dialogue import CatalogView, Context, State, Turn, respond
from kefu.handoff.replies import reply as _handoff_text
from kefu.shop.config import load_shop_config
from kefu.shop.store import ShopStore, load_shop

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Tuesday 1 December 2026, 10:00 in Shanghai: before the 16:00 cut-off, in service hours.
TUESDAY_MORNING = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[ShopStore]:
    load_shop(PROJECT_ROOT / "shop", tmp_path / "kefu.db")
    store = ShopStore(tmp_path / "kefu.db")
    yield store
    store.close()


class Conversation:
    """One buyer's conversation against the engine: ``say`` returns what the buyer reads."""

    def __init__(self, store: ShopStore, *, product: Optional[str] = None, order: Optional[str] = None,
                 platform: str = "pinduoduo", now: dt.datetime = TUESDAY_MORNING,
                 shop_dir: Path = PROJECT_ROOT / "shop") -> None:
        self.store, self.product, self.order, self.platform, self.now = store, product, order, platform, now
        self.config = load_shop_config(shop_dir / "shop.yml")
        self.state = State()
        self.turns: List[Turn] = []

    def say(self, text: str, intent: Optional[str] = None, confidence: float = 0.9) -> str:
        ctx = Context(CatalogView.from_store(self.store), self.store, self.config, self.now, self.platform,
                      link_product_id=self.product, link_order_id=self.order, intent=intent, confidence=confidence)
        turn = respond(text, self.state, ctx)
        self.state = turn.state
        self.turns.append(turn)
        return "\n".join(turn.messages)

    @property
    def last(self) -> Turn:
        return self.turns[-1]


@pytest.fixture
def talk(shop: ShopStore) -> Callable[..., Conversation]:
    return lambda **kwargs: Conversation(shop, **kwargs)


def shop_dir(name: str) -> Path:
    """``sample`` is the project's own shop (shop/); the other categories live in tests/shops/<name>."""
    return PROJECT_ROOT / "shop" if name == "sample" else PROJECT_ROOT / "tests" / "shops" / name


@pytest.fixture
def talk_in(tmp_path: Path) -> Iterator[Callable[[str], Conversation]]:
    """A new conversation on a named shop's data (each with its own loaded database)."""
    stores: List[ShopStore] = []

    def start(name: str) -> Conversation:
        db = tmp_path / f"{name}-{len(stores)}.db"
        load_shop(shop_dir(name), db)
        stores.append(ShopStore(db))
        return Conversation(stores[-1], shop_dir=shop_dir(name))

    yield start
    for store in stores:
        store.close()


def handoff_reply(reason: str) -> str:
    """The sentence actions/handoff.py sends for a hand-off ``reason`` (reply ``handoff.<reason>``)."""
    try:
        return _handoff_text(f"handoff.{reason}")
    except KeyError:
        return _handoff_text("handoff.fallback")


def replay_files(shop_dir: Path, files: Iterable[Path], db: Path) -> Tuple[replay.SuiteScore, List[str]]:
    """Replay conversation files through the engine on ``shop_dir``'s data: the score and each failure.

    No NLU and no guard: the fast check that answers built from a shop's files stay right. A hand-off
    reads as the live action's sentence for its reason."""
    load_shop(shop_dir, db)
    store = ShopStore(db)
    talks: Dict[str, Conversation] = {}

    def send(sender: str, text: str, metadata: Dict[str, Any]) -> List[dict]:
        talk = talks.setdefault(sender, Conversation(store, product=metadata.get("product_id"),
                                                    order=metadata.get("order_id"),
                                                    platform=metadata.get("platform", "pinduoduo"), shop_dir=shop_dir))
        talk.product = metadata.get("product_id") or talk.product
        talk.say(text)
        said = [{"text": message} for message in talk.last.messages]
        if talk.last.handoff:  # what actions/handoff.py tells the buyer live (its waiting line left out)
            said.append({"text": handoff_reply(talk.last.handoff)})
        return said

    score = replay.SuiteScore()
    failures: List[str] = []
    try:
        for path in files:
            for conversation in replay.load_conversations(path):
                result = replay.replay_conversation(conversation, send, keep_going=True)
                score.add(result)
                if not result.ok:
                    failures.append(replay.format_result(result))
    finally:
        store.close()
    return score, failures
