"""Handlers of the question kinds added by the answer-quality work, one function per kind.

A handler gets one ``HandlerCall`` (the question, the message, what it names, the conversation's
state, the shop context, the reply being built, and a way to find the buyer's own order) and
says what to answer, which tasks a person must do, and what to ask next. The registry
(kefu.dialogue.kinds) names the handler of each kind; ``HANDLERS`` maps the names to functions.
The older kinds are still answered by the engine's own branches (kefu.dialogue.engine._answer).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Pattern, Tuple

from kefu import masking, normalize
from kefu.dialogue import stock as stock_view
from kefu.dialogue.answers import coupon_standing, courier as courier_answer, free_shipping
from kefu.dialogue.facts import answer_fact, shipping_fact
from kefu.dialogue.kinds import BY_NAME
from kefu.dialogue.promises import TaskRequest
from kefu.orders import ownership
from kefu.shop.answers import logistics_answer, reply
from kefu.shop.models import Order, OrderStatus

OrderOf = Callable[[str], Optional[Order]]


@dataclass
class HandlerCall:
    question: Any          # kefu.dialogue.questions.Question
    text: str              # the whole message
    found: Any             # kefu.dialogue.mentions.Mentions
    state: Any             # kefu.dialogue.engine.State
    ctx: Any               # kefu.dialogue.engine.Context
    out: Any               # the reply being built (say / tasks / pending / handoff)
    order_of: OrderOf      # the buyer's own order (asks for proof or the number when needed)


def product_fact(call: HandlerCall) -> None:
    """From the shop's product facts; when they do not say, honesty and a task, never an invented fact."""
    ctx, state = call.ctx, call.state
    product = ctx.catalog.product(state.product_id)
    clause = call.question.clause
    text = answer_fact(clause, product, ctx.config, ctx.now.date()) or answer_fact(call.text, product, ctx.config, ctx.now.date())
    if text:
        call.out.say(text)
        return
    call.out.say(reply("facts.unknown_product", product=product.name) if product else reply("facts.unknown"))
    if any(task.kind == "product_question" for task in call.out.tasks):
        return  # one task per message: it carries the whole message, every clause the data did not answer
    call.out.tasks.append(TaskRequest(
        "product_question",
        f"买家问：「{call.text.strip()[:80]}」" + (f"（{product.name}）" if product else "") + "，商品资料里没有答案，请确认后回复买家",
        product_id=product.id if product else None, details={"question": clause},
        dedup=f"fact:{product.id if product else '-'}:{clause}",
    ))


def price(call: HandlerCall) -> None:
    """The product's price for each size asked (a SKU's own price where the catalogue has one, e.g.
    「50的多少钱 30ml的呢」); else ask which product."""
    ctx, found, state = call.ctx, call.found, call.state
    product = ctx.catalog.product(state.product_id)
    if product is None and stock_view.asks_cheapest(call.text):
        call.out.say(reply("policy.superlative"))  # 「哪款最便宜」 across the shop: no ranking of products
        return
    if product is None and "order_items" in call.out.kinds_answered:
        return  # 「我买了几箱 一共多少钱」: the order's lines, with what was paid, answer it
    if found is not None and len(found.products) >= 2 and basket_price(call):
        return
    if product is None:
        call.out.say(reply("common.ask_product", examples="、".join(p.name for p in ctx.catalog.products[:3])))
        return
    if found is not None and len(found.products) > 1:
        for named in found.products[:3]:  # 「A跟B各多少」 naming two products: each one's price
            call.out.say(stock_view.price_answer(named, ctx.catalog.skus.get(named.id, ()), None, None))
        return
    skus = ctx.catalog.skus.get(product.id, ())
    color = found.colors[0] if found is not None and found.colors else state.color
    sizes = (list(found.sizes) if found is not None else []) or [state.size]
    if stock_view.asks_cheapest(call.text):
        call.out.say(stock_view.cheapest_answer(product, skus, color, found.sizes[0] if found and found.sizes else None))
        return
    priced = stock_view.unit_price(product, skus, color, sizes[0]) if len(sizes) == 1 else None
    quantity = found.quantity if found is not None and found.quantity else 1
    after_coupon = bool(_AFTER_COUPON.search(call.text))
    if priced is not None and (quantity > 1 or after_coupon):
        call.out.say(_total_answer(call, priced, quantity, after_coupon or quantity > 1))
        return
    for size in sizes[:3]:
        call.out.say(stock_view.price_answer(product, skus, color, size))


