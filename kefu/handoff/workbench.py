"""What the workbench shows, as JSON-ready data: the queue with countdowns, a chat with its side panel.

Plain Python over the stores (no web framework), so the console API stays thin
and these rules have one home: who sees which chats (an agent: the open queue
and their own; a supervisor: everything), how the queue is sorted (most urgent
countdown first, then priority, then age), and what is masked (every string,
unless the holder revealed it).
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

from kefu.handoff.assist import is_shadow
from kefu.handoff.media import PLACEHOLDER, marker_name
from kefu.handoff.order_actions import allowed_for
from kefu.masking import mask_data, mask_order, mask_text
from kefu.tickets.response_rules import DEFAULTS, ResponseRule, countdown
from kefu.tickets.store import RECALL_SECONDS, Ticket, TicketStore, TranscriptLine
from kefu.tickets.triggers import REASON_LABELS

# What the handoff's own sentences say (kefu/handoff/replies.yml): a bot line with one of them hands
# off or acknowledges the wait, it answers no question.
HANDOFF_MARKERS = ("转接人工客服", "转交人工客服", "转给人工客服", "转给售后同事", "人工客服的处理队列", "安排人工客服")
PLATFORM_LABELS = {"pinduoduo": "拼多多", "taobao": "淘宝/天猫", "jd": "京东", "douyin": "抖音"}
STATUS_LABELS = {"open": "待认领", "claimed": "处理中", "closed": "已结束"}
SENDER_LABELS = {"buyer": "买家", "bot": "机器人", "agent": "客服", "system": "系统"}
PRIORITY_LABELS = {1: "紧急", 2: "高", 3: "普通"}
CATEGORY_LABELS = {"third_party_platform": "第三方平台", "off_platform_transaction": "站外交易",
                   "review_inducement": "诱导好评", "extreme_claim": "极限用语", "platform_vocabulary": "平台禁用词",
                   "impolite": "不文明用语", "personal_data": "个人信息"}
ACTION_LABELS = {"block": "禁止发送", "rewrite": "需改写", "mask": "已遮挡"}
OUTCOME_LABELS = {"resolved": "已解决", "refund": "已退款/退货", "no_response": "买家无回应", "other": "其他",
                  "assist_shadow": "辅助草稿", "bot_recovered": "系统恢复后机器人已回复"}


WAIT_LABELS = {"bot": "机器人已回答", "waiting": "等待人工回复"}


def waiting_states(lines: List[TranscriptLine], handoff_markers: Sequence[str] = ()) -> List[Optional[str]]:
    """Per line: for a buyer message, ``"bot"`` (the bot answered it), ``"waiting"`` (it waits for the
    agent) or None (an agent has replied since); None for other lines. A bot line answers the buyer's
    messages since the previous bot line, unless it only hands off or acknowledges the wait (it contains
    one of ``handoff_markers``): then they keep waiting for the person."""
    states: List[Optional[str]] = [None] * len(lines)
    since_bot: List[int] = []
    for index, line in enumerate(lines):
        if line.sender == "buyer":
            since_bot.append(index)
            states[index] = "waiting"
        elif line.sender == "bot":
            if not any(marker in line.text for marker in handoff_markers):
                for i in since_bot:
                    states[i] = "bot"
            since_bot = []
        elif line.sender == "agent":
            states[:index] = [None if s == "waiting" else s for s in states[:index]]
            since_bot = []
    return states


def _unanswered(lines: List[TranscriptLine]) -> int:
    count = 0
    for line in lines:
        if line.sender == "buyer":
            count += 1
        elif line.sender == "agent":
            count = 0
    return count


def summary(ticket: Ticket, lines: List[TranscriptLine], rules: Mapping[str, ResponseRule], now: float,
            viewer: Optional[str] = None) -> Dict[str, Any]:
    rule = rules.get(ticket.platform, DEFAULTS["pinduoduo"])
    last_buyer = next((line for line in reversed(lines) if line.sender == "buyer"), None)
    return {
        "id": ticket.id,
        "conversation_id": ticket.conversation_id,
        "platform": ticket.platform,
        "platform_label": PLATFORM_LABELS.get(ticket.platform, ticket.platform),
        "reason": ticket.reason,
        "reason_label": REASON_LABELS.get(ticket.reason, ticket.reason),
        "detail": mask_text(ticket.detail),
        "priority": ticket.priority,
        "priority_label": PRIORITY_LABELS.get(ticket.priority, str(ticket.priority)),
        "status": ticket.status,
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "agent": ticket.agent,
        "mine": viewer is not None and ticket.agent == viewer,
        "created_at": ticket.created_at,
        "closed_at": ticket.closed_at,
        "outcome": ticket.outcome,
        "outcome_label": OUTCOME_LABELS.get(ticket.outcome or "", ticket.outcome),
        "waiting_seconds": round(ticket.waiting_seconds(now)),
        "answer_after": ticket.answer_after,
        "preview": (PLACEHOLDER if marker_name(last_buyer.text) else mask_text(last_buyer.text[:60])) if last_buyer else "",
        "unanswered": _unanswered(lines),
        "countdown": countdown(lines, rule, ticket.created_at, now) if ticket.status != "closed" else None,
        "product_id": ticket.product_id,
        "order_id": ticket.order_id,
    }


def queue(tickets: TicketStore, rules: Mapping[str, ResponseRule], viewer: str, supervisor: bool,
          platform: Optional[str] = None, now: Optional[float] = None) -> List[Dict[str, Any]]:
    """Active chats the viewer may see, most urgent countdown first."""
    now = time.time() if now is None else now
    active = [t for t in tickets.queue() if not is_shadow(t.conversation_id)
              and (supervisor or t.status == "open" or t.agent == viewer)
              and (platform is None or t.platform == platform)]
    lines = tickets.lines_of([t.id for t in active])
    rows = [summary(t, lines[t.id], rules, now, viewer) for t in active]

    def urgency(row: Dict[str, Any]) -> tuple:
        left = row["countdown"]["remaining_seconds"] if row["countdown"] else float("inf")
        return (left, row["priority"], row["created_at"], row["id"])

    return sorted(rows, key=urgency)


def _order_panel(order: Any, product_name: Optional[str]) -> Dict[str, Any]:
    fmt = lambda value: value.strftime("%m-%d %H:%M") if value else None  # noqa: E731
    return {
        "订单号": order.order_id,
        "状态": order.status.value,
        "商品": product_name or order.product_id,
        "规格": f"{order.color}/{order.size} × {order.quantity}",
        "金额": f"¥{order.amount:.2f}",
        "下单时间": fmt(order.created_at),
        "付款时间": fmt(order.paid_at),
        "发货时间": fmt(order.shipped_at),
        "快递": " ".join(filter(None, (order.courier, order.tracking_number))) or None,
        "收货人": order.receiver_name or None,
        "手机": order.receiver_phone or None,
        "地址": order.receiver_address or None,
        "物流": [{"时间": fmt(e.time), "内容": e.text} for e in reversed(order.events)],
    }


def side_panel(shop: Any, ticket: Ticket) -> Dict[str, Any]:
    """The buyer's product (with SKU stock) and order (status, tracking) in Chinese, unmasked."""
    panel: Dict[str, Any] = {"product": None, "skus": [], "order": None, "order_actions": allowed_for(None)}
    if shop is None:
        return panel
    try:
        order = shop.order(ticket.order_id) if ticket.order_id else None
        product_id = ticket.product_id or (order.product_id if order else None)
        product = shop.product(product_id) if product_id else None
        if product is not None:
            panel["product"] = {"编号": product.id, "名称": product.name, "价格": f"¥{product.price:.2f}",
                                "版型": product.fit + (f"（{product.fit_note}）" if product.fit_note else "")}
            panel["skus"] = [{"颜色": s.color, "尺码": s.size, "库存": s.stock,
                              "补货": s.restock_date.isoformat() if s.restock_date else None}
                             for s in shop.skus(product.id)]
        if order is not None:  # the order's own product, which need not be the one the buyer asks about
            ordered = product if product is not None and product.id == order.product_id else shop.product(order.product_id)
            panel["order"] = _order_panel(order, ordered.name if ordered else None)
            panel["order_actions"] = allowed_for(order)
    except Exception:  # shop data missing or being reloaded: details are a convenience
        return panel
    return panel


