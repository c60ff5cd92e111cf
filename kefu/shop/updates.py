"""Order status changes pushed by a platform (抖店 events), kept current in the shop store.

Updates live in ``order_updates`` (never dropped by ``kefu load-shop``) and are
applied over ``shop_orders``; an update only wins over an older one (platforms
re-deliver and reorder pushes), so a late 已支付 never undoes 已发货. After-sale
requests (退款/退货) are recorded in ``order_aftersales`` for staff and for the
refund answers; they do not change the order's status.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Optional


from kefu import db
from kefu.shop.models import OrderStatus
from kefu.shop.answers import reply

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS order_updates (
        order_id TEXT PRIMARY KEY, status TEXT NOT NULL, event_time TEXT NOT NULL, paid_at TEXT, shipped_at TEXT,
        courier TEXT, tracking_number TEXT, source TEXT NOT NULL, received_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS order_aftersales (
        aftersale_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, status TEXT NOT NULL, kind TEXT NOT NULL,
        refund_amount REAL, applied_at TEXT NOT NULL, source TEXT NOT NULL, received_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS order_events_seen (
        source TEXT NOT NULL, msg_id TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (source, msg_id))""",
)


@dataclass(frozen=True)
class OrderUpdate:
    """One status change; ``event_time`` is the platform's time of the change (orders by it)."""

    order_id: str
    status: OrderStatus
    event_time: dt.datetime
    paid_at: Optional[dt.datetime] = None
    shipped_at: Optional[dt.datetime] = None
    courier: Optional[str] = None
    tracking_number: Optional[str] = None
    source: str = "doudian"


@dataclass(frozen=True)
class AfterSale:
    aftersale_id: str
    order_id: str
    status: str
    kind: str
    refund_amount: Optional[float]
    applied_at: dt.datetime
    source: str = "doudian"


def create_tables(conn: sqlite3.Connection) -> None:
    for ddl in SCHEMA:
        conn.execute(ddl)


class OrderUpdateStore:
    """Writes platform updates; every method is one transaction on its own connection (safe from any thread)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)

    def _connect(self) -> sqlite3.Connection:
        conn = db.connect(self.db_path)
        create_tables(conn)
        return conn

    def first_delivery(self, source: str, msg_id: str) -> bool:
        """True the first time ``msg_id`` is seen (then it is remembered); False for a re-delivery."""
        conn = self._connect()
        try:
            cursor = conn.execute("INSERT INTO order_events_seen VALUES (?,?,?) ON CONFLICT DO NOTHING", (source, msg_id, _now()))
            return cursor.rowcount == 1
        finally:
            conn.close()

    def forget_delivery(self, source: str, msg_id: str) -> None:
        """Undo :meth:`first_delivery` when handling failed, so the platform's retry is processed."""
        conn = self._connect()
        try:
            conn.execute("DELETE FROM order_events_seen WHERE source = ? AND msg_id = ?", (source, msg_id))
        finally:
            conn.close()

    def record(self, update: OrderUpdate) -> bool:
        """Store ``update`` unless a newer one is known; apply it to the shop store. True when applied."""
        conn = self._connect()
        try:
            with db.transaction(conn):
                row = conn.execute("SELECT * FROM order_updates WHERE order_id = ?", (update.order_id,)).fetchone()
                if row is not None and row["event_time"] > _utc(update.event_time):
                    return False
                keep = (lambda name: row[name]) if row is not None else (lambda name: None)
                conn.execute("DELETE FROM order_updates WHERE order_id = ?", (update.order_id,))
                conn.execute(
                    "INSERT INTO order_updates VALUES (?,?,?,?,?,?,?,?,?)",
                    (update.order_id, update.status.value, _utc(update.event_time),
                     _iso(update.paid_at) or keep("paid_at"), _iso(update.shipped_at) or keep("shipped_at"),
                     update.courier or keep("courier"), update.tracking_number or keep("tracking_number"),
                     update.source, _now()),
                )
                if _has_shop_tables(conn):
                    apply_order_updates(conn, update.order_id)
                    add_dispatch_events(conn, update.order_id)
            return True
        finally:
            conn.close()

    def record_aftersale(self, aftersale: AfterSale) -> None:
        conn = self._connect()
        try:
            with db.transaction(conn):
                conn.execute("DELETE FROM order_aftersales WHERE aftersale_id = ?", (aftersale.aftersale_id,))
                conn.execute(
                    "INSERT INTO order_aftersales VALUES (?,?,?,?,?,?,?,?)",
                    (aftersale.aftersale_id, aftersale.order_id, aftersale.status, aftersale.kind, aftersale.refund_amount,
                     aftersale.applied_at.isoformat(), aftersale.source, _now()),
                )
        finally:
            conn.close()

    def aftersales(self, order_id: str) -> list:
        conn = self._connect()
        try:
            return [dict(r) for r in conn.execute(
                "SELECT * FROM order_aftersales WHERE order_id = ? ORDER BY applied_at", (order_id,))]
        finally:
            conn.close()


def apply_order_updates(conn: sqlite3.Connection, order_id: Optional[str] = None) -> int:
    """Apply stored updates over ``shop_orders`` (all, or one order's) in the caller's transaction."""
    create_tables(conn)
    where, args = ("WHERE order_id = ?", (order_id,)) if order_id else ("", ())
    count = 0
    for u in conn.execute(f"SELECT * FROM order_updates {where}", args).fetchall():
        count += conn.execute(
            "UPDATE shop_orders SET status = ?, paid_at = COALESCE(?, paid_at), shipped_at = COALESCE(?, shipped_at),"
            " courier = COALESCE(?, courier), tracking_number = COALESCE(?, tracking_number) WHERE order_id = ?",
            (u["status"], u["paid_at"], u["shipped_at"], u["courier"], u["tracking_number"], u["order_id"]),
        ).rowcount
    return count


def dispatched_text() -> str:
    """The tracking line of a shipped order with no scans (``replies.yml`` ``logistics.dispatched``)."""
    return reply("logistics.dispatched").strip()


def add_dispatch_events(conn: sqlite3.Connection, order_id: Optional[str] = None) -> int:
    """Shipped orders with a dispatch time but no tracking history get one line, at that time, saying so:
    the logistics answer always quotes the latest scan, and an empty one reads as a broken sentence."""
    where, args = ("AND o.order_id = ?", (order_id,)) if order_id else ("", ())
    return conn.execute(
        "INSERT INTO shop_tracking_events (order_id, position, time, text) SELECT o.order_id, 0, o.shipped_at, ?"
        " FROM shop_orders o WHERE o.status = ? AND o.shipped_at IS NOT NULL AND NOT EXISTS"
        f" (SELECT 1 FROM shop_tracking_events e WHERE e.order_id = o.order_id) {where}",
        (dispatched_text(), OrderStatus.SHIPPED.value, *args),
    ).rowcount


def _has_shop_tables(conn: sqlite3.Connection) -> bool:
    return "shop_orders" in db.table_names(conn)


def _iso(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat() if value else None


def _utc(value: dt.datetime) -> str:
    """Event times compared as text: all in UTC, so the comparison is chronological."""
    return value.astimezone(dt.timezone.utc).isoformat()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
