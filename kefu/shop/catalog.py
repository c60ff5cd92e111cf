"""Parsing and validating ``catalog.yml`` and ``orders.yml`` into model objects.

Everything is checked before anything is written, so a typo in one entry never
leaves the database half rebuilt.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import pydantic

from kefu.shop.models import (MEASURE_UNITS, CustomMeasure, Gift, Order, OrderItem, OrderStatus, Product, SizeRow, SizeSystem, Sku,
                              TrackingEvent)
from kefu.shop.schema import CatalogFile, OrderEntry, OrderLine, OrdersFile, SizeSystemEntry
from kefu.shop.validation import Invalid, check_range, error_at, validate


@dataclass(frozen=True)
class Catalog:
    products: Tuple[Product, ...]
    skus: Tuple[Sku, ...]
    size_systems: Dict[str, SizeSystem]

    @property
    def size_charts(self) -> Dict[str, SizeSystem]:  # v1 name
        return self.size_systems


# Plausible bounds of each measurement kind, in the unit of the file (a typo such as 1800 for 180 is caught).
MEASURE_BOUNDS: Dict[str, Tuple[float, float]] = {
    "height": (40, 250), "weight": (2, 250), "age": (0, 120), "foot": (80, 350), "waist": (30, 200),
    "chest": (30, 200), "bed_width": (50, 300), "volume": (0.1, 100000), "screen": (1, 200),
}


def parse_catalog(data: Any, file: str = "shop/catalog.yml") -> Catalog:
    """``catalog.yml``'s data, checked against :class:`kefu.shop.schema.CatalogFile` and against itself
    (size systems named, sizes in their chart, ids and skus unique), as a :class:`Catalog`."""
    catalog = validate(CatalogFile, data, file)

    def fail(path: Tuple[Any, ...], message: str) -> Exception:
        return error_at(data, file, path, message)

    systems: Dict[str, SizeSystem] = {}
    for name, chart in catalog.size_charts.items():
        systems[name] = _v1_chart(name, chart, lambda path, message, name=name: fail(("size_charts", name) + path, message))
    for name, entry in catalog.size_systems.items():
        where = lambda path, message, name=name: fail(("size_systems", name) + path, message)  # noqa: E731
        if name in systems:
            raise where((), f"{name} is also a size_charts entry")
        systems[name] = _size_system(name, entry, where)

    products: List[Product] = []
    skus: List[Sku] = []
    ids = set()
    raw_products = data.get("products")
    for index, entry in enumerate(catalog.products):
        at = ("products", index)
        if entry.id in ids:
            raise fail(at + ("id",), f"{entry.id} is used by an earlier product")
        ids.add(entry.id)
        category = entry.category
        system_name: Optional[str] = None
        if entry.size_system is not None:
            system_name = entry.size_system
            if system_name not in systems:
                raise fail(at + ("size_system",), f"{system_name} is not in size_systems ({', '.join(systems) or 'none'})")
        elif category in systems:
            system_name = category  # v1: the category named its size chart
        elif category and catalog.size_charts and not catalog.size_systems:
            raise fail(at + ("category",), f"{category} has no chart in size_charts")
        for label in entry.fact_aliases:
            if label not in entry.facts:
                raise fail(at + ("fact_aliases", label),
                           f"names no fact of this product (facts: {', '.join(entry.facts) or 'none'})")
        written = raw_products[index].get("option_names") or {}
        option_names = tuple((key, getattr(entry.option_names, key)) for key in written
                             if getattr(entry.option_names, key, None) is not None)
        products.append(Product(
            id=entry.id,
            name=entry.name,
            category=category or (system_name or ""),
            price=entry.price,
            aliases=tuple(entry.aliases),
            fit=entry.fit,
            fit_note=entry.fit_note,
            description=entry.description,
            size_system=system_name,
            option_names=option_names,
            facts=tuple(entry.facts.items()),
            fact_aliases=tuple((label, tuple(words)) for label, words in entry.fact_aliases.items()),
            gifts=tuple(Gift(g.text, g.start, g.until) for g in entry.gifts),
        ))
        seen_skus = set()
        system = systems.get(system_name) if system_name else None
        for number, sku in enumerate(entry.skus):
            sku_at = at + ("skus", number)
            color, size = sku.color, sku.size
            if not color and not size:
                raise fail(sku_at, "needs a color or a size (or both)")
            if size and system is not None and size not in system.sizes and size != "均码":
                raise fail(sku_at + ("size",), f"{size} is not in the {system.name} size chart ({', '.join(system.sizes)})")
            if (color, size) in seen_skus:
                raise fail(sku_at, f"duplicate sku {'/'.join(p for p in (color, size) if p)}")
            seen_skus.add((color, size))
            if sku.restock_date is not None and sku.stock > 0:
                raise fail(sku_at + ("restock_date",), "only applies to skus with stock 0")
            ships_on = sku.presale.ships_on if sku.presale is not None else None
            skus.append(Sku(entry.id, color, size, sku.stock, sku.restock_date, sku.price, ships_on))
    return Catalog(tuple(products), tuple(skus), systems)


Fail = Callable[[Tuple[Any, ...], str], Exception]


def _v1_chart(name: str, rows_in: List[Any], fail: Fail) -> SizeSystem:
    """``size_charts:`` of shop data v1: height+weight rows, or foot rows."""
    rows: List[SizeRow] = []
    seen = set()
    for index, row in enumerate(rows_in):
        if row.size in seen:
            raise fail((index,), f"size {row.size} appears twice")
        seen.add(row.size)
        if row.foot is not None:
            rows.append(SizeRow(row.size, (("foot", row.foot),)))
        else:
            rows.append(SizeRow(row.size, (("height", row.height), ("weight", row.weight))))
    if len({row.range("foot") is None for row in rows}) > 1:
        raise fail((), "mixes shoe rows (foot) with clothing rows (height, weight)")
    measures = ("foot",) if rows[0].range("foot") else ("height", "weight")
    return SizeSystem(name, tuple(rows), measures, "all", "")


def _size_system(name: str, entry: SizeSystemEntry, fail: Fail) -> SizeSystem:
    measures = tuple(entry.measures)
    if len(set(measures)) != len(measures):
        raise fail(("measures",), "lists a measurement twice")
    custom = tuple(CustomMeasure(kind, m.unit, tuple(m.words)) for kind, m in entry.custom_measures.items())
    for kind in entry.custom_measures:
        if kind in MEASURE_UNITS:
            raise fail(("custom_measures", kind), f"is a built-in measurement ({MEASURE_UNITS[kind]}): list it under measures")
    known = tuple(MEASURE_UNITS) + tuple(entry.custom_measures)
    for kind in measures:
        if kind not in known:
            hint = difflib.get_close_matches(kind, known, n=1)
            raise fail(("measures",), f"{kind} is not a known measurement ("
                       + (f"did you mean {hint[0]}?" if hint else "declare it under custom_measures") + ")")
    rows: List[SizeRow] = []
    seen: Dict[str, str] = {}
    for index, row in enumerate(entry.sizes):
        size, aliases = row.size, tuple(row.aliases)
        for spelling in (size,) + aliases:
            if seen.get(spelling.lower(), size) != size:
                raise fail(("sizes", index), f"{spelling} is already a spelling of size {seen[spelling.lower()]}")
            seen[spelling.lower()] = size
        written = row.dict(exclude_none=True)
        for key in written:
            if key not in ("size", "aliases") and key not in known:
                hint = difflib.get_close_matches(str(key), list(known), n=1)
                raise fail(("sizes", index, key), "is not a known key ("
                           + (f"did you mean {hint[0]}?" if hint else "known keys: size, aliases, " + ", ".join(measures)) + ")")
        ranges = []
        for kind in known:
            value = written.get(kind)
            if value is None:
                continue
            if kind not in measures:
                raise fail(("sizes", index, kind), f"is not in this size system's measures ({', '.join(measures) or 'none'})")
            low, high = MEASURE_BOUNDS.get(kind, (0.0, 100000.0))
            try:
                ranges.append((kind, check_range(value, low, high, allow_equal=True)))
            except Invalid as exc:
                raise fail(("sizes", index, kind) + tuple(exc.__dict__.get("at", ())), str(exc)) from None
        rows.append(SizeRow(size, tuple(ranges), aliases))
    for kind in measures:
        if not any(row.range(kind) for row in rows):
            raise fail(("measures",), f"{kind} is not given for any size")
    return SizeSystem(name, tuple(rows), measures, entry.needs, entry.note, custom)


def parse_orders(data: Any, catalog: Catalog, tz: dt.tzinfo, file: str = "shop/orders.yml") -> Tuple[Order, ...]:
    """``orders.yml``'s data, checked against :class:`kefu.shop.schema.OrdersFile` and against the catalog."""
    orders_file = validate(OrdersFile, data, file)

    def fail(path: Tuple[Any, ...], message: str) -> Exception:
        return error_at(data, file, ("orders",) + path, message)

    def local(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
        if value is None:
            return None
        return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(tz)

    orders: List[Order] = []
    seen = set()
    for index, entry in enumerate(orders_file.orders):
        if entry.order_id in seen:
            raise fail((index, "order_id"), f"{entry.order_id} is used by an earlier order")
        seen.add(entry.order_id)
        status = entry.status
        items = _items(entry, catalog, lambda path, message, index=index: fail((index,) + path, message))
        first = items[0]
        events = tuple(TrackingEvent(time=local(event.time), text=event.text) for event in entry.events)
        if any(later.time < earlier.time for earlier, later in zip(events, events[1:])):
            raise fail((index, "events"), "must be in time order, oldest first")
        shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        if shipped and not events:
            raise fail((index,), f"a {status.value} order needs tracking events")
        if entry.amount is None and any(item.price is None for item in items):
            raise fail((index, "amount"), "is required")
        order = Order(
            order_id=entry.order_id,
            status=status,
            product_id=first.product_id,
            color=first.color,
            size=first.size,
            quantity=first.quantity,
            amount=entry.amount if entry.amount is not None else float(sum((i.price or 0) * i.quantity for i in items)),
            created_at=local(entry.created_at),
            paid_at=local(entry.paid_at),
            shipped_at=local(entry.shipped_at),
            courier=entry.courier,
            tracking_number=entry.tracking_number,
            receiver_name=entry.receiver_name,
            receiver_phone=entry.receiver_phone,
            receiver_address=entry.receiver_address,
            province=entry.province,
            events=events,
            items=items,
            freight_insurance=entry.freight_insurance,
            signed_at=local(entry.delivered_at),
        )
        if status is not OrderStatus.UNPAID and status is not OrderStatus.CANCELLED and order.paid_at is None:
            raise fail((index,), f"a {status.value} order needs paid_at")
        if shipped and not (order.courier and order.tracking_number):
            raise fail((index,), f"a {status.value} order needs courier and tracking_number")
        orders.append(order)
    return tuple(orders)


def _items(entry: OrderEntry, catalog: Catalog, fail: Fail) -> Tuple[OrderItem, ...]:
    """``items:`` (several lines), or the single product_id/color/size/quantity form."""
    skus = {(s.product_id, s.color, s.size) for s in catalog.skus}
    known = {product.id for product in catalog.products}
    if entry.items is not None:
        for key in ("product_id", "color", "size", "quantity"):
            if getattr(entry, key) is not None:
                raise fail((key,), "goes inside items when the order has items")
        lines = [(("items", index), line) for index, line in enumerate(entry.items)]
    else:
        written = {key: getattr(entry, key) for key in ("product_id", "color", "size", "quantity")
                   if getattr(entry, key) is not None}
        lines = [((), validate_line(written, fail))]
    items: List[OrderItem] = []
    for at, line in lines:
        if line.product_id not in known:
            raise fail(at + ("product_id",), f"{line.product_id} is not a product in the catalog")
        if not line.color and not line.size:
            raise fail(at, "needs a color or a size")
        if at and (line.product_id, line.color, line.size) not in skus:
            raise fail(at, f"{'/'.join(p for p in (line.color, line.size) if p)} is not a sku of {line.product_id}")
        items.append(OrderItem(line.product_id, line.color, line.size, line.quantity, line.price if at else None))
    return tuple(items)


def validate_line(written: Dict[str, Any], fail: Fail) -> OrderLine:
    """The single-line form of an order (product_id, color, size, quantity on the order itself)."""
    try:
        return OrderLine.parse_obj(written)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        context = error.get("ctx") or {}
        message = context.get("message") or ("is required" if error["type"] == "value_error.missing" else error["msg"])
        raise fail(tuple(error["loc"]) + tuple(context.get("at", ())), message) from None


# A platform spec cell (颜色分类:黑色;尺码:L): export files and order APIs write colour and size this way.
_SPEC_SPLIT = re.compile(r"[;；,，/|]+|\s+")
_COLOR_KEYS = ("颜色", "色")
_SIZE_KEYS = ("尺码", "尺寸", "码", "规格")


def split_spec(spec: str) -> Tuple[str, str]:
    """(color, size) from a spec cell: 颜色分类:黑色;尺码:L (Taobao), 黑色,L (PDD), 黑色 L (JD), 黑色;XL (抖店)."""
    color = size = ""
    loose: List[str] = []
    for part in _SPEC_SPLIT.split(spec or ""):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.replace("：", ":").partition(":")
        if sep:
            if any(k in key for k in _COLOR_KEYS) and not color:
                color = value.strip()
            elif any(k in key for k in _SIZE_KEYS) and not size:
                size = value.strip()
            else:
                loose.append(value.strip())
        else:
            loose.append(part)
    for value in loose:
        if not color:
            color = value
        elif not size:
            size = value
    return color[:20], size[:20]
