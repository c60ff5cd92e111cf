"""Parsing and validating ``catalog.yml`` and ``orders.yml`` into model objects.

Everything is checked before anything is written, so a typo in one entry never
leaves the database half rebuilt.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from kefu.normalize import ORDER_NUMBER
from kefu.shop.models import (FIT_NOTES, MEASURE_UNITS, NEEDS, Gift, Order, OrderItem, OrderStatus, Product, SizeRow,
                              SizeSystem, Sku, TrackingEvent)
from kefu.shop.validation import Node

PRODUCT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
# A platform spec cell (颜色分类:黑色;尺码:L): export files and order APIs write colour and size this way.
_SPEC_SPLIT = re.compile(r"[;；,，/|]+|\s+")
_COLOR_KEYS = ("颜色", "色")
_SIZE_KEYS = ("尺码", "尺寸", "码", "规格")
ORDER_ID = re.compile(rf"^(?:{ORDER_NUMBER.pattern})$")  # a whole value that is an order number
PHONE = re.compile(r"^1[3-9]\d{9}$")
ORDER_KEYS = ("order_id", "status", "product_id", "color", "size", "quantity", "amount", "created_at", "paid_at",
              "shipped_at", "courier", "tracking_number", "receiver_name", "receiver_phone", "receiver_address",
              "province", "events", "items", "freight_insurance", "delivered_at")


@dataclass(frozen=True)
class Catalog:
    products: Tuple[Product, ...]
    skus: Tuple[Sku, ...]
    size_systems: Dict[str, SizeSystem]

    @property
    def size_charts(self) -> Dict[str, SizeSystem]:  # v1 name
        return self.size_systems


PRODUCT_KEYS = ("id", "name", "aliases", "category", "size_system", "option_names", "price", "fit", "fit_note",
                "description", "facts", "fact_aliases", "gifts", "skus")
SKU_KEYS = ("color", "size", "stock", "restock_date", "price", "presale")
# Plausible bounds of each measurement kind, in the unit of the file (a typo such as 1800 for 180 is caught).
MEASURE_BOUNDS: Dict[str, Tuple[float, float]] = {
    "height": (40, 250), "weight": (2, 250), "age": (0, 120), "foot": (80, 350), "waist": (30, 200),
    "chest": (30, 200), "bed_width": (50, 300), "volume": (0.1, 100000), "screen": (1, 200),
}


def parse_catalog(data: Any, file: str = "shop/catalog.yml") -> Catalog:
    root = Node(data, file)
    root.mapping()
    root.keys(("size_systems", "size_charts", "products"))
    systems: Dict[str, SizeSystem] = {}
    for name, chart_node in root.get("size_charts", {}).items():
        systems[name] = _v1_chart(name, chart_node)
    for name, system_node in root.get("size_systems", {}).items():
        if name in systems:
            raise system_node.fail(f"{name} is also a size_charts entry")
        systems[name] = _size_system(name, system_node)

    products: List[Product] = []
    skus: List[Sku] = []
    ids = set()
    for node in root.get("products").list(allow_empty=False):
        node.keys(PRODUCT_KEYS)
        product_id = _unique_id(
            node.get("id"), 32, PRODUCT_ID, ids, "product",
            "must be letters, digits, - or _ and start with a letter (e.g. p1001)",
        )
        category = node.get("category", "").optional_text(40)
        system_name: Optional[str] = None
        if node.has("size_system"):
            system_node = node.get("size_system")
            system_name = system_node.text(40)
            if system_name not in systems:
                raise system_node.fail(f"{system_name} is not in size_systems ({', '.join(systems) or 'none'})")
        elif category in systems:
            system_name = category  # v1: the category named its size chart
        elif category and root.has("size_charts") and not root.has("size_systems"):
            raise node.get("category").fail(f"{category} has no chart in size_charts")
        fit_node = node.get("fit", "正常")
        facts = tuple((label, fact.text(1000)) for label, fact in node.get("facts", {}).items())
        aliases_node = node.get("fact_aliases", {})
        fact_aliases = []
        for label, words in aliases_node.items():
            if label not in dict(facts):
                raise words.fail(f"names no fact of this product (facts: {', '.join(dict(facts)) or 'none'})")
            fact_aliases.append((label, words.texts()))
        option_node = node.get("option_names", {}).keys(("color", "size"))
        option_names = tuple((key, value.text(10)) for key, value in option_node.items())
        product = Product(
            id=product_id,
            name=node.get("name").text(60),
            category=category or (system_name or ""),
            price=node.get("price").number(minimum=0.01),
            aliases=node.get("aliases", []).texts(),
            fit=fit_node.choice(FIT_NOTES),
            fit_note=node.get("fit_note", "").optional_text(),
            description=node.get("description", "").optional_text(2000),
            size_system=system_name,
            option_names=option_names,
            facts=facts,
            fact_aliases=tuple(fact_aliases),
            gifts=tuple(_gift(g) for g in node.get("gifts", []).list()),
        )
        products.append(product)
        seen_skus = set()
        system = systems.get(system_name) if system_name else None
        for sku_node in node.get("skus").list(allow_empty=False):
            sku_node.keys(SKU_KEYS)
            color = sku_node.get("color", "").optional_text(20)
            size_node = sku_node.get("size", "")
            size = size_node.optional_text(20)
            if not color and not size:
                raise sku_node.fail("needs a color or a size (or both)")
            if size and system is not None and size not in system.sizes and size != "均码":
                raise size_node.fail(f"{size} is not in the {system.name} size chart ({', '.join(system.sizes)})")
            if (color, size) in seen_skus:
                raise sku_node.fail(f"duplicate sku {'/'.join(p for p in (color, size) if p)}")
            seen_skus.add((color, size))
            stock = sku_node.get("stock").whole(minimum=0)
            restock = sku_node.get("restock_date").date() if sku_node.has("restock_date") else None
            if restock is not None and stock > 0:
                raise sku_node.get("restock_date").fail("only applies to skus with stock 0")
            ships_on = None
            if sku_node.has("presale"):
                presale = sku_node.get("presale").keys(("ships_on",))
                ships_on = presale.get("ships_on").date()
            price = sku_node.get("price").number(minimum=0.01) if sku_node.has("price") else None
            skus.append(Sku(product_id, color, size, stock, restock, price, ships_on))
    return Catalog(tuple(products), tuple(skus), systems)


def _v1_chart(name: str, chart_node: Node) -> SizeSystem:
    """``size_charts:`` of shop data v1: height+weight rows, or foot rows."""
    rows: List[SizeRow] = []
    seen = set()
    for row_node in chart_node.list(allow_empty=False):
        row_node.keys(("size", "height", "weight", "foot"))
        size = row_node.get("size").text(20)
        if size in seen:
            raise row_node.fail(f"size {size} appears twice")
        seen.add(size)
        if row_node.has("foot"):
            rows.append(SizeRow(size, (("foot", _range(row_node.get("foot"), 150, 350)),)))
        else:
            rows.append(SizeRow(size, (("height", _range(row_node.get("height"), 50, 250)),
                                       ("weight", _range(row_node.get("weight"), 10, 250)))))
    if len({row.range("foot") is None for row in rows}) > 1:
        raise chart_node.fail("mixes shoe rows (foot) with clothing rows (height, weight)")
    measures = ("foot",) if rows[0].range("foot") else ("height", "weight")
    return SizeSystem(name, tuple(rows), measures, "all", "")


def _size_system(name: str, node: Node) -> SizeSystem:
    node.keys(("measures", "needs", "note", "sizes"))
    measures_node = node.get("measures", [])
    measures = tuple(item.choice(tuple(MEASURE_UNITS)) for item in measures_node.list())
    if len(set(measures)) != len(measures):
        raise measures_node.fail("lists a measurement twice")
    needs = node.get("needs", "all").choice(NEEDS)
    rows: List[SizeRow] = []
    seen: Dict[str, str] = {}
    for row_node in node.get("sizes").list(allow_empty=False):
        row_node.keys(("size", "aliases") + tuple(MEASURE_UNITS))
        size = row_node.get("size").text(20)
        aliases = row_node.get("aliases", []).texts()
        for spelling in (size,) + aliases:
            if seen.get(spelling.lower(), size) != size:
                raise row_node.fail(f"{spelling} is already a spelling of size {seen[spelling.lower()]}")
            seen[spelling.lower()] = size
        ranges = []
        for kind in MEASURE_UNITS:
            if row_node.has(kind):
                if kind not in measures:
                    raise row_node.get(kind).fail(f"is not in this size system's measures ({', '.join(measures) or 'none'})")
                low, high = MEASURE_BOUNDS[kind]
                ranges.append((kind, _range(row_node.get(kind), low, high, allow_equal=True)))
        rows.append(SizeRow(size, tuple(ranges), aliases))
    for kind in measures:
        if not any(row.range(kind) for row in rows):
            raise measures_node.fail(f"{kind} is not given for any size")
    return SizeSystem(name, tuple(rows), measures, needs, node.get("note", "").optional_text())


def _gift(node: Node) -> Gift:
    node.keys(("text", "from", "until"))
    start = node.get("from").date() if node.has("from") else None
    until = node.get("until").date() if node.has("until") else None
    if start and until and until < start:
        raise node.get("until").fail("is before from")
    return Gift(node.get("text").text(), start, until)


def _unique_id(node: Node, max_len: int, pattern: "re.Pattern[str]", seen: set, kind: str, form: str) -> str:
    """An id of the right form, not used by an earlier entry (recorded in ``seen``)."""
    value = node.text(max_len)
    if not pattern.match(value):
        raise node.fail(form)
    if value in seen:
        raise node.fail(f"{value} is used by an earlier {kind}")
    seen.add(value)
    return value


def _range(node: Node, low: float, high: float, allow_equal: bool = False) -> Tuple[float, float]:
    items = node.list()
    if len(items) != 2:
        raise node.fail("must be [min, max]")
    first, second = items[0].number(low, high), items[1].number(low, high)
    if first > second or (first == second and not allow_equal):
        raise node.fail("min must be below max")
    return (first, second)


def parse_orders(data: Any, catalog: Catalog, tz: dt.tzinfo, file: str = "shop/orders.yml") -> Tuple[Order, ...]:
    root = Node(data, file)
    root.mapping()
    root.keys(("orders",))
    orders: List[Order] = []
    seen = set()
    for node in root.get("orders").list():
        node.keys(ORDER_KEYS)
        order_id = _unique_id(
            node.get("order_id"), 20, ORDER_ID, seen, "order", "must be 15 to 20 digits (quote it in YAML)"
        )
        status = _status(node.get("status"))
        items = _items(node, catalog)
        first = items[0]
        phone_node = node.get("receiver_phone")
        phone = phone_node.text(20)
        if not PHONE.match(phone):
            raise phone_node.fail("must be an 11-digit mobile number (quote it in YAML)")
        events = tuple(
            TrackingEvent(time=event.get("time").datetime(tz), text=event.get("text").text())
            for event in node.get("events", []).list()
        )
        if any(later.time < earlier.time for earlier, later in zip(events, events[1:])):
            raise node.get("events").fail("must be in time order, oldest first")
        shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        if shipped and not events:
            raise node.fail(f"a {status.value} order needs tracking events")
        order = Order(
            order_id=order_id,
            status=status,
            product_id=first.product_id,
            color=first.color,
            size=first.size,
            quantity=first.quantity,
            amount=_amount(node, items),
            created_at=node.get("created_at").datetime(tz),
            paid_at=node.get("paid_at").datetime(tz) if node.has("paid_at") else None,
            shipped_at=node.get("shipped_at").datetime(tz) if node.has("shipped_at") else None,
            courier=node.get("courier").text() if node.has("courier") else None,
            tracking_number=node.get("tracking_number").text(40) if node.has("tracking_number") else None,
            receiver_name=node.get("receiver_name").text(40),
            receiver_phone=phone,
            receiver_address=node.get("receiver_address").text(200),
            province=node.get("province").province() if node.has("province") else None,
            events=events,
            items=items,
            freight_insurance=node.get("freight_insurance").boolean() if node.has("freight_insurance") else None,
            signed_at=node.get("delivered_at").datetime(tz) if node.has("delivered_at") else None,
        )
        if status is not OrderStatus.UNPAID and status is not OrderStatus.CANCELLED and order.paid_at is None:
            raise node.fail(f"a {status.value} order needs paid_at")
        if shipped and not (order.courier and order.tracking_number):
            raise node.fail(f"a {status.value} order needs courier and tracking_number")
        orders.append(order)
    return tuple(orders)


def _items(node: Node, catalog: Catalog) -> Tuple[OrderItem, ...]:
    """``items:`` (several lines), or the single product_id/color/size/quantity form."""
    skus = {(s.product_id, s.color, s.size) for s in catalog.skus}
    known = {product.id for product in catalog.products}
    if node.has("items"):
        for key in ("product_id", "color", "size", "quantity"):
            if node.has(key):
                raise node.get(key).fail("goes inside items when the order has items")
        lines = node.get("items").list(allow_empty=False)
    else:
        lines = [node]
    items: List[OrderItem] = []
    for line in lines:
        if line is not node:
            line.keys(("product_id", "color", "size", "quantity", "price"))
        product_node = line.get("product_id")
        product_id = product_node.text()
        if product_id not in known:
            raise product_node.fail(f"{product_id} is not a product in the catalog")
        color = line.get("color", "").optional_text(20)
        size = line.get("size", "").optional_text(20)
        if not color and not size:
            raise line.fail("needs a color or a size")
        if line is not node and (product_id, color, size) not in skus:
            raise line.fail(f"{'/'.join(p for p in (color, size) if p)} is not a sku of {product_id}")
        price = line.get("price").number(minimum=0) if line is not node and line.has("price") else None
        items.append(OrderItem(product_id, color, size, line.get("quantity", 1).whole(minimum=1), price))
    return tuple(items)


def _amount(node: Node, items: Tuple[OrderItem, ...]) -> float:
    """The order's amount; with priced items it may be left out (their sum)."""
    if node.has("amount") or any(item.price is None for item in items):
        return node.get("amount").number(minimum=0.0)
    return float(sum((item.price or 0) * item.quantity for item in items))


def _status(node: Node) -> OrderStatus:
    try:
        return OrderStatus.parse(node.value)
    except ValueError as exc:
        raise node.fail(str(exc)) from None


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