_AFTER_COUPON = re.compile(r"用(了|完)?(优惠)?券(后|之后|以后)?(多少|几)|券后|用完(多少|几)|减完|减下来|到手(价|多少)|优惠(后|完)(多少|几)")
_PLUS = re.compile(r"加|和|跟|还有|再来|再买|配")
_EACH = re.compile(r"各|分别|每个|每样|单价|都是多少")  # 「A跟B各多少」 asks each price, not their total


def basket(call: HandlerCall) -> Optional[Tuple[str, float]]:
    """「A加一件B」: the products named together, each at its one price; 「买三件」: the quantity of the
    product asked. (what, total), or None when a price depends on an option not named."""
    found, ctx = call.found, call.ctx
    if found is None:
        return None
    if len(found.products) >= 2 and _PLUS.search(call.text) and not _EACH.search(call.text):
        priced = [stock_view.unit_price(p, ctx.catalog.skus.get(p.id, ()), None, None) for p in found.products[:4]]
        if any(item is None for item in priced):
            return None
        return "+".join(name for name, _ in priced), sum(price for _, price in priced)  # type: ignore[misc]
    product = ctx.catalog.product(call.state.product_id)
    if product is None or not found.quantity or found.quantity < 2:
        return None
    priced_one = stock_view.unit_price(product, ctx.catalog.skus.get(product.id, ()), found.colors[0] if found.colors
                                       else call.state.color, found.sizes[0] if found.sizes else None)
    return (f"{priced_one[0]}{found.quantity}件", priced_one[1] * found.quantity) if priced_one else None


def basket_price(call: HandlerCall) -> bool:
    """「A加一件B 能用满减券吗」, 「那A加B呢」: the basket's total and which coupon it reaches;
    False when no basket is named."""
    named = basket(call)
    if named is None:
        return False
    what, total = named
    call.out.say(reply("stock.basket_total", items=what, total=_money(total))
                 + (_coupon_reach(call, total) or reply("stock.as_shown")))
    return True


def _coupon_reach(call: HandlerCall, total: float) -> str:
    """What the shop's best coupon does to ``total``: its price after it, or how much is missing to the
    lowest threshold; nothing when the shop has no coupon today."""
    best, lowest = coupon_standing(call.ctx.config, call.ctx.now.date(), total)
    if best is not None:
        return reply("stock.coupon_reached", coupon=best.name, threshold=f"{best.threshold:g}",
                     amount=f"{best.amount:g}", after=_money(total - best.amount))
    if lowest is None:
        return ""
    return reply("stock.coupon_short", coupon=lowest.name, threshold=f"{lowest.threshold:g}",
                 short=_money(lowest.threshold - total))


def _total_answer(call: HandlerCall, priced: Tuple[str, float], quantity: int, after_coupon: bool) -> str:
    """「白色来两个 一共多少钱」, 「用完券多少钱」: the unit price times the quantity, and what the best coupon
    whose threshold the total reaches takes off (the shop's own coupons; stacking is never guessed)."""
    name, unit = priced
    total = unit * quantity
    count = f"{quantity}件" if quantity > 1 else ""
    if not after_coupon:
        return reply("stock.price_total", product=name, price=_money(unit), quantity=count, total=_money(total))
    reach = _coupon_reach(call, total) if quantity > 1 else ""
    if reach:
        return reply("stock.price_count", product=name, price=_money(unit), quantity=count, total=_money(total)) + reach
    best, lowest = coupon_standing(call.ctx.config, call.ctx.now.date(), total)
    if best is not None:
        return reply("stock.price_after_coupon", product=name, quantity=count, total=_money(total), coupon=best.name,
                     threshold=f"{best.threshold:g}", amount=f"{best.amount:g}", after=_money(total - best.amount))
    if lowest is None:
        return reply("stock.price_total" if quantity > 1 else "stock.price_one", product=name, price=_money(unit),
                     quantity=count, total=_money(total))
    return reply("stock.price_below_coupon", product=name, quantity=count, total=_money(total), coupon=lowest.name,
                 threshold=f"{lowest.threshold:g}")


