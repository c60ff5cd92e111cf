"""Where the assistant gets an order: one interface, the local store or a platform's order API.

Actions ask ``order_source().get(order_id)``; which implementation answers is
the shop's choice in ``shop.yml`` (``order_source:``, see :mod:`kefu.shop.order_source`).
An API source falls back to the local store (imports, events, YAML) when the
platform cannot be reached, so a buyer gets an answer rather than silence.
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Protocol, runtime_checkable

from kefu.masking import mask_order_id
from kefu.orders.transport import OrderSourceError
from kefu.shop.models import Order

logger = logging.getLogger("kefu.orders")


@runtime_checkable
class OrderSource(Protocol):
    """Anything that can look an order up by the number the buyer or the platform gives."""

    def get(self, order_id: str) -> Optional[Order]:
        """The order, or None when the source does not know it. Raises OrderSourceError when it cannot tell."""


class LocalOrderSource:
    """Today's store: shop/orders.yml, ``kefu import`` and 抖店 events, all in SQLite."""

    def __init__(self, store: "object") -> None:
        self.store = store  # a kefu.shop.store.ShopStore (or anything with .order(order_id))

    def get(self, order_id: str) -> Optional[Order]:
        return self.store.order(order_id)  # type: ignore[attr-defined]


class FallbackOrderSource:
    """``primary`` (a platform API) first; ``fallback`` (the local store) when it is unavailable or
    does not know the order (a sample or imported order of another platform)."""

    def __init__(self, primary: OrderSource, fallback: Optional[OrderSource]) -> None:
        self.primary, self.fallback = primary, fallback

    def get(self, order_id: str) -> Optional[Order]:
        try:
            order = self.primary.get(order_id)
        except OrderSourceError as exc:
            if self.fallback is None:
                raise
            logger.warning("order %s: %s; answering from the local store", mask_order_id(order_id), exc)
            return self.fallback.get(order_id)
        if order is None and self.fallback is not None:
            return self.fallback.get(order_id)
        return order


class StoreWithOrderSource:
    """The shop store with its ``order()`` answered by an order source, everything else unchanged:
    what the dialogue engine and actions are handed, so they ask the platform without changing."""

    def __init__(self, store: Any, source: OrderSource) -> None:
        self._store, self._source = store, source

    def order(self, order_id: str) -> Optional[Order]:
        try:
            return self._source.get(order_id)
        except OrderSourceError as exc:  # fallback: none, and the platform is down
            logger.warning("order %s: %s; answering from the local store", mask_order_id(order_id), exc)
            return self._store.order(order_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
