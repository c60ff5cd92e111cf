"""The shop tables in the shared SQLite file, and how they are (re)built from ``shop/*.yml``.

``load_shop`` rebuilds only the ``shop_*`` data tables, in one transaction, and
only when the files changed (their hash is kept in ``shop_meta``), so other
areas' tables (tickets, audit) and the shop's own records (invoice requests,
address changes) are never touched. ``ShopStore`` reads them lazily: building
one connects to nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from kefu import db
from kefu.settings import Settings
from kefu.shop.catalog import parse_catalog, parse_orders
from kefu.shop.config import parse_shop_config
from kefu.shop.imported import CATALOG_VERSION, META_TABLE, apply_imports
from kefu.shop.models import CustomMeasure, Gift, Order, OrderItem, OrderStatus, Product, SizeRow, SizeSystem, Sku, TrackingEvent, \
    order_items_json
from kefu.shop.validation import ShopDataError, display_path, read_yaml
from kefu.shop.config import load_shop_config

# Bump when the table layout changes: a new version forces a rebuild.
SCHEMA_VERSION = "5"
SHOP_FILES = ("shop.yml", "catalog.yml", "orders.yml")

# Rebuilt from the YAML files on every load.
DATA_TABLES = {
    "shop_products": """CREATE TABLE shop_products (
        id TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL, category TEXT NOT NULL,
        price REAL NOT NULL, aliases TEXT NOT NULL, fit TEXT NOT NULL, fit_note TEXT NOT NULL,
        description TEXT NOT NULL, extra TEXT)""",
    "shop_skus": """CREATE TABLE shop_skus (
        product_id TEXT NOT NULL, position INTEGER NOT NULL, color TEXT NOT NULL, size TEXT NOT NULL,
        stock INTEGER NOT NULL, restock_date TEXT, price REAL, presale_ships_on TEXT,
        PRIMARY KEY (product_id, color, size))""",
    "shop_size_systems": """CREATE TABLE shop_size_systems (
        name TEXT PRIMARY KEY, position INTEGER NOT NULL, measures TEXT NOT NULL, needs TEXT NOT NULL,
        note TEXT NOT NULL, rows TEXT NOT NULL)""",
    "shop_orders": """CREATE TABLE shop_orders (
        order_id TEXT PRIMARY KEY, status TEXT NOT NULL, product_id TEXT NOT NULL, color TEXT NOT NULL,
        size TEXT NOT NULL, quantity INTEGER NOT NULL, amount REAL NOT NULL, created_at TEXT NOT NULL,
        paid_at TEXT, shipped_at TEXT, courier TEXT, tracking_number TEXT, receiver_name TEXT NOT NULL,
        receiver_phone TEXT NOT NULL, receiver_address TEXT NOT NULL, province TEXT, items TEXT,
        freight_insurance INTEGER, delivered_at TEXT)""",
    "shop_tracking_events": """CREATE TABLE shop_tracking_events (
        order_id TEXT NOT NULL, position INTEGER NOT NULL, time TEXT NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (order_id, position))""",
}

# Records written during conversations: created once, never rebuilt.
RECORD_TABLES = (
    META_TABLE,
    """CREATE TABLE IF NOT EXISTS shop_invoice_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, conversation_id TEXT NOT NULL,
        order_id TEXT, invoice_type TEXT NOT NULL, title TEXT NOT NULL, tax_number TEXT, email TEXT)""",
    """CREATE TABLE IF NOT EXISTS shop_address_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, conversation_id TEXT NOT NULL,
        order_id TEXT NOT NULL, new_address TEXT NOT NULL)""",
)


class ShopNotLoaded(ShopDataError):
    """The database has no shop data yet."""


@dataclass(frozen=True)
class LoadReport:
    loaded: bool                      # False: files unchanged since the last load, nothing done
    counts: Dict[str, int] = field(default_factory=dict)
    files_hash: str = ""


def files_hash(shop_dir: Path) -> str:
    digest = hashlib.sha256(f"schema:{SCHEMA_VERSION}".encode())
    for name in SHOP_FILES:
        path = Path(shop_dir) / name
        try:
            data = path.read_bytes()
        except OSError:
            raise ShopDataError(f"{display_path(path)}: file not found") from None
        digest.update(f"\0{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def load_shop(shop_dir: Path, db_path: Path, force: bool = False) -> LoadReport:
    """Validate ``shop_dir``'s three files and (re)build the shop tables when they changed."""
    shop_dir = Path(shop_dir)
    digest = files_hash(shop_dir)
    conn = db.connect(db_path)
    try:
        _create_record_tables(conn)
        if not force:
            row = conn.execute("SELECT value FROM shop_meta WHERE key = 'files_hash'").fetchone()
            if row is not None and row["value"] == digest and _has_data_tables(conn):
                return LoadReport(loaded=False, counts=_counts(conn), files_hash=digest)
        config_file, catalog_file, orders_file = (shop_dir / name for name in SHOP_FILES)
        config = parse_shop_config(read_yaml(config_file), display_path(config_file))
        catalog = parse_catalog(read_yaml(catalog_file), display_path(catalog_file))
        orders = parse_orders(read_yaml(orders_file), catalog, config.tz, display_path(orders_file))
        with db.transaction(conn):
            for table, ddl in DATA_TABLES.items():
                conn.execute(f"DROP TABLE IF EXISTS {table}")
                conn.execute(ddl)
            conn.executemany(
                "INSERT INTO shop_products VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (p.id, i, p.name, p.category, p.price, json.dumps(list(p.aliases), ensure_ascii=False),
                     p.fit, p.fit_note, p.description, product_extra(p))
                    for i, p in enumerate(catalog.products)
                ],
            )
            conn.executemany(
                "INSERT INTO shop_skus VALUES (?,?,?,?,?,?,?,?)",
                [
                    (s.product_id, i, s.color, s.size, s.stock, _iso(s.restock_date), s.price,
                     _iso(s.presale_ships_on))
                    for i, s in enumerate(catalog.skus)
                ],
            )
            conn.executemany(
                "INSERT INTO shop_size_systems VALUES (?,?,?,?,?,?)",
                [
                    (system.name, i, json.dumps(list(system.measures) + [
                        {"name": m.name, "unit": m.unit, "words": list(m.words)} for m in system.custom],
                        ensure_ascii=False), system.needs, system.note,
                     json.dumps([{"size": r.size, "aliases": list(r.aliases), "ranges": dict(r.ranges)}
                                 for r in system.rows], ensure_ascii=False))
                    for i, system in enumerate(catalog.size_systems.values())
                ],
            )
            conn.executemany(
                "INSERT INTO shop_orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (o.order_id, o.status.value, o.product_id, o.color, o.size, o.quantity, o.amount,
                     o.created_at.isoformat(), _iso(o.paid_at), _iso(o.shipped_at), o.courier,
                     o.tracking_number, o.receiver_name, o.receiver_phone, o.receiver_address, o.province,
                     order_items_json(o), None if o.freight_insurance is None else int(o.freight_insurance),
                     _iso(o.signed_at))
                    for o in orders
                ],
            )
            conn.executemany(
                "INSERT INTO shop_tracking_events VALUES (?,?,?,?)",
                [(o.order_id, i, e.time.isoformat(), e.text) for o in orders for i, e in enumerate(o.events)],
            )
            conn.execute(
                "INSERT INTO shop_meta VALUES ('files_hash', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (digest,),
            )
            conn.execute(
                "INSERT INTO shop_meta VALUES ('loaded_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),),
            )
            # Imported exports and platform order updates outlive a YAML rebuild (kefu/shop/imported.py).
            apply_imports(conn)
        return LoadReport(loaded=True, counts=_counts(conn), files_hash=digest)
    finally:
        conn.close()


