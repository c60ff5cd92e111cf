"""Agent-assist (智能辅助): up to three candidate replies, each with the shop facts it rests on.

Computed by the pure dialogue engine (``kefu.dialogue.engine.respond``) on a *copy* of what the
ticket knows (its product and order), for the buyer's messages that wait for the agent, newest
first. Nothing else runs: the turn's tasks and records are dropped, no conversation is sent to
Rasa, no tracker or ticket is created. A turn that would hand off (「叫你们人工客服出来」) gives
no candidate: the agent *is* the person; a candidate the bot has already sent gives none either.

The shadow conversations of the previous design (``assist:*`` ids through the whole stack) are
gone; :func:`is_shadow` stays so tickets such conversations left behind stay out of the queue.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Dict, List, Optional, Sequence
from zoneinfo import ZoneInfo

from kefu.dialogue import CatalogView, Context, State, respond
from kefu.tickets.store import Ticket

ASSIST_PREFIX = "assist:"
MAX_CANDIDATES = 3
SHOP_TIMEZONE = ZoneInfo("Asia/Shanghai")
ORDER_KINDS = ("logistics", "address_change", "order_change", "return_window", "return_how", "exchange",
               "refund_time", "invoice_apply", "invoice_request", "invoice_wrong_title", "invoice_when")

# The question kinds an agent reads in a candidate's facts (kefu.dialogue.questions), in Chinese.
KIND_LABELS = {
    "stock": "库存", "restock": "补货", "restock_notify": "到货提醒", "size_advice": "尺码建议",
    "ship_weekend": "周末发货", "ship_when": "发货时间", "courier": "快递", "free_shipping": "包邮",
    "presale": "预售", "transit": "配送时效", "logistics": "物流", "address_change": "改地址",
    "order_change": "改订单", "freight_insurance": "运费险", "return_who_pays": "退货运费",
    "refund_time": "退款时间", "return_condition": "退货条件", "exchange": "换货", "return_how": "退货方式",
    "return_window": "退货期限", "invoice_apply": "开发票", "invoice_wrong_title": "发票抬头",
    "invoice_when": "发票时间", "invoice_paper": "纸质发票", "invoice_types": "发票类型",
    "invoice_request": "开发票", "coupon": "优惠券", "bargain": "议价", "contact_offplatform": "站外联系",
    "review_cashback": "好评返现", "cash_on_delivery": "货到付款", "pay_transfer": "私下转账",
    "cheaper_elsewhere": "比价", "meet_offline": "线下交易", "greet": "问候", "thank": "致谢",
    "goodbye": "告别", "ok": "确认",
}


def is_shadow(conversation_id: str) -> bool:
    """A conversation the old shadow assist created (kept out of the queue and the reports)."""
    return conversation_id.startswith(ASSIST_PREFIX)


def waiting_questions(ticket: Ticket) -> List[str]:
    """The buyer's messages since the agent last wrote, newest first (all of them if the agent never did)."""
    waiting: List[str] = []
    for line in ticket.transcript:
        if line.sender == "agent":
            waiting = []
        elif line.sender == "buyer" and line.text.strip() and line.text not in waiting:
            waiting.append(line.text)
    return list(reversed(waiting))


def _facts(turn: Any, shop: Any, kinds: Sequence[str], today: dt.date) -> List[str]:
    """What the candidate rests on, read back from the shop data: product, SKU stock, order."""
    facts: List[str] = []
    labels = [KIND_LABELS[k] for k in dict.fromkeys(kinds) if k in KIND_LABELS]
    if labels:
        facts.append("问题：" + "、".join(labels))
    state = turn.state
    product = shop.product(state.product_id) if state.product_id else None
    if product is not None:
        facts.append(f"商品：{product.name}（{product.id}）¥{product.price:.2f}")
        for sku in shop.skus(product.id):
            if (state.color and sku.color != state.color) or (state.size and sku.size != state.size):
                continue
            if state.color or state.size:
                restock = sku.restock_date if sku.restock_date and sku.restock_date >= today else None
                stock = f"库存 {sku.stock} 件" if sku.stock > 0 else "缺货，" + (
                    f"{restock.isoformat()} 补货" if restock else "补货时间未定")
                facts.append(f"规格：{sku.color}/{sku.size} {stock}")
    order_id = state.order_id or (state.pending or {}).get("order_id")
    if order_id and any(k in ORDER_KINDS for k in kinds):
        order = shop.order(order_id)
        if order is not None:
            courier = " ".join(filter(None, (order.courier, order.tracking_number)))
            facts.append(f"订单：{order.order_id} {order.status.value}" + (f"，{courier}" if courier else ""))
    return facts[:6]


def suggestions(ticket: Ticket, shop: Any, config: Any, now: Optional[dt.datetime] = None,
                order_source: Any = None) -> Dict[str, Any]:
    """{"questions": [...], "candidates": [{"question", "text", "facts", "kinds"}]} (at most three)."""
    questions = waiting_questions(ticket)
    out: Dict[str, Any] = {"questions": questions, "candidates": []}
    if shop is None or config is None or not questions:
        return out
    now = now or dt.datetime.now(SHOP_TIMEZONE)
    already_sent = {line.text for line in ticket.transcript if line.sender in ("bot", "agent")}
    base = State(product_id=ticket.product_id, link_product_id=ticket.product_id, order_id=ticket.order_id,
                 verified_orders=[ticket.order_id] if ticket.order_id else [])
    catalog = CatalogView.from_store(shop)
    seen = set()
    for question in questions:
        ctx = Context(catalog=catalog, store=order_source or shop, config=config, now=now, platform=ticket.platform,
                      link_product_id=ticket.product_id, link_order_id=ticket.order_id)
        turn = respond(question, copy.deepcopy(base), ctx)  # a copy: nothing of the conversation changes
        if turn.handoff or not turn.messages or not turn.kinds or "human" in turn.kinds:
            continue  # 「叫你们人工客服出来」 or nothing understood: the agent is the person; nothing to draft
        text = "\n".join(turn.messages)
        if text in seen or all(message in already_sent for message in turn.messages):
            continue
        seen.add(text)
        out["candidates"].append({"question": question, "text": text, "kinds": list(turn.kinds),
                                  "facts": _facts(turn, shop, turn.kinds, now.date())})
        if len(out["candidates"]) == MAX_CANDIDATES:
            break
    return out
