"""Shop data as frozen value objects.

Rows read from SQLite are turned into these immutable objects so answer
functions can be tested without a database and can never write back by accident.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional, Tuple


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


@dataclass(frozen=True)
class Product:
    """One listing. ``fit`` is how it runs against the size chart: 偏大 / 偏小 / 正常."""

    id: str
    name: str
    category: str
    price: float
    aliases: Tuple[str, ...] = ()
    fit: str = "正常"
    fit_note: str = ""
    description: str = ""

    @property
    def words(self) -> Tuple[str, ...]:
        """Every word that names this product in a buyer's message."""
        return (self.id, self.name) + self.aliases


@dataclass(frozen=True)
class Sku:
    product_id: str
    color: str
    size: str
    stock: int
    restock_date: Optional[date] = None


@dataclass(frozen=True)
class SizeRow:
    """One size of a chart: clothing rows use height/weight ranges, shoe rows foot length."""

    size: str
    height_min: Optional[float] = None
    height_max: Optional[float] = None
    weight_min: Optional[float] = None
    weight_max: Optional[float] = None
    foot_min: Optional[float] = None
    foot_max: Optional[float] = None


@dataclass(frozen=True)
class SizeChart:
    """Rows ordered from the smallest size to the largest."""

    category: str
    rows: Tuple[SizeRow, ...]

    @property
    def sizes(self) -> Tuple[str, ...]:
        return tuple(row.size for row in self.rows)

    @property
    def is_shoes(self) -> bool:
        return any(row.foot_min is not None for row in self.rows)

    def index(self, size: str) -> Optional[int]:
        try:
            return self.sizes.index(size)
        except ValueError:
            return None


@dataclass(frozen=True)
class TrackingEvent:
    time: datetime
    text: str


@dataclass(frozen=True)
class Order:
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

    @property
    def latest_event(self) -> Optional[TrackingEvent]:
        return self.events[-1] if self.events else None

    @property
    def delivered_at(self) -> Optional[datetime]:
        """Time of the last tracking event of a delivered order (the signature)."""
        if self.status is OrderStatus.DELIVERED and self.events:
            return self.events[-1].time
        return None