def _iso(value: Optional[dt.date]) -> Optional[str]:
    return value.isoformat() if value else None


def product_extra(product: Product) -> str:
    """The v2 product fields (size system, option names, facts, gifts) as one JSON column."""
    return json.dumps({
        "size_system": product.size_system,
        "option_names": dict(product.option_names),
        "facts": [list(pair) for pair in product.facts],
        "fact_aliases": {label: list(words) for label, words in product.fact_aliases},
        "gifts": [{"text": g.text, "from": _iso(g.start), "until": _iso(g.until)} for g in product.gifts],
    }, ensure_ascii=False)


def _create_record_tables(conn: sqlite3.Connection) -> None:
    for ddl in RECORD_TABLES:
        conn.execute(ddl)


def _has_data_tables(conn: sqlite3.Connection) -> bool:
    names = db.table_names(conn)
    return all(table in names for table in DATA_TABLES)


def _counts(conn: sqlite3.Connection) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for key, table in (
        ("products", "shop_products"),
        ("skus", "shop_skus"),
        ("size_charts", "shop_size_systems"),
        ("orders", "shop_orders"),
        ("tracking_events", "shop_tracking_events"),
    ):
        counts[key] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    counts["skus_in_stock"] = conn.execute("SELECT COUNT(*) FROM shop_skus WHERE stock > 0").fetchone()[0]
    return counts


T = TypeVar("T")
_PRODUCT_ID_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]\d{3,})(?![A-Za-z0-9])")


