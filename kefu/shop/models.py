"""Shop data as frozen value objects.

Rows read from SQLite are turned into these immutable objects so answer
functions can be tested without a database and can never write back by accident.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Dict, Optional, Tuple


class OrderStatus(str, enum.Enum):
    """Order states as a shop back-office shows them (values are what the YAML uses)."""

    UNPAID = "待付款"
    AWAITING_SHIPMENT = "待发货"
    SHIPPED = "已发货"
    DELIVERED = "已签收"
    CANCELLED = "已取消"

    @classmethod
    def parse(cls, value: object) -> "OrderStatus":
        for status in cls:
            if value == status.value or (isinstance(value, str) and value.upper() == status.name):
                return status
        raise ValueError(f"must be one of {', '.join(s.value for s in cls)}")


FIT_NOTES = ("偏大", "偏小", "正常")

# Measurement kinds a size system may declare, with the unit its ranges are written in
# (shop-data-v2.md). Buyers may write any common unit; kefu.dialogue.spans converts.
MEASURE_UNITS: Dict[str, str] = {
    "height": "cm", "weight": "kg", "age": "岁", "foot": "mm", "waist": "cm", "chest": "cm",
    "bed_width": "cm", "volume": "ml", "screen": "寸",
}
NEEDS = ("all", "any")
# Units a shop's own measurement (``custom_measures``) may be written in; a buyer's mm/cm/m (or g/kg, ml/l)
# is converted to it.
CUSTOM_UNITS = ("mm", "cm", "m", "g", "kg", "ml", "l")


@dataclass(frozen=True)
class CustomMeasure:
    """A measurement a size system declares itself: its name (a row key), unit and the buyer's words for it."""

    name: str
    unit: str
    words: Tuple[str, ...]


@dataclass(frozen=True)
class Gift:
    """Something that comes with the order, or a campaign, valid between two dates (inclusive)."""

    text: str
    start: Optional[date] = None
    until: Optional[date] = None

    def valid_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class Product:
    """One listing. ``fit`` is how it runs against its size system: 偏大 / 偏小 / 正常.

    ``category`` is a free label for agents; the engine reads nothing into it. ``size_system``
    names the entry of ``size_systems`` that says what the sizes mean (None: no advice)."""

    id: str
    name: str
    category: str
    price: float
    aliases: Tuple[str, ...] = ()
    fit: str = "正常"
    fit_note: str = ""
    description: str = ""
    size_system: Optional[str] = None
    option_names: Tuple[Tuple[str, str], ...] = ()      # (("color", "色号"), ("size", "容量"))
    facts: Tuple[Tuple[str, str], ...] = ()             # (label, the shop's sentence), in file order
    fact_aliases: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    gifts: Tuple[Gift, ...] = ()

    @property
    def words(self) -> Tuple[str, ...]:
        """Every word that names this product in a buyer's message."""
        return (self.id, self.name) + self.aliases

    def option_name(self, option: str, default: str) -> str:
        return dict(self.option_names).get(option, default)

    def fact(self, label: str) -> Optional[str]:
        return dict(self.facts).get(label)


@dataclass(frozen=True)
class Sku:
    product_id: str
    color: str
    size: str
    stock: int
    restock_date: Optional[date] = None
    price: Optional[float] = None          # None: the product's price
    presale_ships_on: Optional[date] = None  # sold before it is in stock; dispatched on this day

    @property
    def label(self) -> str:
        """黑色/XL, or just the colour or the size when the SKU has one option."""
        return "/".join(part for part in (self.color, self.size) if part)


@dataclass(frozen=True)
class SizeRow:
    """One size of a size system: the measurement ranges (inclusive) that choose it, and its other spellings."""

    size: str
    ranges: Tuple[Tuple[str, Tuple[float, float]], ...] = ()
    aliases: Tuple[str, ...] = ()

    def range(self, kind: str) -> Optional[Tuple[float, float]]:
        return dict(self.ranges).get(kind)

    # Compatibility with size charts of shop data v1.
    @property
    def height_min(self) -> Optional[float]:
        value = self.range("height")
        return value[0] if value else None

    @property
    def foot_min(self) -> Optional[float]:
        value = self.range("foot")
        return value[0] if value else None


