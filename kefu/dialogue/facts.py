"""Product facts the shop states as data (placeholder: the catalog work of issue 17 replaces this module).

``answer_fact`` answers one clause about the product itself (material, 起球, 缩水, care, origin,
gifts, international delivery ...) from the shop's data, or returns None when the data does not
say: the engine then answers honestly that it will find out, and records a task.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from kefu.shop.config import ShopConfig
from kefu.shop.models import Product


def answer_fact(clause: str, product: Optional[Product], shop: ShopConfig, today: dt.date) -> Optional[str]:
    """The shop's answer to a product question, or None when the shop's data does not hold it."""
    return None
