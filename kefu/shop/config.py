"""The shop's own settings (``shop/shop.yml``): shipping, returns, invoices, coupons, hours.

Policies live in the file a shop operator edits, not in code, so every answer
the assistant gives about them follows the shop's real rules. The file is
parsed into a frozen :class:`ShopConfig`, cached per path and modification time.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from kefu.platforms import canonical_platform
from kefu.settings import PLATFORMS, Settings
from kefu.shop.models import Gift
from kefu.shop.order_source import OrderSourceConfigError, validate_order_source
from kefu.shop.validation import Node, ShopDataError, display_path, read_yaml

TIMEZONE = "Asia/Shanghai"
PAYERS = ("shop", "buyer")
INVOICE_TYPES = ("电子普票", "纸质普票", "专票")


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


ROOT_KEYS = ("name", "default_platform", "platforms", "timezone", "low_stock_threshold", "shipping", "returns",
             "invoice", "coupons", "campaigns", "late_shipment", "service_hours", "handoff",
             "response_rules",   # validated by kefu/handoff/response_rules.py (the workbench reads it)
             "order_source")     # validated by kefu/shop/order_source.py
SHIPPING_KEYS = ("warehouse_province", "couriers", "default_courier", "ship_within_hours", "cutoff", "weekend_shipping",
                 "delivery_days", "default_delivery_days", "remote_provinces", "free_shipping", "courier_surcharge",
                 "presale", "international")


def parse_shop_config(data: Any, file: str = "shop/shop.yml") -> ShopConfig:
    root = Node(data, file)
    root.mapping()
    root.keys(ROOT_KEYS)
    tz_name = root.get("timezone", TIMEZONE).text()
    try:
        ZoneInfo(tz_name)
    except Exception:  # zoneinfo raises several types for bad keys
        raise root.get("timezone").fail(f"unknown time zone {tz_name!r}") from None

    platform = root.get("default_platform")
    platform.choice(PLATFORMS)
    platforms_node = root.get("platforms", list(PLATFORMS))
    platforms = tuple(dict.fromkeys(item.choice(PLATFORMS) for item in platforms_node.list(allow_empty=False)))
    if platform.text() not in platforms:
        raise platforms_node.fail(f"must include default_platform {platform.text()!r}")

    shipping = root.get("shipping").keys(SHIPPING_KEYS)
    couriers = shipping.get("couriers").texts(allow_empty=False)
    default_courier_node = shipping.get("default_courier", couriers[0])
    default_courier = default_courier_node.text()
    if default_courier not in couriers:
        raise default_courier_node.fail("must be one of the couriers listed")
    weekend_node = shipping.get("weekend_shipping").keys(("saturday", "sunday"))
    weekend = {day: weekend_node.get(day).boolean() for day in ("saturday", "sunday")}
    delivery = {Node(name, file, node.where, node.line).province(): node.day_range()
                for name, node in shipping.get("delivery_days").items()}
    remote = tuple(node.province() for node in shipping.get("remote_provinces", []).list())
    shipping.get("warehouse_province").province()
    free = shipping.get("free_shipping", {"enabled": False}).keys(("enabled", "except_provinces", "except_fee"))
    surcharge_node = shipping.get("courier_surcharge", {})
    surcharge = {name: node.number(minimum=0) for name, node in surcharge_node.items()}
    for name in surcharge:
        if name not in couriers:
            raise surcharge_node.get(name).fail("must be one of the couriers listed")

    returns = root.get("returns").keys(("window_days", "return_shipping", "freight_insurance", "refund_days"))
    payers_node = returns.get("return_shipping").keys(("quality", "no_reason"))
    payers = {reason: payers_node.get(reason).choice(PAYERS) for reason in ("quality", "no_reason")}

    invoice_node = root.get("invoice").keys(("types", "issued_after", "issued_within_days", "special_requires",
                                             "paper_delivery"))
    types = invoice_node.get("types").texts(allow_empty=False)
    for index, kind in enumerate(types):
        if kind not in INVOICE_TYPES:
            raise Node(kind, file, f"invoice.types[{index}]").fail(f"must be one of {', '.join(INVOICE_TYPES)}")
    invoice = InvoicePolicy(
        types=types,
        electronic="电子普票" in types,
        paper="纸质普票" in types,
        issued_within_days=invoice_node.get("issued_within_days").whole(minimum=0, maximum=60),
        issued_after=invoice_node.get("issued_after", "确认收货").text(),
        special_requires=invoice_node.get("special_requires", []).texts(),
        paper_delivery=invoice_node.get("paper_delivery", "").optional_text(),
    )

    coupons = []
    for node in root.get("coupons", []).list():
        node.keys(("name", "amount", "threshold", "valid_until", "how_to_get"))
        coupons.append(
            Coupon(
                name=node.get("name").text(),
                amount=node.get("amount").number(minimum=0.01),
                threshold=node.get("threshold", 0).number(),
                valid_until=node.get("valid_until").date() if node.has("valid_until") else None,
                how_to_get=node.get("how_to_get", "").optional_text(),
            )
        )

    campaigns = []
    for node in root.get("campaigns", []).list():
        node.keys(("text", "from", "until"))
        start = node.get("from").date() if node.has("from") else None
        until = node.get("until").date() if node.has("until") else None
        if start and until and until < start:
            raise node.get("until").fail("is before from")
        campaigns.append(Gift(node.get("text").text(), start, until))
    late = root.get("late_shipment", {}).keys(("compensation",))
    international: Any = None
    if shipping.has("international"):
        international_node = shipping.get("international")
        international = international_node.value
        if not isinstance(international, bool):
            international = international_node.text()

    hours = root.get("service_hours").keys(("start", "end"))
    start, end = hours.get("start").time(), hours.get("end").time()

    handoff = root.get("handoff", {}).keys(("refund_amount_threshold", "product_ids", "intents"))
    if root.has("order_source"):
        try:
            validate_order_source(root.value.get("order_source"), file)
        except OrderSourceConfigError as exc:
            raise ShopDataError(str(exc)) from None

    return ShopConfig(
        name=root.get("name").text(100),
        default_platform=platform.text(),
        couriers=couriers,
        default_courier=default_courier,
        ship_within_hours=shipping.get("ship_within_hours").whole(minimum=1, maximum=24 * 30),
        cutoff=shipping.get("cutoff").time(),
        weekend_shipping=weekend,
        warehouse_province=shipping.get("warehouse_province").text(),
        delivery_days=delivery,
        default_delivery_days=shipping.get("default_delivery_days").day_range(),
        return_window_days=returns.get("window_days").whole(minimum=0, maximum=365),
        return_shipping=payers,
        freight_insurance=returns.get("freight_insurance").boolean(),
        invoice=invoice,
        coupons=tuple(coupons),
        service_hours=(start, end),
        handoff=dict(handoff.value),
        timezone=tz_name,
        remote_provinces=remote,
        refund_days=returns.get("refund_days", [1, 3]).day_range(),
        low_stock_threshold=root.get("low_stock_threshold", 3).whole(minimum=0, maximum=1000),
        free_shipping=free.get("enabled").boolean(),
        free_shipping_except=tuple(node.province() for node in free.get("except_provinces", []).list()),
        free_shipping_except_fee=free.get("except_fee", 0).number(minimum=0),
        courier_surcharge=surcharge,
        presale=shipping.get("presale", False).boolean(),
        international=international,
        campaigns=tuple(campaigns),
        late_shipment_compensation=late.get("compensation", "").optional_text(),
        platforms=platforms,
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
