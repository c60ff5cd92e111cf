"""Customer profile (客户资料) beside the chat: tags and notes per shop, past tickets and orders.

A buyer is their conversation id (what every channel maps the platform's buyer to); tags and
notes are kept per shop, so one kefu serving several shops never shows one shop's notes in
another's chat. Past orders are the orders the buyer's tickets were about, read back from the
shop data (the platforms do not hand out a buyer's whole order history to a chat tool).
Notes are internal (never sent to the buyer); they are masked like every other text the
console shows, and every change is audited.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence

from kefu.db import SQLiteStore, transaction
from kefu.tickets.store import Ticket, TicketError, TicketStore

MAX_TAGS = 12
MAX_TAG = 12
MAX_NOTE = 300
PAST_LIMIT = 20

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_customer_tags (
    shop        TEXT NOT NULL,
    buyer       TEXT NOT NULL,
    tag         TEXT NOT NULL,
    agent       TEXT,
    ts          REAL NOT NULL,
    PRIMARY KEY (shop, buyer, tag)
);
CREATE TABLE IF NOT EXISTS handoff_customer_notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    shop        TEXT NOT NULL,
    buyer       TEXT NOT NULL,
    agent       TEXT NOT NULL,
    text        TEXT NOT NULL,
    ts          REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS handoff_customer_notes_buyer ON handoff_customer_notes (shop, buyer, id);
"""


class ProfileError(TicketError):
    status_code = 400


class ProfileStore(SQLiteStore):
    SCHEMA = SCHEMA

    def tags(self, shop: str, buyer: str) -> List[str]:
        rows = self.conn.execute("SELECT tag FROM handoff_customer_tags WHERE shop = ? AND buyer = ? ORDER BY ts, tag",
                                 (shop, buyer)).fetchall()
        return [row["tag"] for row in rows]

    def set_tags(self, shop: str, buyer: str, tags: Any, agent: str) -> List[str]:
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ProfileError("标签须为文字列表")
        clean = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
        if len(clean) > MAX_TAGS or any(len(t) > MAX_TAG for t in clean):
            raise ProfileError(f"最多 {MAX_TAGS} 个标签，每个最多 {MAX_TAG} 个字")
        now = time.time()
        with transaction(self.conn) as conn:
            conn.execute("DELETE FROM handoff_customer_tags WHERE shop = ? AND buyer = ?", (shop, buyer))
            conn.executemany("INSERT INTO handoff_customer_tags (shop, buyer, tag, agent, ts) VALUES (?, ?, ?, ?, ?)",
                             [(shop, buyer, tag, agent, now + i * 1e-6) for i, tag in enumerate(clean)])
        return self.tags(shop, buyer)

    def notes(self, shop: str, buyer: str) -> List[Dict[str, Any]]:
        rows = self.conn.execute("SELECT id, agent, text, ts FROM handoff_customer_notes WHERE shop = ? AND buyer = ?"
                                 " ORDER BY id DESC LIMIT 50", (shop, buyer)).fetchall()
        return [dict(row) for row in rows]

    def add_note(self, shop: str, buyer: str, text: Any, agent: str) -> Dict[str, Any]:
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_NOTE:
            raise ProfileError(f"备注须为 1 到 {MAX_NOTE} 个字")
        cursor = self.conn.execute("INSERT INTO handoff_customer_notes (shop, buyer, agent, text, ts)"
                                   " VALUES (?, ?, ?, ?, ?)", (shop, buyer, agent, text.strip(), time.time()))
        return {"id": int(cursor.lastrowid), "agent": agent, "text": text.strip()}


def past_tickets(tickets: TicketStore, buyer: str, exclude: Optional[int] = None) -> List[Ticket]:
    rows = tickets.conn.execute("SELECT * FROM handoff_tickets WHERE conversation_id = ? ORDER BY created_at DESC"
                                " LIMIT ?", (buyer, PAST_LIMIT + 1)).fetchall()
    return [t for t in (Ticket.from_row(row) for row in rows) if t.id != exclude][:PAST_LIMIT]


def _orders(shop: Any, order_ids: Sequence[str]) -> List[Dict[str, Any]]:
    out = []
    for order_id in dict.fromkeys(order_ids):
        try:
            order = shop.order(order_id) if shop is not None else None
        except Exception:
            order = None
        if order is None:
            out.append({"订单号": order_id, "状态": "店铺数据中没有这个订单"})
            continue
        product = shop.product(order.product_id)
        out.append({"订单号": order.order_id, "状态": order.status.value, "商品": product.name if product else order.product_id,
                    "规格": f"{order.color}/{order.size} × {order.quantity}", "金额": f"¥{order.amount:.2f}",
                    "下单时间": order.created_at.strftime("%Y-%m-%d")})
    return out


def profile(store: ProfileStore, tickets: TicketStore, shop_data: Any, shop: str, ticket: Ticket,
            labels: Dict[str, Dict[str, str]]) -> Dict[str, Any]:
    """Everything the profile panel shows for the buyer of ``ticket`` (``labels``: status and reason)."""
    buyer = ticket.conversation_id
    past = past_tickets(tickets, buyer, exclude=ticket.id)
    orders = [t.order_id for t in [ticket] + past if t.order_id]
    return {
        "buyer": buyer, "shop": shop, "tags": store.tags(shop, buyer), "notes": store.notes(shop, buyer),
        "tickets": [{"id": t.id, "status_label": labels["status"].get(t.status, t.status),
                     "reason_label": labels["reason"].get(t.reason, t.reason), "created_at": t.created_at,
                     "outcome_label": labels["outcome"].get(t.outcome or "", t.outcome), "agent": t.agent}
                    for t in past],
        "orders": _orders(shop_data, orders),
    }