def detail(tickets: TicketStore, shop: Any, task_store: Any, ticket: Ticket, rules: Mapping[str, ResponseRule],
           viewer: str, reveal: bool = False) -> Dict[str, Any]:
    now = time.time()
    data = summary(ticket, ticket.transcript, rules, now, viewer)
    data["revealed"] = reveal
    recalled = tickets.recalled(ticket.id)
    data["transcript"] = [{"sender": line.sender, "sender_label": SENDER_LABELS.get(line.sender, line.sender),
                           "text": line.text, "ts": line.ts, "agent": line.agent,
                           "recalled": line.source_key in recalled} for line in ticket.transcript]
    data["recall_seconds"] = RECALL_SECONDS
    for row, state in zip(data["transcript"], waiting_states(ticket.transcript, HANDOFF_MARKERS)):
        row["wait_state"], row["wait_label"] = state, WAIT_LABELS.get(state or "")
    data.update(side_panel(shop, ticket))
    data["tasks"] = [task.as_dict() for task in task_store.list(conversation_id=ticket.conversation_id)
                     if task.status == "open"] if task_store is not None else []
    if not reveal:
        data["transcript"] = mask_data(data["transcript"])
        data["tasks"] = mask_data(data["tasks"])
        data["order"] = mask_order(data["order"])
    for row, line in zip(data["transcript"], ticket.transcript):  # after masking: a key is an id, not text
        row["key"] = line.source_key
    return data