class ShopStore:
    """Read/write access to the shop tables; one SQLite connection per thread, opened on first use."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._local = threading.local()
        # Stock at or below this is answered as "only N left" (shop.yml: low_stock_threshold).
        self.low_stock_threshold = 3
        self._views: Dict[Any, Tuple[str, Any]] = {}
        self._views_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Optional[Settings] = None, auto_load: bool = True) -> "ShopStore":
        """The store for the configured database; loads ``shop/`` first when it changed (cheap hash check)."""
        settings = settings or Settings.from_env()
        if auto_load:
            load_shop(settings.shop_dir, settings.db_path)
        store = cls(settings.db_path)
        store.low_stock_threshold = load_shop_config(settings.shop_config_path).low_stock_threshold
        return store

    # -- connection ---------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = db.connect(self.db_path)
            _create_record_tables(conn)
            if not _has_data_tables(conn):
                conn.close()
                raise ShopNotLoaded(f"{self.db_path}: no shop data loaded yet; run `kefu load-shop`")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- catalogue views ----------------------------------------------------
    def catalog_version(self) -> str:
        """Changes with every ``load-shop`` rebuild and every import, in whichever process ran it."""
        row = self._conn().execute("SELECT value FROM shop_meta WHERE key = ?", (CATALOG_VERSION,)).fetchone()
        return row["value"] if row else ""

    def cached(self, build: Callable[["ShopStore"], T]) -> T:
        """``build(self)``, built once per catalogue version: a turn reads one ``shop_meta`` row
        instead of the products, every product's SKUs and the size systems (1+N queries).
        ``build`` must read only the catalogue (products, SKUs, size systems), never orders."""
        version = self.catalog_version()
        with self._views_lock:
            hit = self._views.get(build)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = build(self)
        with self._views_lock:
            self._views[build] = (version, value)
        return value

    # -- products -----------------------------------------------------------
    def products(self) -> List[Product]:
        rows = self._conn().execute("SELECT * FROM shop_products ORDER BY position").fetchall()
        return [_product(row) for row in rows]

    def product(self, product_id: str) -> Optional[Product]:
        if not isinstance(product_id, str) or not product_id.strip():
            return None
        row = self._conn().execute(
            "SELECT * FROM shop_products WHERE lower(id) = lower(?)", (product_id.strip(),)
        ).fetchone()
        return _product(row) if row else None

    def find_product(self, text: str) -> Optional[Product]:
        """The product a message names: by id (p1001), else the longest name or alias it contains."""
        if not isinstance(text, str) or not text.strip():
            return None
        text = text[:2000]
        for match in _PRODUCT_ID_IN_TEXT.finditer(text):
            product = self.product(match.group(1))
            if product:
                return product
        lowered = text.lower()
        best: Optional[Tuple[int, int, Product]] = None
        for position, product in enumerate(self.products()):
            for word in (product.name,) + product.aliases:
                if word and word.lower() in lowered:
                    key = (len(word), -position)
                    if best is None or key > best[:2]:
                        best = (key[0], key[1], product)
        return best[2] if best else None

    def skus(self, product_id: str) -> List[Sku]:
        rows = self._conn().execute(
            "SELECT * FROM shop_skus WHERE product_id = ? ORDER BY position", (product_id,)
        ).fetchall()
        return [
            Sku(row["product_id"], row["color"], row["size"], row["stock"], _day(row["restock_date"]),
                row["price"], _day(row["presale_ships_on"]))
            for row in rows
        ]

    def size_systems(self) -> Dict[str, SizeSystem]:
        rows = self._conn().execute("SELECT * FROM shop_size_systems ORDER BY position").fetchall()
        return {row["name"]: _size_system(row) for row in rows}

    def size_chart(self, name: str) -> SizeSystem:
        """The size system called ``name`` (v1: a category's size chart). KeyError when there is none."""
        row = self._conn().execute("SELECT * FROM shop_size_systems WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise KeyError(f"no size system {name!r}")
        return _size_system(row)

    size_system = size_chart

    # -- orders -------------------------------------------------------------
    def order(self, order_id: str) -> Optional[Order]:
        if not isinstance(order_id, str) or not order_id.strip():
            return None
        conn = self._conn()
        row = conn.execute("SELECT * FROM shop_orders WHERE order_id = ?", (order_id.strip(),)).fetchone()
        if row is None:
            return None
        events = tuple(
            TrackingEvent(dt.datetime.fromisoformat(e["time"]), e["text"])
            for e in conn.execute(
                "SELECT time, text FROM shop_tracking_events WHERE order_id = ? ORDER BY position", (row["order_id"],)
            )
        )
        return Order(
            order_id=row["order_id"],
            status=OrderStatus(row["status"]),
            product_id=row["product_id"],
            color=row["color"],
            size=row["size"],
            quantity=row["quantity"],
            amount=row["amount"],
            created_at=dt.datetime.fromisoformat(row["created_at"]),
            paid_at=_dt(row["paid_at"]),
            shipped_at=_dt(row["shipped_at"]),
            courier=row["courier"],
            tracking_number=row["tracking_number"],
            receiver_name=row["receiver_name"],
            receiver_phone=row["receiver_phone"],
            receiver_address=row["receiver_address"],
            province=row["province"],
            events=events,
            items=_order_items(row["items"]),
            freight_insurance=None if row["freight_insurance"] is None else bool(row["freight_insurance"]),
            signed_at=_dt(row["delivered_at"]),
        )

    def order_ids(self) -> List[str]:
        return [row[0] for row in self._conn().execute("SELECT order_id FROM shop_orders ORDER BY created_at")]

    # -- records --------------------------------------------------------------
    def record_invoice_request(
        self, *, conversation_id: str, order_id: Optional[str], invoice_type: str, title: str,
        tax_number: Optional[str], email: Optional[str],
    ) -> int:
        """Store an invoice request for the shop's staff to issue; returns its id."""
        if not invoice_type or not title:
            raise ValueError("invoice_type and title are required")
        conn = self._conn()
        with db.transaction(conn):
            cursor = conn.execute(
                "INSERT INTO shop_invoice_requests (created_at, conversation_id, order_id, invoice_type, title,"
                " tax_number, email) VALUES (?,?,?,?,?,?,?)",
                (_now(), str(conversation_id), order_id, invoice_type, title[:200], tax_number, email),
            )
        return int(cursor.lastrowid)

    def record_address_change(self, *, conversation_id: str, order_id: str, new_address: str) -> int:
        """Store a requested new address for staff to apply before dispatch; returns its id."""
        if not order_id or not new_address or not new_address.strip():
            raise ValueError("order_id and new_address are required")
        conn = self._conn()
        with db.transaction(conn):
            cursor = conn.execute(
                "INSERT INTO shop_address_changes (created_at, conversation_id, order_id, new_address)"
                " VALUES (?,?,?,?)",
                (_now(), str(conversation_id), order_id, new_address.strip()[:300]),
            )
        return int(cursor.lastrowid)

    def invoice_requests(self) -> List[sqlite3.Row]:
        return self._conn().execute("SELECT * FROM shop_invoice_requests ORDER BY id").fetchall()

    def address_changes(self) -> List[sqlite3.Row]:
        return self._conn().execute("SELECT * FROM shop_address_changes ORDER BY id").fetchall()


def _dt(value: Optional[str]) -> Optional[dt.datetime]:
    return dt.datetime.fromisoformat(value) if value else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _day(value: Optional[str]) -> Optional[dt.date]:
    return dt.date.fromisoformat(value) if value else None


def _size_system(row: sqlite3.Row) -> SizeSystem:
    rows = tuple(
        SizeRow(r["size"], tuple((k, (float(v[0]), float(v[1]))) for k, v in r["ranges"].items()), tuple(r["aliases"]))
        for r in json.loads(row["rows"])
    )
    stored = json.loads(row["measures"])  # the measures' names, then the system's own measurements
    custom = tuple(CustomMeasure(m["name"], m["unit"], tuple(m["words"])) for m in stored if isinstance(m, dict))
    return SizeSystem(row["name"], rows, tuple(m for m in stored if isinstance(m, str)), row["needs"], row["note"],
                      custom)


def _order_items(value: Optional[str]) -> Tuple[OrderItem, ...]:
    if not value:
        return ()
    return tuple(OrderItem(i["product_id"], i.get("color") or "", i.get("size") or "", int(i.get("quantity") or 1),
                           i.get("price")) for i in json.loads(value))


def _product(row: sqlite3.Row) -> Product:
    extra = json.loads(row["extra"]) if row["extra"] else {}
    return Product(
        id=row["id"],
        name=row["name"],
        category=row["category"],
        price=row["price"],
        aliases=tuple(json.loads(row["aliases"])),
        fit=row["fit"],
        fit_note=row["fit_note"],
        description=row["description"],
        size_system=extra.get("size_system", row["category"]) if extra else row["category"],
        option_names=tuple((extra.get("option_names") or {}).items()),
        facts=tuple((label, text) for label, text in extra.get("facts") or ()),
        fact_aliases=tuple((label, tuple(words)) for label, words in (extra.get("fact_aliases") or {}).items()),
        gifts=tuple(Gift(g["text"], _day(g.get("from")), _day(g.get("until"))) for g in extra.get("gifts") or ()),
    )
