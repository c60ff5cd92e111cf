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

from kefu.settings import Settings
from kefu.shop.config import ShopConfig, load_shop_config
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
    """The shop clock (kefu.clock: frozen by KEFU_CLOCK in replayed tests)."""
    from kefu import clock

    return clock.now(str(SHOP_TIMEZONE))


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
