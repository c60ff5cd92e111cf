"""Imported rows in the shop store: kept in ``import_*`` tables, applied over the ``shop_*`` tables.

``kefu load-shop`` rebuilds the ``shop_*`` tables from YAML whenever the files
change; imported data must survive that. So an import is written twice in one
transaction: to ``import_*`` tables that the loader never drops, and over the
``shop_*`` tables the assistant reads. The loader calls :func:`apply_imports`
after each rebuild, so imports (newer than the sample YAML) win on equal ids, and
order updates from platform events (:mod:`kefu.shop.updates`) win over both.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Dict, Iterable, List, Protocol

from kefu import db
from kefu.shop.models import Order, Product, Sku, order_items_json
from kefu.shop.updates import add_dispatch_events, apply_order_updates

IMPORT_TABLES = (
    """CREATE TABLE IF NOT EXISTS import_products (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price REAL NOT NULL,
        aliases TEXT NOT NULL, fit TEXT NOT NULL, fit_note TEXT NOT NULL, description TEXT NOT NULL,
        batch INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS import_skus (
        product_id TEXT NOT NULL, position INTEGER NOT NULL, color TEXT NOT NULL, size TEXT NOT NULL,
        stock INTEGER NOT NULL, restock_date TEXT, batch INTEGER NOT NULL, PRIMARY KEY (product_id, color, size))""",
    """CREATE TABLE IF NOT EXISTS import_orders (
        order_id TEXT PRIMARY KEY, status TEXT NOT NULL, product_id TEXT NOT NULL, color TEXT NOT NULL,
        size TEXT NOT NULL, quantity INTEGER NOT NULL, amount REAL NOT NULL, created_at TEXT NOT NULL,
        paid_at TEXT, shipped_at TEXT, courier TEXT, tracking_number TEXT, receiver_name TEXT NOT NULL,
        receiver_phone TEXT NOT NULL, receiver_address TEXT NOT NULL, province TEXT, batch INTEGER NOT NULL,
        items TEXT, freight_insurance INTEGER, delivered_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS import_batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, kind TEXT NOT NULL, platform TEXT,
        file TEXT NOT NULL, encoding TEXT NOT NULL, rows INTEGER NOT NULL, warnings TEXT NOT NULL)""",
)
_ORDER_COLUMNS = ("order_id, status, product_id, color, size, quantity, amount, created_at, paid_at, shipped_at,"
                  " courier, tracking_number, receiver_name, receiver_phone, receiver_address, province,"
                  " items, freight_insurance, delivered_at")
# Columns added to import_orders by shop data v2 (older databases get them on first use).
_V2_ORDER_COLUMNS = (("items", "TEXT"), ("freight_insurance", "INTEGER"), ("delivered_at", "TEXT"))


# The loader's own table (hash of the YAML files, load time, the catalogue's version).
META_TABLE = "CREATE TABLE IF NOT EXISTS shop_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
CATALOG_VERSION = "catalog_version"


def new_catalog_version(conn: sqlite3.Connection) -> None:
    """Mark the catalogue changed (inside the caller's transaction): every process's cached views
    built from it (:meth:`kefu.shop.store.ShopStore.cached`) are rebuilt on their next use."""
    conn.execute(META_TABLE)
    conn.execute("INSERT INTO shop_meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (CATALOG_VERSION, uuid.uuid4().hex))


def create_tables(conn: sqlite3.Connection) -> None:
    for ddl in IMPORT_TABLES:
        conn.execute(ddl)
    have = db.column_names(conn, "import_orders")
    for name, kind in _V2_ORDER_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE import_orders ADD COLUMN {name} {kind}")


class ImportedRows(Protocol):
    """What an import parsed (:class:`kefu.imports.records.ImportResult`): stored here without importing it."""

    kind: str
    file: str
    encoding: str
    warnings: List[str]
    products: List[Product]
    skus: List[Sku]
    orders: List[Order]


def save_import(db_path: Path, result: ImportedRows, platform: str = "") -> int:
    """Store ``result`` (and apply it to the shop tables) in one transaction; returns the batch id.
    The shop tables must exist (``kefu load-shop`` first)."""
    conn = db.connect(db_path)
    try:
        create_tables(conn)
        with db.transaction(conn):
            rows = len(result.orders) if result.kind == "orders" else len(result.skus)
            batch = int(conn.execute(
                "INSERT INTO import_batches (created_at, kind, platform, file, encoding, rows, warnings)"
                " VALUES (?,?,?,?,?,?,?)",
                (_now(), result.kind, platform or None, result.file, result.encoding, rows,
                 json.dumps(result.warnings, ensure_ascii=False)),
            ).lastrowid)
            _store_products(conn, result.products, result.skus, batch)
            _store_orders(conn, result.orders, batch)
            apply_imports(conn)
        return batch
    finally:
        conn.close()


def _store_products(conn: sqlite3.Connection, products: Iterable[Product], skus: List[Sku], batch: int) -> None:
    for p in products:
        # Delete-then-insert rather than INSERT OR REPLACE: the same SQL runs on SQLite and PostgreSQL.
        conn.execute("DELETE FROM import_products WHERE id = ?", (p.id,))
        conn.execute(
            "INSERT INTO import_products VALUES (?,?,?,?,?,?,?,?,?)",
            (p.id, p.name, p.category, p.price, json.dumps(list(p.aliases), ensure_ascii=False), p.fit, p.fit_note,
             p.description, batch),
        )
        # A product's SKU list is the export's: SKUs no longer listed are gone.
        conn.execute("DELETE FROM import_skus WHERE product_id = ?", (p.id,))
    conn.executemany(
        "INSERT INTO import_skus VALUES (?,?,?,?,?,?,?)",
        [(s.product_id, i, s.color, s.size, s.stock, s.restock_date.isoformat() if s.restock_date else None, batch)
         for i, s in enumerate(skus)],
    )


def _store_orders(conn: sqlite3.Connection, orders: Iterable[Order], batch: int) -> None:
    orders = list(orders)
    conn.executemany("DELETE FROM import_orders WHERE order_id = ?", [(o.order_id,) for o in orders])
    conn.executemany(
        f"INSERT INTO import_orders ({_ORDER_COLUMNS}, batch) VALUES ({','.join('?' * 20)})",
        [(o.order_id, o.status.value, o.product_id, o.color, o.size, o.quantity, o.amount, o.created_at.isoformat(),
          _iso(o.paid_at), _iso(o.shipped_at), o.courier, o.tracking_number, o.receiver_name, o.receiver_phone,
          o.receiver_address, o.province, order_items_json(o),
          None if o.freight_insurance is None else int(o.freight_insurance), _iso(o.signed_at), batch)
         for o in orders],
    )


def apply_imports(conn: sqlite3.Connection) -> Dict[str, int]:
    """Copy every imported row over the ``shop_*`` tables (inside the caller's transaction), then the
    platform's order updates. Called after each YAML rebuild and after each import."""
    create_tables(conn)
    products = conn.execute("SELECT * FROM import_products").fetchall()
    next_position = conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM shop_products").fetchone()[0]
    for p in products:
        row = conn.execute("SELECT position, extra FROM shop_products WHERE id = ?", (p["id"],)).fetchone()
        position = row["position"] if row else next_position
        next_position += 0 if row else 1
        conn.execute("DELETE FROM shop_products WHERE id = ?", (p["id"],))
        # The export has no facts, gifts or size system: the YAML's stay with the product.
        conn.execute("INSERT INTO shop_products (id, position, name, category, price, aliases, fit, fit_note,"
                     " description, extra) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     (p["id"], position, p["name"], p["category"], p["price"], p["aliases"], p["fit"], p["fit_note"],
                      p["description"], row["extra"] if row else None))
        conn.execute("DELETE FROM shop_skus WHERE product_id = ?", (p["id"],))
    conn.execute("DELETE FROM shop_skus WHERE product_id IN (SELECT product_id FROM import_skus)")
    conn.execute("INSERT INTO shop_skus (product_id, position, color, size, stock, restock_date)"
                 " SELECT product_id, position, color, size, stock, restock_date FROM import_skus")
    conn.execute("DELETE FROM shop_orders WHERE order_id IN (SELECT order_id FROM import_orders)")
    conn.execute(f"INSERT INTO shop_orders ({_ORDER_COLUMNS}) SELECT {_ORDER_COLUMNS} FROM import_orders")
    # An imported order replaces the sample's, tracking history included.
    conn.execute("DELETE FROM shop_tracking_events WHERE order_id IN (SELECT order_id FROM import_orders)")
    updated = apply_order_updates(conn)
    add_dispatch_events(conn)
    new_catalog_version(conn)  # every rebuild and every import passes here
    return {"products": len(products), "orders": conn.execute("SELECT COUNT(*) FROM import_orders").fetchone()[0],
            "order_updates": updated}


def batches(db_path: Path) -> List[sqlite3.Row]:
    conn = db.connect(db_path)
    try:
        create_tables(conn)
        return conn.execute("SELECT * FROM import_batches ORDER BY id").fetchall()
    finally:
        conn.close()


def _iso(value: "dt.datetime | None") -> "str | None":
    return value.isoformat() if value else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