def _money(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def order_cancel(call: HandlerCall) -> None:
    """Cancel/refund before dispatch is a task with the order; after dispatch it is a return."""
    order = _order(call, "order_cancel")
    if order is None:
        return
    out = call.out
    if order.status is OrderStatus.UNPAID:
        out.say(reply("order.cancel_unpaid", order_id=order.order_id))
    elif order.status is OrderStatus.AWAITING_SHIPMENT:
        out.say(reply("order.cancel_recorded", order_id=order.order_id))
        out.tasks.append(TaskRequest("order_cancel", f"订单 {order.order_id} 未发货，买家要求取消并退款（{order.amount}元），请拦截发货并退款",
                                     order_id=order.order_id, details={"before_dispatch": True, "refund": order.amount},
                                     dedup=f"cancel:{order.order_id}"))
    elif order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        out.say(reply("order.cancel_shipped", order_id=order.order_id))
        out.tasks.append(TaskRequest("order_cancel", f"订单 {order.order_id} 已发出，买家要求取消/退款，请联系快递拦截或按退货退款处理",
                                     order_id=order.order_id, details={"before_dispatch": False, "refund": order.amount},
                                     dedup=f"cancel:{order.order_id}"))
    else:
        out.say(reply("order.cancel_closed", order_id=order.order_id, status=order.status.value))


_REMARK_PATTERNS: Optional[List[Pattern[str]]] = None


def remark_of(text: str) -> str:
    """「能不能让快递放驿站 别打电话」 -> 「放驿站，别打电话」: only what the courier must do."""
    global _REMARK_PATTERNS
    if _REMARK_PATTERNS is None:
        _REMARK_PATTERNS = [re.compile(p) for p in BY_NAME["courier_remark"].patterns[:2] + (r"(周末|晚上|下午|上午|工作日)(再)?(送|派送|派件)",)]
    parts: List[Tuple[int, str]] = []
    for pattern in _REMARK_PATTERNS:
        for match in pattern.finditer(text):
            parts.append((match.start(), match.group(0)))
    ordered = [part for _, part in sorted(parts)]
    return "，".join(dict.fromkeys(ordered)) or text.strip()[:40]


def courier_remark(call: HandlerCall) -> None:
    """放驿站 / 别打电话: a remark on the order for the courier, as a task with the remark."""
    remark = remark_of(call.text)
    state = call.state
    order_id = call.found.order_ids[0] if call.found.order_ids else state.order_id
    order = call.order_of("courier_remark") if order_id else None
    out = call.out
    if order is None and order_id:
        return  # the buyer is asked to prove the order first
    if order is None:
        out.say(reply("order.remark_no_order", remark=remark))
    elif order.status is OrderStatus.SHIPPED:
        out.say(reply("order.remark_shipped", order_id=order.order_id, remark=remark))
    else:
        out.say(reply("order.remark_recorded", order_id=order.order_id, remark=remark))
    out.tasks.append(TaskRequest("courier_remark", f"订单 {order.order_id if order else '（未提供）'} 快递备注：{remark}",
                                 order_id=order.order_id if order else None, details={"remark": remark},
                                 dedup=f"remark:{order.order_id if order else '-'}:{remark}"))


def late_dispatch(order: Order, hours: int, now: dt.datetime, out: Any, compensation: str = "") -> None:
    """An order past the shop's dispatch promise: an apology that says so, the compensation the
    platform pays for it (when the shop names one), and a task marked late."""
    paid = order.paid_at or order.created_at
    if paid.tzinfo is None and now.tzinfo is not None:
        paid = paid.replace(tzinfo=now.tzinfo)
    days = max(1, (now - paid).days)
    text = reply("logistics.awaiting_late_promise", order_id=order.order_id, days=days, hours=hours)
    if compensation:
        text += reply("logistics.late_compensation", compensation=compensation.rstrip("。"))
    out.say(text)
    out.tasks.append(TaskRequest(
        "late_dispatch", f"【超时未发货】订单 {order.order_id} 付款 {days} 天未发（承诺 {hours} 小时内发货），请加急发出并回复买家",
        order_id=order.order_id, details={"late": True, "promised_hours": hours, "days_since_payment": days},
        dedup=f"late:{order.order_id}",
    ))


def _order(call: HandlerCall, kind: str) -> Optional[Order]:
    before = len(call.out.parts)
    order = call.order_of(kind)
    if order is None and len(call.out.parts) == before and not call.out.asked_proof:
        call.out.say(reply("common.ask_order_id"))
        call.out.pending = awaiting_order(kind, call.text)
    return order


def awaiting_order(kind: str, text: str) -> Dict[str, Any]:
    """The open question 「订单号？」, holding a proof the buyer gave before the number."""
    return {"kind": kind, "proof": text[:200]} if ownership.offers_proof(text) else {"kind": kind}


def order_courier_change(call: HandlerCall) -> None:
    """「2611… 能帮我改成顺丰吗」: the order's own state decides — a parcel already sent keeps its courier;
    one not yet sent gets the courier noted (with the shop's surcharge) and a task for the packer."""
    order = call.order_of("logistics")
    if order is None:
        return
    out, clause = call.out, call.question.clause
    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        out.say(reply("order.courier_shipped", order_id=order.order_id, courier=order.courier or ""))
        return
    asked = courier_answer(call.ctx.config, clause, call.ctx.platform)
    if asked.data.get("available"):
        fee = asked.data.get("surcharge")
        out.say(reply("order.courier_recorded", order_id=order.order_id, courier=asked.data["courier"],
                      fee=reply("order.courier_fee", fee=f"{fee:g}") if fee else ""))
    else:
        out.say(asked.text)
    out.tasks.append(TaskRequest("courier_remark", f"订单 {order.order_id} 买家要求改快递：「{clause[:60]}」",
                                 order_id=order.order_id, details={"remark": clause[:60]},
                                 dedup=f"courier:{order.order_id}"))


def service_hours(call: HandlerCall) -> None:
    """When a person is there (shop.yml ``service_hours``); the bot answers around the clock."""
    start, end = call.ctx.config.service_hours
    call.out.say(reply("talk.service_hours", start=f"{start.hour}:{start.minute:02d}", end=f"{end.hour}:{end.minute:02d}"))


_SHIPS_FROM = re.compile(r"从.{1,12}(发出|发货|发)|(产地|果园|工厂|仓库?)(直接|直)?发")


def ship_from(call: HandlerCall) -> None:
    """Where parcels leave from (shop.yml ``shipping.warehouse_province``): buyers ask it to guess the transit time."""
    product = call.ctx.catalog.product(call.state.product_id)
    own = shipping_fact(product, call.ctx.config, _SHIPS_FROM)  # 「从赣州果园发出」: the product's own origin
    if own is None:
        call.out.say(reply("shipping.ship_from", province=call.ctx.config.warehouse_province))
    elif not any(own.split("，", 1)[-1].rstrip("。") in part for part in call.out.parts):
        call.out.say(own)  # unless the product's fact, said already in this reply, holds that sentence


# 「查一下139…这个号的订单」, 「帮她查下她手机号」: another person's data, whatever order is proven here.
_SOMEONE_ELSE = re.compile(r"她|他|同事|老公|老婆|朋友|家人|别人|我妈|我爸")


def receiver_info(call: HandlerCall) -> None:
    """Who and where an order goes to: only the buyer's own, proven order, and masked (the full phone
    and address are on the order page); never looked up by a phone number or for another person."""
    found, state, out = call.found, call.state, call.out
    order_id = found.order_ids[0] if found.order_ids else state.order_id
    someone_else = normalize.MOBILE_NUMBER.search(call.text) or _SOMEONE_ELSE.search(call.text)
    if not order_id or (not found.order_ids and someone_else):
        out.say(reply("order.receiver_privacy"))
        return
    order = call.order_of("receiver_info")
    if order is None:
        return  # the buyer is asked to prove the order first
    out.say(reply("order.receiver", order_id=order.order_id, name=masking.mask_name(order.receiver_name),
                  phone=masking.mask_phone(order.receiver_phone), address=masking.mask_address(order.receiver_address)))


def late_policy(call: HandlerCall) -> None:
    """「超过48小时没发货怎么赔」: the promise and the shop's own compensation rule (shop.yml
    ``late_shipment.compensation``); when the shop has not written one, honesty, not an invented sum."""
    config = call.ctx.config
    compensation = config.late_shipment_compensation.strip().rstrip("。")
    key = "shipping.late_policy" if compensation else "shipping.late_policy_unknown"
    call.out.say(reply(key, hours=config.ship_within_hours, compensation=compensation))


def courier_phone(call: HandlerCall) -> None:
    """「快递员电话多少」: where the buyer sees it (the tracking page), never a number from the bot; with a
    proven order, its current tracking too."""
    call.out.say(reply("logistics.courier_phone"))
    if call.found is not None and call.found.order_ids:  # 「2611… 快递电话多少 陈思」: that parcel's courier and number
        order = call.order_of("logistics")
        if order is not None:
            call.out.say(logistics_answer(order, call.ctx.now, config=call.ctx.config).text)


def order_freight(call: HandlerCall) -> None:
    """「为啥多收了15块」 about the buyer's own order: the shop's rule for the order's province (a remote
    province pays the shop's surcharge); a charge the rule does not explain goes to a person, never argued."""
    config, state = call.ctx.config, call.state
    has_order = (call.found is not None and call.found.order_ids) or state.order_id in state.verified_orders
    if not has_order:
        province = (call.found.province if call.found is not None else None) or state.province
        call.out.say(free_shipping(config, province).text)
        return
    order = _order(call, "order_freight")
    if order is None:
        return
    reasons = []
    if order.province and order.province in config.free_shipping_except:
        reasons.append(reply("order.freight_remote", province=order.province, fee=f"{config.free_shipping_except_fee:g}"))
    surcharge = config.courier_surcharge.get(order.courier or "")
    if surcharge:  # 「为啥比别人多付了8块」 of a parcel sent by a courier the buyer chose at a surcharge
        reasons.append(reply("order.freight_courier", courier=order.courier, fee=f"{surcharge:g}"))
    if reasons:
        for reason in reasons:
            call.out.say(reason)
        return
    call.out.say(reply("order.freight_check", province=order.province or reply("order.freight_your_place")))
    call.out.tasks.append(TaskRequest("callback", f"买家对订单 {order.order_id} 的运费有疑问：「{call.text.strip()[:80]}」，请核实后回复",
                                      order_id=order.order_id, dedup=f"freight:{order.order_id}"))


def order_items(call: HandlerCall) -> None:
    """「这单买了哪些东西」: every line of the buyer's own, proven order, with what was paid."""
    order = _order(call, "order_items")
    if order is None:
        return
    catalog = call.ctx.catalog
    items = [reply("order.item", product=(catalog.product(item.product_id).name if catalog.product(item.product_id)
                                          else item.product_id), sku=item.label or "-", quantity=item.quantity)
             for item in order.items]
    if _TOGETHER.search(call.question.clause):
        # 「两样东西是一起发的吗」: one order, one waybill — the data says whether it left in one parcel.
        if len(order.items) == 1:
            call.out.say(reply("order.single_item", order_id=order.order_id, items=items[0]))
        elif order.tracking_number:
            call.out.say(reply("order.together_shipped", items="、".join(items), courier=order.courier or "",
                               tracking_number=order.tracking_number))
        else:
            call.out.say(reply("order.together_unshipped", order_id=order.order_id, items="、".join(items)))
        return
    call.out.say(reply("order.items", order_id=order.order_id, items="、".join(items), amount=f"{order.amount:g}"))


_TOGETHER = re.compile(r"一起|一块|同时|分开|分别|分两次|拆开|拆单|一个包裹|同一个|包裹")


HANDLERS: Dict[str, Callable[[HandlerCall], None]] = {
    "product_fact": product_fact,
    "price": price,
    "order_cancel": order_cancel,
    "courier_remark": courier_remark,
    "service_hours": service_hours,
    "ship_from": ship_from,
    "receiver_info": receiver_info,
    "order_items": order_items,
    "order_freight": order_freight,
    "courier_phone": courier_phone,
    "late_policy": late_policy,
}
