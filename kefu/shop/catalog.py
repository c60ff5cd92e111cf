"""Parsing and validating ``catalog.yml`` and ``orders.yml`` into model objects.

Everything is checked before anything is written, so a typo in one entry never
leaves the database half rebuilt.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

from kefu.shop.models import FIT_NOTES, Order, OrderStatus, Product, SizeChart, SizeRow, Sku, TrackingEvent
from kefu.shop.validation import Node

PRODUCT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
ORDER_ID = re.compile(r"^\d{15,20}$")
PHONE = re.compile(r"^1[3-9]\d{9}$")
ORDER_KEYS = ("order_id", "status", "product_id", "color", "size", "quantity", "amount", "created_at", "paid_at",
              "shipped_at", "courier", "tracking_number", "receiver_name", "receiver_phone", "receiver_address",
              "province", "events")


@dataclass(frozen=True)
class Catalog:
    products: Tuple[Product, ...]
    skus: Tuple[Sku, ...]
    size_charts: Dict[str, SizeChart]


def parse_catalog(data: Any, file: str = "shop/catalog.yml") -> Catalog:
    root = Node(data, file)
    root.mapping()
    root.keys(("size_charts", "products"))
    charts: Dict[str, SizeChart] = {}
    for category, chart_node in root.get("size_charts").items():
        rows: List[SizeRow] = []
        seen = set()
        for row_node in chart_node.list(allow_empty=False):
            row_node.keys(("size", "height", "weight", "foot"))
            size = row_node.get("size").text(20)
            if size in seen:
                raise row_node.fail(f"size {size} appears twice")
            seen.add(size)
            if row_node.has("foot"):
                foot = _range(row_node.get("foot"), 150, 350)
                rows.append(SizeRow(size=size, foot_min=foot[0], foot_max=foot[1]))
            else:
                height = _range(row_node.get("height"), 50, 250)
                weight = _range(row_node.get("weight"), 10, 250)
                rows.append(SizeRow(size, height[0], height[1], weight[0], weight[1]))
        if len({row.foot_min is None for row in rows}) > 1:
            raise chart_node.fail("mixes shoe rows (foot) with clothing rows (height, weight)")
        charts[category] = SizeChart(category=category, rows=tuple(rows))

    products: List[Product] = []
    skus: List[Sku] = []
    ids = set()
    for node in root.get("products").list(allow_empty=False):
        node.keys(("id", "name", "aliases", "category", "price", "fit", "fit_note", "description", "skus"))
        product_id = _unique_id(
            node.get("id"), 32, PRODUCT_ID, ids, "product",
            "must be letters, digits, - or _ and start with a letter (e.g. p1001)",
        )
        category_node = node.get("category")
        category = category_node.text(20)
        if category not in charts:
            raise category_node.fail(f"{category} has no chart in size_charts")
        fit_node = node.get("fit", "正常")
        product = Product(
            id=product_id,
            name=node.get("name").text(60),
            category=category,
            price=node.get("price").number(minimum=0.01),
            aliases=node.get("aliases", []).texts(),
            fit=fit_node.choice(FIT_NOTES),
            fit_note=node.get("fit_note", "").optional_text(),
            description=node.get("description", "").optional_text(),
        )
        products.append(product)
        seen_skus = set()
        chart_sizes = charts[category].sizes
        for sku_node in node.get("skus").list(allow_empty=False):
            sku_node.keys(("color", "size", "stock", "restock_date"))
            color = sku_node.get("color").text(20)
            size_node = sku_node.get("size")
            size = size_node.text(20)
            if size not in chart_sizes and size != "均码":
                raise size_node.fail(f"{size} is not in the {category} size chart ({', '.join(chart_sizes)})")
            if (color, size) in seen_skus:
                raise sku_node.fail(f"duplicate sku {color}/{size}")
            seen_skus.add((color, size))
            stock = sku_node.get("stock").whole(minimum=0)
            restock = sku_node.get("restock_date").date() if sku_node.has("restock_date") else None
            if restock is not None and stock > 0:
                raise sku_node.get("restock_date").fail("only applies to skus with stock 0")
            skus.append(Sku(product_id, color, size, stock, restock))
    return Catalog(tuple(products), tuple(skus), charts)


def _unique_id(node: Node, max_len: int, pattern: "re.Pattern[str]", seen: set, kind: str, form: str) -> str:
    """An id of the right form, not used by an earlier entry (recorded in ``seen``)."""
    value = node.text(max_len)
    if not pattern.match(value):
        raise node.fail(form)
    if value in seen:
        raise node.fail(f"{value} is used by an earlier {kind}")
    seen.add(value)
    return value


def _range(node: Node, low: float, high: float) -> Tuple[float, float]:
    items = node.list()
    if len(items) != 2:
        raise node.fail("must be [min, max]")
    first, second = items[0].number(low, high), items[1].number(low, high)
    if first >= second:
        raise node.fail("min must be below max")
    return (first, second)


def parse_orders(data: Any, catalog: Catalog, tz: dt.tzinfo, file: str = "shop/orders.yml") -> Tuple[Order, ...]:
    root = Node(data, file)
    root.mapping()
    root.keys(("orders",))
    known = {product.id for product in catalog.products}
    orders: List[Order] = []
    seen = set()
    for node in root.get("orders").list():
        node.keys(ORDER_KEYS)
        order_id = _unique_id(
            node.get("order_id"), 20, ORDER_ID, seen, "order", "must be 15 to 20 digits (quote it in YAML)"
        )
        status = _status(node.get("status"))
        product_node = node.get("product_id")
        product_id = product_node.text()
        if product_id not in known:
            raise product_node.fail(f"{product_id} is not a product in the catalog")
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
            product_id=product_id,
            color=node.get("color").text(20),
            size=node.get("size").text(20),
            quantity=node.get("quantity", 1).whole(minimum=1),
            amount=node.get("amount").number(minimum=0.0),
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
        )
        if status is not OrderStatus.UNPAID and status is not OrderStatus.CANCELLED and order.paid_at is None:
            raise node.fail(f"a {status.value} order needs paid_at")
        if shipped and not (order.courier and order.tracking_number):
            raise node.fail(f"a {status.value} order needs courier and tracking_number")
        orders.append(order)
    return tuple(orders)


def _status(node: Node) -> OrderStatus:
    try:
        return OrderStatus.parse(node.value)
    except ValueError as exc:
        raise node.fail(str(exc)) from None
