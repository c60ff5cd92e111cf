"""The shape of the shop files, as pydantic (1.10) models: the one place that says which keys
a file has, which are required, and what each value must be.

Field types and the error wording live in :mod:`kefu.shop.validation`; checks that need the
rest of the shop (a product named by an order, a size in a chart) stay with the code that
builds the shop's objects (:mod:`kefu.shop.config`, :mod:`kefu.shop.catalog`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import pydantic

from kefu.normalize import ORDER_NUMBER
from kefu.settings import PLATFORMS
from kefu.shop.models import CUSTOM_UNITS, FIT_NOTES, MEASURE_UNITS, NEEDS, OrderStatus
from kefu.shop.validation import (Boolean, Date, DateTime, DayRange, Invalid, Province, ProvinceKey, Section,
                                  TimeOfDay, check_choice, check_text, choice, field_type, matching, number,
                                  number_range, optional_text, province_name, text, whole)

TIMEZONE = "Asia/Shanghai"
PAYERS = ("shop", "buyer")
INVOICE_TYPES = ("电子普票", "纸质普票", "专票")


class WeekendShipping(Section):
    saturday: Boolean  # type: ignore[valid-type]
    sunday: Boolean  # type: ignore[valid-type]


class FreeShipping(Section):
    enabled: Boolean  # type: ignore[valid-type]
    except_provinces: List[Province] = []  # type: ignore[valid-type]
    except_fee: number(minimum=0) = 0.0  # type: ignore[valid-type]


class Shipping(Section):
    warehouse_province: text(20)  # type: ignore[valid-type]
    couriers: pydantic.conlist(text(), min_items=1)  # type: ignore[valid-type]
    default_courier: Optional[text()] = None  # type: ignore[valid-type]
    ship_within_hours: whole(1, 24 * 30)  # type: ignore[valid-type]
    cutoff: TimeOfDay  # type: ignore[valid-type]
    weekend_shipping: WeekendShipping
    delivery_days: Dict[ProvinceKey, DayRange]  # type: ignore[valid-type]
    default_delivery_days: DayRange  # type: ignore[valid-type]
    remote_provinces: List[Province] = []  # type: ignore[valid-type]
    free_shipping: FreeShipping = FreeShipping(enabled=False)
    courier_surcharge: Dict[str, number(minimum=0)] = {}  # type: ignore[valid-type]
    presale: Boolean = False  # type: ignore[valid-type]
    international: Any = None  # unset: the shop has not said, so the bot does not either

    @pydantic.validator("warehouse_province")
    def _a_province(cls, value: str) -> str:
        province_name(value)  # checked; the shop's own spelling is kept
        return value

    @pydantic.validator("default_courier", always=True)
    def _listed_courier(cls, value: Optional[str], values: Dict[str, Any]) -> Optional[str]:
        couriers = values.get("couriers") or []
        if value is None:
            return couriers[0] if couriers else None
        if couriers and value not in couriers:
            raise Invalid(message="must be one of the couriers listed")
        return value

    @pydantic.validator("courier_surcharge")
    def _surcharge_of_listed_couriers(cls, value: Dict[str, float], values: Dict[str, Any]) -> Dict[str, float]:
        for name in value:
            if name not in (values.get("couriers") or []):
                raise Invalid(message="must be one of the couriers listed", at=(name,))
        return value

    @pydantic.validator("international")
    def _yes_no_or_sentence(cls, value: Any) -> Any:
        return value if isinstance(value, bool) else check_text(value)


class ReturnShipping(Section):
    quality: choice(PAYERS)  # type: ignore[valid-type]
    no_reason: choice(PAYERS)  # type: ignore[valid-type]


class Returns(Section):
    window_days: whole(0, 365)  # type: ignore[valid-type]
    return_shipping: ReturnShipping
    freight_insurance: Boolean  # type: ignore[valid-type]
    refund_days: DayRange = (1, 3)  # type: ignore[valid-type]


class Invoice(Section):
    types: pydantic.conlist(text(), min_items=1)  # type: ignore[valid-type]
    issued_after: text() = "确认收货"  # type: ignore[valid-type]
    issued_within_days: whole(0, 60)  # type: ignore[valid-type]
    special_requires: List[text()] = []  # type: ignore[valid-type]
    paper_delivery: optional_text() = ""  # type: ignore[valid-type]

    @pydantic.validator("types", each_item=True)
    def _known_type(cls, value: str) -> str:
        return check_choice(value, INVOICE_TYPES)


class CouponEntry(Section):
    name: text()  # type: ignore[valid-type]
    amount: number(minimum=0.01)  # type: ignore[valid-type]
    threshold: number() = 0.0  # type: ignore[valid-type]
    valid_until: Optional[Date] = None  # type: ignore[valid-type]
    how_to_get: optional_text() = ""  # type: ignore[valid-type]


class GiftEntry(Section):
    """A gift or campaign line valid between two dates (both optional)."""

    text: text()  # type: ignore[valid-type]
    start: Optional[Date] = pydantic.Field(None, alias="from")  # type: ignore[valid-type]
    until: Optional[Date] = None  # type: ignore[valid-type]

    @pydantic.validator("until")
    def _not_before_start(cls, value: Optional[dt.date], values: Dict[str, Any]) -> Optional[dt.date]:
        if value and values.get("start") and value < values["start"]:
            raise Invalid(message="is before from")
        return value


class LateShipment(Section):
    compensation: optional_text() = ""  # type: ignore[valid-type]


class ServiceHours(Section):
    start: TimeOfDay  # type: ignore[valid-type]
    end: TimeOfDay  # type: ignore[valid-type]


class Handoff(Section):
    refund_amount_threshold: Any = None
    product_ids: Any = None
    intents: Any = None


class ShopFile(Section):
    """``shop/shop.yml``."""

    name: text(100)  # type: ignore[valid-type]
    default_platform: choice(PLATFORMS)  # type: ignore[valid-type]
    platforms: pydantic.conlist(choice(PLATFORMS), min_items=1) = list(PLATFORMS)  # type: ignore[valid-type]
    timezone: text() = TIMEZONE  # type: ignore[valid-type]
    low_stock_threshold: whole(0, 1000) = 3  # type: ignore[valid-type]
    shipping: Shipping
    returns: Returns
    invoice: Invoice
    coupons: List[CouponEntry] = []
    campaigns: List[GiftEntry] = []
    late_shipment: LateShipment = LateShipment()
    service_hours: ServiceHours
    handoff: Handoff = Handoff()
    response_rules: Any = None  # validated by kefu/tickets/response_rules.py (the workbench reads it)
    order_source: Any = None  # validated by kefu/shop/order_source.py

    @pydantic.validator("timezone")
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception:  # zoneinfo raises several types for bad keys
            raise Invalid(message=f"unknown time zone {value!r}") from None
        return value

    @pydantic.validator("platforms")
    def _includes_default(cls, value: List[str], values: Dict[str, Any]) -> Tuple[str, ...]:
        platforms = tuple(dict.fromkeys(value))
        default = values.get("default_platform")
        if default and default not in platforms:
            raise Invalid(message=f"must include default_platform {default!r}")
        return platforms


# -- catalog.yml --------------------------------------------------------------------------------

PRODUCT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
ORDER_ID = re.compile(rf"^(?:{ORDER_NUMBER.pattern})$")  # a whole value that is an order number
PHONE = re.compile(r"^1[3-9]\d{9}$")


class ChartRow(Section):
    """A row of a v1 ``size_charts:`` chart: height+weight, or foot."""

    size: text(20)  # type: ignore[valid-type]
    height: Optional[number_range(50, 250)] = None  # type: ignore[valid-type]
    weight: Optional[number_range(10, 250)] = None  # type: ignore[valid-type]
    foot: Optional[number_range(150, 350)] = None  # type: ignore[valid-type]

    @pydantic.root_validator(skip_on_failure=True)
    def _height_and_weight_or_foot(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if values.get("foot") is None:
            for kind in ("height", "weight"):
                if values.get(kind) is None:
                    raise Invalid(message="is required", at=(kind,))
        return values


class _OpenRow(pydantic.BaseModel):
    """A size row keeps keys beyond its own: the system's own measurements (指围, 手腕), checked by
    kefu.shop.catalog against what the system declares, so a typo is still refused there."""

    class Config:
        extra = pydantic.Extra.allow


# A row of a v2 size system: its measurements are checked against the system's own measures.
SystemRow = pydantic.create_model(  # type: ignore[call-overload]
    "SystemRow", __base__=_OpenRow, size=(text(20), ...), aliases=(List[text()], []),  # type: ignore[valid-type]
    **{kind: (Any, None) for kind in MEASURE_UNITS})


class CustomMeasureEntry(Section):
    """A measurement the built-in kinds do not name (a ring's 指围, a bracelet's 手腕周长): its unit and
    the words buyers write before the number."""

    unit: choice(CUSTOM_UNITS)  # type: ignore[valid-type]
    words: pydantic.conlist(text(12), min_items=1)  # type: ignore[valid-type]


class SizeSystemEntry(Section):
    measures: List[text(12)] = []  # type: ignore[valid-type]
    custom_measures: Dict[text(12), CustomMeasureEntry] = {}  # type: ignore[valid-type]
    needs: choice(NEEDS) = "all"  # type: ignore[valid-type]
    note: optional_text() = ""  # type: ignore[valid-type]
    sizes: pydantic.conlist(SystemRow, min_items=1)  # type: ignore[valid-type]


class OptionNames(Section):
    color: Optional[text(10)] = None  # type: ignore[valid-type]
    size: Optional[text(10)] = None  # type: ignore[valid-type]


class Presale(Section):
    ships_on: Date  # type: ignore[valid-type]


class SkuEntry(Section):
    color: optional_text(20) = ""  # type: ignore[valid-type]
    size: optional_text(20) = ""  # type: ignore[valid-type]
    stock: whole(minimum=0)  # type: ignore[valid-type]
    restock_date: Optional[Date] = None  # type: ignore[valid-type]
    price: Optional[number(minimum=0.01)] = None  # type: ignore[valid-type]
    presale: Optional[Presale] = None


class ProductEntry(Section):
    id: text(32)  # type: ignore[valid-type]
    name: text(60)  # type: ignore[valid-type]
    aliases: List[text()] = []  # type: ignore[valid-type]
    category: optional_text(40) = ""  # type: ignore[valid-type]
    size_system: Optional[text(40)] = None  # type: ignore[valid-type]
    option_names: OptionNames = OptionNames()
    price: number(minimum=0.01)  # type: ignore[valid-type]
    fit: choice(FIT_NOTES) = "正常"  # type: ignore[valid-type]
    fit_note: optional_text() = ""  # type: ignore[valid-type]
    description: optional_text(2000) = ""  # type: ignore[valid-type]
    facts: Dict[str, text(1000)] = {}  # type: ignore[valid-type]
    fact_aliases: Dict[str, List[text()]] = {}  # type: ignore[valid-type]
    gifts: List[GiftEntry] = []
    skus: pydantic.conlist(SkuEntry, min_items=1)  # type: ignore[valid-type]

    _id_form = pydantic.validator("id", allow_reuse=True)(
        matching(PRODUCT_ID, "must be letters, digits, - or _ and start with a letter (e.g. p1001)"))


class CatalogFile(Section):
    """``shop/catalog.yml`` (v1 ``size_charts:`` or v2 ``size_systems:``)."""

    size_systems: Dict[str, SizeSystemEntry] = {}
    size_charts: Dict[str, pydantic.conlist(ChartRow, min_items=1)] = {}  # type: ignore[valid-type]
    products: pydantic.conlist(ProductEntry, min_items=1)  # type: ignore[valid-type]


# -- orders.yml ---------------------------------------------------------------------------------

def _status(value: Any) -> OrderStatus:
    try:
        return OrderStatus.parse(value)
    except ValueError as exc:
        raise Invalid(message=str(exc)) from None


class OrderLine(Section):
    product_id: text()  # type: ignore[valid-type]
    color: optional_text(20) = ""  # type: ignore[valid-type]
    size: optional_text(20) = ""  # type: ignore[valid-type]
    quantity: whole(minimum=1) = 1  # type: ignore[valid-type]
    price: Optional[number(minimum=0)] = None  # type: ignore[valid-type]


class TrackingEntry(Section):
    time: DateTime  # type: ignore[valid-type]
    text: text()  # type: ignore[valid-type]


class OrderEntry(Section):
    order_id: text(20)  # type: ignore[valid-type]
    status: field_type("Status", _status)  # type: ignore[valid-type]
    items: Optional[pydantic.conlist(OrderLine, min_items=1)] = None  # type: ignore[valid-type]
    # the single-line form (no items:): checked by kefu.shop.catalog, which knows which form is used
    product_id: Any = None
    color: Any = None
    size: Any = None
    quantity: Any = None
    receiver_phone: text(20)  # type: ignore[valid-type]
    events: List[TrackingEntry] = []
    amount: Optional[number(minimum=0.0)] = None  # type: ignore[valid-type]
    created_at: DateTime  # type: ignore[valid-type]
    paid_at: Optional[DateTime] = None  # type: ignore[valid-type]
    shipped_at: Optional[DateTime] = None  # type: ignore[valid-type]
    courier: Optional[text()] = None  # type: ignore[valid-type]
    tracking_number: Optional[text(40)] = None  # type: ignore[valid-type]
    receiver_name: text(40)  # type: ignore[valid-type]
    receiver_address: text(200)  # type: ignore[valid-type]
    province: Optional[Province] = None  # type: ignore[valid-type]
    freight_insurance: Optional[Boolean] = None  # type: ignore[valid-type]
    delivered_at: Optional[DateTime] = None  # type: ignore[valid-type]

    _id_form = pydantic.validator("order_id", allow_reuse=True)(
        matching(ORDER_ID, "must be 15 to 20 digits (quote it in YAML)"))
    _mobile = pydantic.validator("receiver_phone", allow_reuse=True)(
        matching(PHONE, "must be an 11-digit mobile number (quote it in YAML)"))


class OrdersFile(Section):
    """``shop/orders.yml``."""

    orders: List[OrderEntry] = []
