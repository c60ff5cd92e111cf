"""What the kefu actions share: the shop store, the shop config and the clock.

rasa-sdk creates one instance of every action at start-up and shares it between
conversations, so the dependencies are opened lazily on first use (nothing is
read at import) and never hold per-conversation state. Tests hand in their own
store, config and a fixed clock through ``__init__``, the way rasa-sdk's
``ActionQueryKnowledgeBase`` takes its knowledge base.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Text
from zoneinfo import ZoneInfo

import yaml

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction

from kefu.settings import Settings
from kefu.shop.config import ShopConfig, load_shop_config
from kefu.shop.models import Order, Product
from kefu.shop.store import ShopStore

Clock = Callable[[], dt.datetime]
log = logging.getLogger(__name__)
SHOP_TIMEZONE = ZoneInfo("Asia/Shanghai")

_shared_store: Optional[ShopStore] = None
_shared_lock = threading.Lock()


def shared_store() -> ShopStore:
    """The one store of the action server (loads ``shop/`` into SQLite when it changed)."""
    global _shared_store
    with _shared_lock:
        if _shared_store is None:
            _shared_store = ShopStore.from_settings()
        return _shared_store


def shop_now() -> dt.datetime:
    return dt.datetime.now(SHOP_TIMEZONE)


class ShopDependencies:
    """Mixin giving an action ``self.store``, ``self.config`` and ``self.now()``."""

    def __init__(
        self,
        store: Optional[ShopStore] = None,
        clock: Optional[Clock] = None,
        config: Optional[ShopConfig] = None,
    ) -> None:
        super().__init__()
        self._store = store
        self._clock = clock
        self._config = config

    @property
    def store(self) -> ShopStore:
        return self._store if self._store is not None else shared_store()

    @property
    def config(self) -> ShopConfig:
        if self._config is not None:
            return self._config
        return load_shop_config(Settings.from_env().shop_config_path)  # cached per mtime

    def now(self) -> dt.datetime:
        return self._clock() if self._clock is not None else shop_now()

    # -- conversation context ---------------------------------------------------
    def current_product(self, tracker: Tracker) -> Optional[Product]:
        product_id = tracker.get_slot("product_id")
        return self.store.product(product_id) if product_id else None

    def current_order(self, tracker: Tracker) -> Optional[Order]:
        order_id = tracker.get_slot("order_id")
        return self.store.order(order_id) if order_id else None

    def before_answer(self, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
        """Questions the shop wants a person to answer go to ``action_handoff`` unanswered.

        shop.yml ``handoff:`` names products whose questions always go to a person,
        and a refund amount above which return/refund questions do (kefu.handoff.triggers).
        """
        from kefu.handoff.triggers import HandoffRules, shop_rule_trigger

        try:
            rules = HandoffRules.from_section(self.config.handoff)
        except ValueError as exc:  # a broken section must not stop first-line answers
            log.warning("ignoring shop handoff rules: %s", exc)
            return None
        if not rules.products and rules.refund_amount_above is None:
            return None
        order = self.current_order(tracker) if rules.refund_amount_above is not None else None
        trigger = shop_rule_trigger(
            rules,
            intent=latest_intent(tracker),
            product_id=tracker.get_slot("product_id"),
            order_amount=float(order.amount) if order is not None and order.amount is not None else None,
        )
        return [FollowupAction("action_handoff")] if trigger else None


def latest_metadata(tracker: Tracker) -> Dict[Text, Any]:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def latest_text(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text") or ""
    return text if isinstance(text, str) else ""


def latest_intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Raw values of one entity type in the latest message, in order."""
    values = []
    for item in (tracker.latest_message or {}).get("entities") or []:
        if item.get("entity") == entity and item.get("value") not in (None, ""):
            values.append(str(item["value"]))
    return values


# -- sentences of the dialogue actions (actions/texts.yml) ------------------------------
TEXTS_PATH = Path(__file__).with_name("texts.yml")
_texts: Optional[Dict[str, str]] = None


def texts() -> Dict[str, str]:
    """All sentences of actions/texts.yml, read once on first use."""
    global _texts
    with _shared_lock:
        if _texts is None:
            data = yaml.safe_load(TEXTS_PATH.read_text(encoding="utf-8")) or {}
            _texts = {str(key): str(value) for key, value in data.items()}
        return _texts


def text(key: str, **values: Any) -> str:
    """The sentence ``key`` with its placeholders filled (KeyError for an unknown key: a bug)."""
    return texts()[key].format(**values)


EXAMPLE_PRODUCTS = 3


def ask_product_text(store: ShopStore) -> str:
    """Which product? with a few of the shop's product names as examples."""
    from kefu.shop.answers import reply

    names = [product.name for product in store.products()[:EXAMPLE_PRODUCTS]]
    return reply("common.ask_product", examples=reply("common.list_separator").join(names))
