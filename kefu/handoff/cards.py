"""Product and order cards an agent sends from the right panel, with their text form.

A card is plain data (``type``, fields, a ``text`` form for channels that show text only), built
from the shop's data at the moment it is sent: a product card names the product and, per SKU, the
price and the stock; an order card shows status, goods, amount and tracking, with the receiver's
name, phone and address **masked** (王**, 138****5678, 江苏省南京市***): a card travels to the buyer's
chat, where a screenshot or a shared screen must not expose them. The web layer guards every string
of the card for the conversation's platform before anything is sent (kefu.handoff.web.media).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from kefu.masking import mask_address, mask_data, mask_name, mask_phone
from kefu.tickets.store import TicketError

MAX_SKUS = 30


class CardError(TicketError):
    status_code = 404


def product_card(shop: Any, product_id: str) -> Dict[str, Any]:
    """Name, price per SKU and stock of ``product_id``; CardError(404) when the shop has no such product."""
    product = shop.product(product_id) if shop is not None and product_id else None
    if product is None:
        raise CardError("店铺里没有这个商品")
    skus: List[Dict[str, Any]] = []
    for sku in list(shop.skus(product.id))[:MAX_SKUS]:
        price = sku.price if sku.price is not None else product.price
        skus.append({"spec": sku.label, "price": f"¥{price:.2f}", "stock": max(int(sku.stock), 0),
                     "stock_label": f"有货 {sku.stock} 件" if sku.stock > 0 else
                     "缺货" + (f"（{sku.restock_date:%m月%d日}补货）" if sku.restock_date else "")})
    card = {"type": "product_card", "product_id": product.id, "name": product.name,
            "price": f"¥{product.price:.2f}", "skus": skus}
    lines = [f"【商品】{product.name} {card['price']}"]
    lines += [f"{s['spec']} {s['price']} {s['stock_label']}" for s in skus]
    card["text"] = "\n".join(lines)
    return card


def order_card(shop: Any, order_id: str) -> Dict[str, Any]:
    """The order with its personal fields masked; CardError(404) when the order is unknown."""
    order = shop.order(order_id) if shop is not None and order_id else None
    if order is None:
        raise CardError("找不到这个订单")
    product = shop.product(order.product_id)
    card: Dict[str, Any] = {
        "type": "order_card", "order_id": order.order_id, "status": order.status.value,
        "product": product.name if product else order.product_id,
        "spec": f"{order.color}/{order.size} × {order.quantity}", "amount": f"¥{order.amount:.2f}",
        "courier": order.courier or None, "tracking_number": order.tracking_number or None,
        "receiver": mask_name(order.receiver_name) or None, "phone": mask_phone(order.receiver_phone) or None,
        "address": mask_address(order.receiver_address) or None,
        "latest": mask_data(order.latest_event.text) if order.latest_event else None,  # a courier's note may hold a phone
    }
    lines = [f"【订单】{card['order_id']} {card['status']}", f"{card['product']} {card['spec']} {card['amount']}"]
    if card["courier"] or card["tracking_number"]:
        lines.append("快递：" + " ".join(filter(None, (card["courier"], card["tracking_number"]))))
    if card["receiver"]:
        lines.append(f"收货人：{card['receiver']} {card['phone'] or ''} {card['address'] or ''}".rstrip())
    card["text"] = "\n".join(lines)
    return card


def card_for(shop: Any, kind: Any, product_id: Optional[str], order_id: Optional[str]) -> Dict[str, Any]:
    """The card an agent asked for: ``product`` (the chat's product unless ``product_id`` is given) or ``order``."""
    if kind == "product":
        return product_card(shop, product_id or "")
    if kind == "order":
        return order_card(shop, order_id or "")
    raise TicketError("卡片类型须为 product 或 order")