@dataclass(frozen=True)
class SizeSystem:
    """What a product's sizes mean and how to choose one. Rows ordered from the smallest size to the largest.

    ``measures``: buyer inputs that can choose a size, in preference order; ``needs``: ``all`` of them
    together, or ``any`` one. No measures: a plain list of sizes (规格), stock only."""

    name: str
    rows: Tuple[SizeRow, ...]
    measures: Tuple[str, ...] = ()
    needs: str = "all"
    note: str = ""
    custom: Tuple[CustomMeasure, ...] = ()

    def custom_measure(self, kind: str) -> Optional[CustomMeasure]:
        """The system's own measurement named ``kind`` (None for a built-in kind)."""
        return next((m for m in self.custom if m.name == kind), None)

    @property
    def category(self) -> str:  # v1 name
        return self.name

    @property
    def sizes(self) -> Tuple[str, ...]:
        return tuple(row.size for row in self.rows)

    @property
    def is_shoes(self) -> bool:  # v1: a chart by foot length
        return self.measures == ("foot",)

    def index(self, size: str) -> Optional[int]:
        try:
            return self.sizes.index(size)
        except ValueError:
            return None

    def row(self, size: str) -> Optional[SizeRow]:
        return next((row for row in self.rows if row.size == size), None)

    def bounds(self, kind: str) -> Optional[Tuple[float, float]]:
        """Lowest and highest value of ``kind`` over the rows (None when no row has it)."""
        ranges = [row.range(kind) for row in self.rows if row.range(kind)]
        if not ranges:
            return None
        return (min(r[0] for r in ranges), max(r[1] for r in ranges))  # type: ignore[index]


SizeChart = SizeSystem  # shop data v1 name


@dataclass(frozen=True)
class TrackingEvent:
    time: datetime
    text: str


@dataclass(frozen=True)
class OrderItem:
    """One line of an order."""

    product_id: str
    color: str = ""
    size: str = ""
    quantity: int = 1
    price: Optional[float] = None

    @property
    def label(self) -> str:
        return "/".join(part for part in (self.color, self.size) if part)


@dataclass(frozen=True)
class Order:
    """An order; ``product_id``/``color``/``size``/``quantity`` are its first line (``items`` has them all)."""

    order_id: str
    status: OrderStatus
    product_id: str
    color: str
    size: str
    quantity: int
    amount: float
    created_at: datetime
    paid_at: Optional[datetime] = None
    shipped_at: Optional[datetime] = None
    courier: Optional[str] = None
    tracking_number: Optional[str] = None
    receiver_name: str = ""
    receiver_phone: str = ""
    receiver_address: str = ""
    province: Optional[str] = None
    events: Tuple[TrackingEvent, ...] = field(default_factory=tuple)  # oldest first, newest last
    items: Tuple[OrderItem, ...] = ()
    freight_insurance: Optional[bool] = None   # None: the shop's default (shop.yml returns.freight_insurance)
    signed_at: Optional[datetime] = None       # 签收时间 as the platform reports it

    def __post_init__(self) -> None:
        if not self.items:
            object.__setattr__(self, "items", (OrderItem(self.product_id, self.color, self.size, self.quantity),))

    @property
    def latest_event(self) -> Optional[TrackingEvent]:
        return self.events[-1] if self.events else None

    @property
    def delivered_at(self) -> Optional[datetime]:
        """签收时间: the recorded one, else the last tracking event of a delivered order."""
        if self.signed_at is not None:
            return self.signed_at
        if self.status is OrderStatus.DELIVERED and self.events:
            return self.events[-1].time
        return None

    def has_freight_insurance(self, shop_default: bool) -> bool:
        return shop_default if self.freight_insurance is None else self.freight_insurance


def order_items_json(order: Order) -> str:
    """An order's lines as the ``items`` column stores them (the YAML loader and the importer alike)."""
    return json.dumps([{"product_id": i.product_id, "color": i.color, "size": i.size, "quantity": i.quantity,
                        "price": i.price} for i in order.items], ensure_ascii=False)
