"""The shop's own settings (``shop/shop.yml``): shipping, returns, invoices, coupons, hours.

Policies live in the file a shop operator edits, not in code, so every answer
the assistant gives about them follows the shop's real rules. The file is
parsed into a frozen :class:`ShopConfig`, cached per path and modification time.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from kefu.platforms import canonical_platform
from kefu.settings import PLATFORMS, Settings
from kefu.shop.models import Gift
from kefu.shop.order_source import OrderSourceConfigError, validate_order_source
from kefu.shop.schema import TIMEZONE, ShopFile
from kefu.shop.validation import ShopDataError, display_path, read_yaml, validate


@dataclass(frozen=True)
class Coupon:
    """A shop coupon the assistant may mention: ``amount`` off orders of at least ``threshold``."""

    name: str
    amount: float
    threshold: float = 0.0
    valid_until: Optional[dt.date] = None
    how_to_get: str = ""

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class InvoicePolicy:
    """Which invoices the shop issues and how (platform rules: a buyer's request may not be refused)."""

    types: Tuple[str, ...]
    electronic: bool
    paper: bool
    issued_within_days: int
    issued_after: str = "确认收货"
    special_requires: Tuple[str, ...] = ()
    paper_delivery: str = ""


@dataclass(frozen=True)
class ShopConfig:
    name: str
    default_platform: str
    couriers: Tuple[str, ...]
    default_courier: str
    ship_within_hours: int
    cutoff: dt.time
    weekend_shipping: Dict[str, bool]
    warehouse_province: str
    delivery_days: Dict[str, Tuple[int, int]]
    default_delivery_days: Tuple[int, int]
    return_window_days: int
    return_shipping: Dict[str, str]
    freight_insurance: bool
    invoice: InvoicePolicy
    coupons: Tuple[Coupon, ...]
    service_hours: Tuple[dt.time, dt.time]
    handoff: Dict[str, Any]
    timezone: str = TIMEZONE
    remote_provinces: Tuple[str, ...] = ()
    refund_days: Tuple[int, int] = (1, 3)
    low_stock_threshold: int = 3
    # 包邮: free shipping except to these provinces, which pay ``free_shipping_except_fee`` yuan.
    free_shipping: bool = False
    free_shipping_except: Tuple[str, ...] = ()
    free_shipping_except_fee: float = 0.0
    # Couriers a buyer may ask for instead of the default, with the extra charge per order (yuan).
    courier_surcharge: Dict[str, float] = field(default_factory=dict)
    presale: bool = False
    # Delivery abroad: False (not offered, the generic sentence), True, or the shop's own sentence.
    international: Any = None  # unset: the shop has not said, so the bot does not either
    campaigns: Tuple[Gift, ...] = ()
    late_shipment_compensation: str = ""
    # Platforms the shop sells on (``platforms:``): the guard lints the shop's texts for each.
    platforms: Tuple[str, ...] = PLATFORMS
    source: str = field(default="", compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def days_to(self, province: Optional[str]) -> Tuple[int, int]:
        """Delivery days (min, max) after dispatch to ``province`` (short name, e.g. 新疆)."""
        if province and province in self.delivery_days:
            return self.delivery_days[province]
        return self.default_delivery_days

    def ships_on(self, day: dt.date) -> bool:
        weekday = day.weekday()
        if weekday == 5:
            return bool(self.weekend_shipping.get("saturday"))
        if weekday == 6:
            return bool(self.weekend_shipping.get("sunday"))
        return True

    def current_coupons(self, day: Optional[dt.date] = None) -> Tuple[Coupon, ...]:
        if day is None:
            return self.coupons
        return tuple(c for c in self.coupons if c.valid_on(day))

    def current_campaigns(self, day: dt.date) -> Tuple[Gift, ...]:
        return tuple(c for c in self.campaigns if c.valid_on(day))

    def in_service_hours(self, now: dt.datetime) -> bool:
        start, end = self.service_hours
        local = now.astimezone(self.tz).time() if now.tzinfo else now.time()
        if start <= end:
            return start <= local < end
        return local >= start or local < end  # hours across midnight


_cache: Dict[Tuple[str, int], ShopConfig] = {}
_cache_lock = threading.Lock()


def load_shop_config(path: Path) -> ShopConfig:
    """Parse ``shop.yml``; cached per path and mtime. Raises :class:`ShopDataError` on a bad file."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise ShopDataError(f"{display_path(path)}: file not found") from None
    key = (str(path.resolve()), mtime)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    config = parse_shop_config(read_yaml(path), display_path(path))
    with _cache_lock:
        for old in [k for k in _cache if k[0] == key[0]]:
            del _cache[old]
        _cache[key] = config
    return config


def parse_shop_config(data: Any, file: str = "shop/shop.yml") -> ShopConfig:
    """``shop.yml``'s data, checked against :class:`kefu.shop.schema.ShopFile`, as a :class:`ShopConfig`."""
    shop = validate(ShopFile, data, file)
    if shop.order_source is not None:
        try:
            validate_order_source(data.get("order_source"), file)
        except OrderSourceConfigError as exc:
            raise ShopDataError(str(exc)) from None
    shipping, returns, invoice = shop.shipping, shop.returns, shop.invoice
    handoff = {key: value for key, value in shop.handoff.dict().items() if value is not None}
    return ShopConfig(
        name=shop.name,
        default_platform=shop.default_platform,
        couriers=tuple(shipping.couriers),
        default_courier=shipping.default_courier,
        ship_within_hours=shipping.ship_within_hours,
        cutoff=shipping.cutoff,
        weekend_shipping={"saturday": shipping.weekend_shipping.saturday, "sunday": shipping.weekend_shipping.sunday},
        warehouse_province=shipping.warehouse_province,
        delivery_days=dict(shipping.delivery_days),
        default_delivery_days=shipping.default_delivery_days,
        return_window_days=returns.window_days,
        return_shipping={"quality": returns.return_shipping.quality, "no_reason": returns.return_shipping.no_reason},
        freight_insurance=returns.freight_insurance,
        invoice=InvoicePolicy(
            types=tuple(invoice.types),
            electronic="电子普票" in invoice.types,
            paper="纸质普票" in invoice.types,
            issued_within_days=invoice.issued_within_days,
            issued_after=invoice.issued_after,
            special_requires=tuple(invoice.special_requires),
            paper_delivery=invoice.paper_delivery,
        ),
        coupons=tuple(Coupon(c.name, c.amount, c.threshold, c.valid_until, c.how_to_get) for c in shop.coupons),
        service_hours=(shop.service_hours.start, shop.service_hours.end),
        handoff=handoff,
        timezone=shop.timezone,
        remote_provinces=tuple(shipping.remote_provinces),
        refund_days=returns.refund_days,
        low_stock_threshold=shop.low_stock_threshold,
        free_shipping=shipping.free_shipping.enabled,
        free_shipping_except=tuple(shipping.free_shipping.except_provinces),
        free_shipping_except_fee=shipping.free_shipping.except_fee,
        courier_surcharge=dict(shipping.courier_surcharge),
        presale=shipping.presale,
        international=shipping.international,
        campaigns=tuple(Gift(g.text, g.start, g.until) for g in shop.campaigns),
        late_shipment_compensation=shop.late_shipment.compensation,
        platforms=tuple(shop.platforms),
        source=file,
    )


def resolve_platform(slot_value: Any = None, metadata: Optional[Mapping[str, Any]] = None) -> str:
    """Which platform a conversation is on, resolved the same way everywhere (it picks the rule pack):
    the ``platform`` slot, then message metadata (connector or web chat), then the default."""
    for candidate in (slot_value, (metadata or {}).get("platform")):
        platform = canonical_platform(candidate)
        if platform:
            return platform
    return default_platform()


@lru_cache(maxsize=1)
def default_platform() -> str:
    """``KEFU_DEFAULT_PLATFORM``, else the shop's configured default."""
    settings = Settings.from_env()
    if settings.default_platform:
        return settings.default_platform
    platform = canonical_platform(load_shop_config(settings.shop_config_path).default_platform)
    return platform or PLATFORMS[0]
