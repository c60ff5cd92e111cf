"""Order actions from the console (改地址, 改规格, 备注给快递, 取消): checked, turned into tasks, audited.

The order sources kefu reads today (the shop's own data, the platforms' order APIs through
``kefu.orders``) are read-only, so every action becomes a task carrying the data the person
who carries it out needs (new address, colour/size, remark); the task appears in the chat's
待办任务 and on /console/tasks. What the order's state forbids is refused with the reason
(a shipped order's address cannot change from here; a delivered order cannot be cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from kefu.tickets.store import Ticket, TicketError, TicketStore, TranscriptLine
from kefu.shop.models import OrderStatus

BEFORE_DISPATCH = (OrderStatus.UNPAID, OrderStatus.AWAITING_SHIPMENT)
NOT_DELIVERED = (OrderStatus.UNPAID, OrderStatus.AWAITING_SHIPMENT, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class OrderAction:
    label: str
    task_kind: str
    allowed: tuple
    refused: str  # why, when the order's state forbids it


ACTIONS: Mapping[str, OrderAction] = {
    "address_change": OrderAction("改地址", "address_change", BEFORE_DISPATCH,
                                  "订单{status}，不能再修改收货地址（已发货的请联系快递改派）"),
    "spec_change": OrderAction("改规格", "order_change", BEFORE_DISPATCH, "订单{status}，发货前才能修改规格"),
    "courier_remark": OrderAction("备注给快递", "courier_remark", NOT_DELIVERED, "订单{status}，不能再给快递备注"),
    "cancel": OrderAction("取消订单", "order_cancel", BEFORE_DISPATCH, "订单{status}，发货前才能取消"),
}


class OrderActionError(TicketError):
    status_code = 400


class OrderActionRefused(TicketError):
    status_code = 409


def _text(data: Mapping[str, Any], key: str, label: str, low: int, high: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not low <= len(value.strip()) <= high:
        raise OrderActionError(f"{label}须为 {low} 到 {high} 个字")
    return value.strip()


def submit(action: str, data: Mapping[str, Any], ticket: Ticket, shop: Any, tasks: Any, tickets: TicketStore,
           agent: str) -> Dict[str, Any]:
    """Check ``action`` on the ticket's order and open its task; returns the task as a dict."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise OrderActionError("不支持的订单操作")
    if not ticket.order_id or shop is None:
        raise OrderActionRefused("这个会话没有关联订单")
    order = shop.order(ticket.order_id)
    if order is None:
        raise OrderActionRefused(f"店铺数据中没有订单 {ticket.order_id}")
    if order.status not in spec.allowed:
        raise OrderActionRefused(spec.refused.format(status=order.status.value))
    details: Dict[str, Any] = {"requested_by": agent, "action": action}
    if action == "address_change":
        details["new_address"] = _text(data, "address", "新地址", 5, 200)
        summary = f"订单 {order.order_id} 改地址为：{details['new_address']}"
    elif action == "spec_change":
        color, size = data.get("color"), data.get("size")
        skus = {(s.color, s.size): s for s in shop.skus(order.product_id)}
        if (color, size) not in skus:
            raise OrderActionError("没有这个颜色和尺码的规格")
        if (color, size) == (order.color, order.size):
            raise OrderActionError("和订单现在的规格相同")
        if skus[(color, size)].stock < order.quantity:
            raise OrderActionRefused(f"{color}/{size} 库存不足")
        details.update(old=f"{order.color}/{order.size}", new=f"{color}/{size}")
        summary = f"订单 {order.order_id} 规格 {order.color}/{order.size} 改为 {color}/{size}"
    elif action == "courier_remark":
        details["remark"] = _text(data, "remark", "备注", 2, 100)
        summary = f"订单 {order.order_id} 给快递备注：{details['remark']}"
    else:
        details["reason"] = _text(data, "reason", "取消原因", 2, 100)
        summary = f"订单 {order.order_id} 发货前取消：{details['reason']}"
    task = tasks.create(spec.task_kind, conversation_id=ticket.conversation_id, platform=ticket.platform,
                        summary=summary, order_id=order.order_id, product_id=order.product_id, details=details)
    tickets.audit("order_action", agent=agent, ticket_id=ticket.id, detail=f"{action} task {task.id}")
    line = f"{agent} 提交了{spec.label}（任务 #{task.id}）"
    tickets.append(ticket.id, [TranscriptLine("system", line, task.created_at, f"order_action:{task.id}", agent)])
    return task.as_dict()


def choices() -> Dict[str, str]:
    return {key: spec.label for key, spec in ACTIONS.items()}


def allowed_for(order: Optional[Any]) -> Dict[str, bool]:
    """Which actions the order's state allows (the panel greys out the rest)."""
    return {key: order is not None and order.status in spec.allowed for key, spec in ACTIONS.items()}
