"""The shortest right answer to each sub-question, from shop.yml and the catalogue.

Whole-topic answers (stock of one SKU, size advice, logistics, the return policy)
live in :mod:`kefu.shop.answers`; this module adds the specific ones a buyer
really asks (周日发货吗, 可以发顺丰吗, 包邮吗, 运费谁出, 什么时候开票 ...) and
the polite on-platform answers to requests the platforms forbid. Every sentence
comes from ``kefu/shop/replies.yml``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from kefu import normalize
from kefu.dialogue.moments import PaidAt
from kefu.shop.answers import Answer, format_date, day_label, join_items, local_time, coupon_answer, dispatch_date, dispatch_sentence, reply
from kefu.shop.config import Coupon, ShopConfig
from kefu.shop.models import Order, OrderStatus, Sku
from kefu.guard import Guard

WEEKEND = {"saturday": ("周六", "星期六", "礼拜六"), "sunday": ("周日", "周天", "星期日", "星期天", "礼拜天", "礼拜日")}
COURIER_WORDS = {
    "顺丰": "顺丰速运", "中通": "中通快递", "圆通": "圆通速递", "韵达": "韵达快递", "申通": "申通快递",
    "邮政": "中国邮政", "ems": "EMS", "极兔": "极兔速递", "德邦": "德邦快递", "京东快递": "京东快递", "百世": "百世快递",
}


# -- shipping -----------------------------------------------------------------------------------------

def ship_weekend(config: ShopConfig, now: dt.datetime, clause: str) -> Answer:
    """Does the shop ship on the weekend day asked about (both when the buyer says 周末)?"""
    asked = [day for day, words in WEEKEND.items() if any(w in clause for w in words)] or ["saturday", "sunday"]
    local = local_time(config, now)
    parts = []
    for day in asked:
        label = WEEKEND[day][0]
        if config.weekend_shipping.get(day):
            parts.append(reply("shipping.weekend_yes", day=label))
        else:
            offset = (5 if day == "saturday" else 6) - local.weekday()
            the_day = local.date() + dt.timedelta(days=offset % 7)
            following = the_day + dt.timedelta(days=1)
            while not config.ships_on(following):
                following += dt.timedelta(days=1)
            parts.append(reply("shipping.weekend_no", day=label, next_day=day_label(following, local.date())))
    return Answer("亲，" + "".join(parts), {"weekend": {d: bool(config.weekend_shipping.get(d)) for d in asked}})


def ship_when(config: ShopConfig, now: dt.datetime, paid_at: Optional[PaidAt] = None,
              paid_on: Optional[dt.date] = None) -> Answer:
    """When an order paid now (or at the moment the buyer names, 「今晚七点下单」, or on the day named,
    「周六拍的」) leaves the warehouse."""
    local = local_time(config, now)
    if paid_at is None and paid_on is not None and paid_on != local.date():
        day = day_label(paid_on, local.date())
        early = dispatch_date(config, dt.datetime.combine(paid_on, dt.time(0, 1), tzinfo=local.tzinfo))
        late = dispatch_date(config, dt.datetime.combine(paid_on, dt.time(23, 59), tzinfo=local.tzinfo))
        if early != paid_on:  # 「周六拍」 in a shop that does not ship on Saturdays
            text = reply("shipping.day_off", day=day, ship_day=day_label(early, local.date()))
        else:
            text = reply("shipping.day_on", day=day, cutoff=config.cutoff.strftime("%H:%M"),
                         next_day=day_label(late, local.date()))
        return Answer(text + reply("shipping.promise", hours=config.ship_within_hours),
                      {"ship_date": early, "same_day": early == paid_on})
    if paid_at is not None and abs((paid_at.at - now).total_seconds()) > 300:
        paid = local_time(config, paid_at.at)
        ship_day = dispatch_date(config, paid)
        when = reply("shipping.moment", day=day_label(paid.date(), local.date()), time=paid_at.said)
        text = reply("shipping.dispatch_at", cutoff=config.cutoff.strftime("%H:%M"), when=when,
                     ship_day=day_label(ship_day, local.date()))
        return Answer(text + reply("shipping.promise", hours=config.ship_within_hours),
                      {"ship_date": ship_day, "same_day": ship_day == paid.date()})
    ship_day = dispatch_date(config, local)
    return Answer(dispatch_sentence(config, ship_day, local.date()),
                  {"ship_date": ship_day, "same_day": ship_day == local.date()})


def courier_named(clause: str) -> Optional[str]:
    lowered = clause.lower()
    for word in sorted(COURIER_WORDS, key=len, reverse=True):
        if word in lowered:
            return COURIER_WORDS[word]
    return None


def sayable(names: Sequence[str], platform: Optional[str]) -> List[str]:
    """The names that may be said on ``platform``: a courier named after another platform (京东快递 on
    Pinduoduo) is left out of the answer instead of getting the whole answer blocked."""
    if not platform:
        return list(names)

    guard = Guard.for_platform(platform)
    return [name for name in names if guard.check(name).passed]


def courier(config: ShopConfig, clause: str, platform: Optional[str] = None) -> Answer:
    """Which couriers, whether the one asked for is possible, and the shop's surcharge for it."""
    wanted = courier_named(clause)
    couriers = sayable(config.couriers, platform)
    match = None
    if wanted:
        # The shop's own spelling may differ (邮政EMS for 中国邮政): any buyer word for it inside the name counts.
        words = [w for w, name in COURIER_WORDS.items() if name == wanted]
        match = next((c for c in config.couriers
                      if c == wanted or c[:2] == wanted[:2] or any(w in c.lower() for w in words)), None)
    data: Dict[str, Any] = {"courier": match or wanted, "couriers": couriers}
    if match is not None and match not in couriers:
        match, wanted = None, wanted  # available, but not nameable on this platform: offer the others
    if wanted and match is None:
        data["available"] = False
        return Answer("亲，" + reply("shipping.courier_no", couriers=join_items(couriers),
                                      default_courier=config.default_courier), data)
    if match:
        data["available"] = True
        if match == config.default_courier:
            return Answer(reply("shipping.courier_is_default", courier=match), data)
        fee = config.courier_surcharge.get(match)
        if fee:
            data["surcharge"] = fee
            return Answer(reply("shipping.courier_yes_fee", courier=match, fee=f"{fee:g}"), data)
        return Answer(reply("shipping.courier_yes", courier=match), data)
    others = []
    for name in couriers:
        if name == config.default_courier:
            continue
        fee = config.courier_surcharge.get(name)
        others.append(reply("shipping.courier_option_fee", courier=name, fee=f"{fee:g}") if fee else name)
    text = "亲，" + reply("shipping.courier_default", default_courier=config.default_courier)
    if others:
        text += reply("shipping.courier_options", options=join_items(others))
    return Answer(text, data)


def free_shipping(config: ShopConfig, province: Optional[str]) -> Answer:
    data: Dict[str, Any] = {"free": config.free_shipping, "province": province}
    if not config.free_shipping:
        return Answer("亲，" + reply("shipping.no_free"), data)
    fee = f"{config.free_shipping_except_fee:g}"
    if province:
        if province in config.free_shipping_except:
            data["free"] = False
            return Answer("亲，" + reply("shipping.not_free_to", province=province, fee=fee), data)
        return Answer("亲，" + reply("shipping.free_to", province=province), data)
    if config.free_shipping_except:
        return Answer("亲，" + reply("shipping.free_except", provinces=join_items(config.free_shipping_except), fee=fee), data)
    return Answer("亲，" + reply("shipping.free"), data)


def presale(config: ShopConfig) -> Answer:
    key = "shipping.presale_yes" if config.presale else "shipping.presale_no"
    return Answer("亲，" + reply(key, hours=config.ship_within_hours), {"presale": config.presale})


def arrival_after(config: ShopConfig, province: str, ship_day: dt.date) -> str:
    """「那几号能到」 of an order not yet sent: the days to its province, counted from the day it leaves."""
    low, high = config.days_to(province)
    return reply("order.arrival", province=province, low=low, high=high,
                 arrive_from=format_date(ship_day + dt.timedelta(days=low)),
                 arrive_to=format_date(ship_day + dt.timedelta(days=high)))


def transit(config: ShopConfig, now: dt.datetime, province: str) -> Answer:
    """Days in transit to ``province`` and the arrival window for an order paid now."""
    local = local_time(config, now)
    ship_day = dispatch_date(config, local)
    low, high = config.days_to(province)
    arrive_from, arrive_to = ship_day + dt.timedelta(days=low), ship_day + dt.timedelta(days=high)
    key = "shipping.delivery_remote" if province in config.remote_provinces else "shipping.delivery"
    text = "亲，" + reply(key, province=province, low=low, high=high, arrive_from=format_date(arrive_from),
                         arrive_to=format_date(arrive_to))
    return Answer(text, {"province": province, "delivery_days": (low, high), "arrive": (arrive_from, arrive_to),
                         "ship_date": ship_day})


# -- stock --------------------------------------------------------------------------------------------

def sku_line(sku: Optional[Sku], color: str, size: str, today: dt.date, threshold: int,
             quantity: Optional[int]) -> Tuple[str, Dict[str, Any]]:
    """One SKU's state for a several-SKU answer: in stock, low, restock (future dates only), sold out."""
    values = dict(color=color, size=size)
    if sku is not None and sku.stock <= 0 and sku.presale_ships_on:
        return reply("stock.line_presale", date=format_date(sku.presale_ships_on), **values), {"status": "presale"}
    if sku is None or sku.stock <= 0:
        if sku is not None and sku.restock_date and sku.restock_date > today:
            return reply("stock.line_restock", restock=format_date(sku.restock_date), **values), {"status": "restock"}
        if sku is not None and sku.restock_date:
            return reply("stock.line_unknown", **values), {"status": "restock_unknown"}
        return reply("stock.line_out", **values), {"status": "sold_out"}
    if quantity and quantity > 1:
        if sku.stock >= quantity:
            return reply("stock.line_quantity_ok", quantity=quantity, **values), {"status": "in_stock"}
        return reply("stock.line_quantity_short", stock=sku.stock, quantity=quantity, **values), {"status": "short"}
    if sku.stock <= threshold:
        return reply("stock.line_low", stock=sku.stock, **values), {"status": "low", "stock": sku.stock}
    return reply("stock.line_in", **values), {"status": "in_stock"}


# -- returns ------------------------------------------------------------------------------------------

def who_pays(config: ShopConfig, reason: Optional[str], insurance_note: bool = True,
             order: Optional[Order] = None) -> Answer:
    """Who pays return shipping; the 运费险 note follows the order's own insurance when it is known."""
    payers = config.return_shipping
    insured_default = order.has_freight_insurance(config.freight_insurance) if order is not None \
        else config.freight_insurance
    if reason == "quality":
        key = "returns.who_pays_quality" if payers["quality"] == "shop" else "returns.who_pays_quality_buyer"
        return Answer(reply(key), {"reason": reason, "payer": payers["quality"]})
    if reason == "no_reason":
        if payers["no_reason"] == "shop":
            return Answer(reply("returns.who_pays_no_reason_shop"), {"reason": reason, "payer": "shop"})
        insured = insured_default and insurance_note
        tail = "returns.who_pays_no_reason_insured" if insured else "returns.who_pays_no_reason_plain"
        if order is not None and insurance_note and not insured_default:
            tail = "returns.who_pays_no_reason_uninsured"
        return Answer(reply("returns.who_pays_no_reason") + reply(tail), {"reason": reason, "payer": "buyer"})
    if payers["quality"] == "shop" and payers["no_reason"] == "buyer":
        text = reply("returns.who_pays_both")
        if insured_default and insurance_note:
            text += reply("returns.who_pays_no_reason_insured")
        elif order is not None and insurance_note:
            text += reply("returns.who_pays_no_reason_uninsured")
        return Answer(text, {"reason": None})
    return Answer(who_pays(config, "quality", order=order).text
                  + who_pays(config, "no_reason", order=order).text.replace("亲，", ""), {})


def freight_insurance(config: ShopConfig, order: Optional[Order] = None) -> Answer:
    """The order's own 运费险 when the order is known (shop.yml gives the default), else the shop's rule."""
    if order is not None:
        insured = order.has_freight_insurance(config.freight_insurance)
        key = "returns.insurance_order_yes" if insured else "returns.insurance_order_no"
        return Answer(reply(key, order_id=order.order_id), {"freight_insurance": insured})
    key = "returns.insurance_yes" if config.freight_insurance else "returns.insurance_no"
    return Answer(reply(key), {"freight_insurance": config.freight_insurance})


def refund_time(config: ShopConfig) -> Answer:
    return Answer(reply("returns.refund_only", low=config.refund_days[0], high=config.refund_days[1]), {})


def exchange(config: ShopConfig, size: Optional[str]) -> Answer:
    if size:
        return Answer(reply("returns.exchange_size", days=config.return_window_days, size=size), {"size": size})
    return Answer(reply("returns.exchange", days=config.return_window_days), {})


def return_condition() -> Answer:
    return Answer(reply("returns.condition"), {})


def return_window(config: ShopConfig, order: Optional[Order], now: dt.datetime, reason: Optional[str]) -> Answer:
    """The window counted from this order's delivery when one is known, else the rule and how to apply."""
    if order is not None and order.status is OrderStatus.DELIVERED:
        delivered = local_time(config, order.delivered_at or order.created_at)
        deadline = delivered.date() + dt.timedelta(days=config.return_window_days)
        data = {"order_id": order.order_id, "deadline": deadline}
        if local_time(config, now).date() > deadline:
            text = reply("returns.window_passed_short", delivered=format_date(delivered.date()), days=config.return_window_days)
            data.update(within_window=False, handoff=reason == "quality")
            if reason == "quality":
                text += reply("returns.window_passed_quality")
            return Answer(text, data)
        data["within_window"] = True
        text = reply("returns.window_left_short", delivered=format_date(delivered.date()), deadline=format_date(deadline))
        return Answer(text + reply("returns.how"), data)
    text = reply("returns.window_short", days=config.return_window_days)
    if order is not None and order.status is OrderStatus.AWAITING_SHIPMENT:
        text += reply("returns.not_shipped")  # its own case only: 「还没发货 我想退款」
    elif order is not None and order.status is OrderStatus.SHIPPED:
        text += reply("returns.not_delivered_shipped")
    else:
        text += reply("returns.how")
    return Answer(text, {"within_window": None})


# -- invoices, coupons --------------------------------------------------------------------------------

def invoice_when(config: ShopConfig) -> Answer:
    policy = config.invoice
    return Answer(reply("invoice.when", issued_after=policy.issued_after, days=policy.issued_within_days), {})


def invoice_paper(config: ShopConfig, paper_asked: bool = False) -> Answer:
    """Electronic or paper, and how each reaches the buyer; a paper invoice the shop does not issue is said so."""
    policy = config.invoice
    if paper_asked and not policy.paper and "专票" in policy.types and policy.paper_delivery:
        # 「纸质的怎么给我」 where the one paper invoice is the 专票: how it travels, who pays its postage
        return Answer(reply("invoice.paper_is_special", paper_delivery=policy.paper_delivery.rstrip("。"))
                      + (reply("invoice.electronic") if policy.electronic else ""), {"paper": "special"})
    if paper_asked and not policy.paper:
        return Answer(reply("invoice.unavailable", invoice_type="纸质发票", types=join_items(policy.types))
                      + (reply("invoice.electronic") if policy.electronic else ""), {"paper": False})
    options = []
    if policy.electronic:
        options.append(reply("invoice.option_electronic"))
    if policy.paper:
        options.append(reply("invoice.option_paper", paper_delivery=policy.paper_delivery or ""))
    if "专票" in policy.types and policy.special_requires:
        options.append(reply("invoice.option_special", requires=join_items(policy.special_requires)))
    if "专票" in policy.types and not policy.paper and policy.paper_delivery:
        options.append(policy.paper_delivery)  # 「专票为纸质发票，由顺丰寄出」: how the one paper invoice travels
    text = reply("invoice.paper_or_electronic", options="；".join(o.rstrip("，。") for o in options))
    return Answer(text.rstrip("。") + "。", {})


def coupon(config: ShopConfig, now: dt.datetime, clause: str = "", total: Optional[float] = None) -> Answer:
    """The coupons the buyer asked about (「满199的那个」, 「新客券」: that one), else every current one, each
    with its threshold, date and how to get it; without the no-haggling preface. ``total``: an order's
    amount, which only the coupons whose threshold it reaches fit."""
    current = config.current_coupons(now.date())
    chosen = named_coupons(current, clause) or list(current)
    if total is not None and chosen:
        fitting = [c for c in chosen if c.threshold <= total]
        if not fitting:
            lowest = min(chosen, key=lambda c: c.threshold)
            return Answer(reply("coupon.below_threshold", total=f"{total:g}", coupon=lowest.name,
                                threshold=f"{lowest.threshold:g}"), {"coupon": None})
        chosen = fitting
    if len(chosen) <= 1:
        return coupon_answer(config, now, "coupon.current_no_threshold", "coupon.current", "coupon.none", chosen)
    lines = [coupon_line(c) for c in chosen]
    return Answer(reply("coupon.several", count=len(chosen), coupons="；".join(lines)), {"coupon": [c.name for c in chosen]})


# Words every coupon's name shares: they name no coupon in particular.
_COUPON_GENERIC = ("优惠券", "优惠", "店铺", "满减", "立减", "券")


def named_coupons(coupons: Sequence[Coupon], clause: str) -> List[Coupon]:
    """The coupons a clause names: by its threshold (「满199的」, 「199那个」) or a word of its name (「新客券」)."""
    numbers = {float(n) for n in re.findall(r"(?<![\d.])(\d{2,5})(?![\d.])", clause or "")}
    by_threshold = [c for c in coupons if c.threshold and c.threshold in numbers]
    if by_threshold:
        return by_threshold
    words = clause or ""
    for generic in _COUPON_GENERIC:
        words = words.replace(generic, " ")
    return [c for c in coupons if any(c.name[i:i + 2] in words for i in range(len(c.name) - 1)
                                      if not any(g in c.name[i:i + 2] for g in ("券", "满", "减")))]


def coupon_line(c: Coupon) -> str:
    """One coupon in a list: name, threshold and amount, until when, how to get it."""
    valid = reply("bargain.valid_until", date=format_date(c.valid_until)) if c.valid_until else ""
    if c.threshold:
        text = reply("coupon.item", coupon=c.name, threshold=f"{c.threshold:g}", amount=f"{c.amount:g}", valid=valid)
    else:
        text = reply("coupon.item_no_threshold", coupon=c.name, amount=f"{c.amount:g}", valid=valid)
    return text + (reply("coupon.item_how", how=c.how_to_get.rstrip("。")) if c.how_to_get else "")


def coupon_standing(config: ShopConfig, today: dt.date, total: float) -> Tuple[Optional[Coupon], Optional[Coupon]]:
    """(the current coupon worth most on an order of ``total``, its threshold reached; the current coupon
    with the lowest threshold): what a basket gets off, or what it is short of. (None, None): no coupon today."""
    current = config.current_coupons(today)
    usable = [c for c in current if c.threshold <= total and c.amount < total]
    return max(usable, key=lambda c: c.amount, default=None), min(current, key=lambda c: c.threshold, default=None)


# -- orders -------------------------------------------------------------------------------------------

# Whether an order is the buyer's: kefu.orders.ownership (the proof's one home).

def order_change(order: Order, config: ShopConfig, color_size: Optional[str]) -> Answer:
    status = order.status
    data: Dict[str, Any] = {"order_id": order.order_id, "status": status.value}
    if status is OrderStatus.UNPAID:
        return Answer(reply("order.change_unpaid", order_id=order.order_id), data)
    if status is OrderStatus.AWAITING_SHIPMENT:
        if color_size:
            data["recorded"] = color_size
            return Answer(reply("order.change_recorded", order_id=order.order_id, color_size=color_size), data)
        data["missing"] = ["color_size"]
        return Answer(reply("order.change_awaiting", order_id=order.order_id), data)
    if status is OrderStatus.SHIPPED:
        return Answer(reply("order.change_shipped", order_id=order.order_id, days=config.return_window_days), data)
    return Answer(reply("order.change_closed", order_id=order.order_id, status=status.value), data)


def policy(kind: str, config: ShopConfig) -> Answer:
    """On-platform answers to contact, review-reward, cash-on-delivery, transfer, price and offline requests."""
    key = {
        "contact_offplatform": "policy.contact",
        "review_cashback": "policy.review",
        "cash_on_delivery": "policy.cod",
        "pay_transfer": "policy.transfer",
        "cheaper_elsewhere": "policy.cheaper",
        "meet_offline": "policy.offline",
        "superlative": "policy.superlative",
        "health_claim": "policy.health",
        "invoice_inflate": "policy.invoice_inflate",
        "authentic": "policy.authentic",
        "link_offplatform": "policy.links",
    }[kind]
    return Answer(reply(key, hours=config.ship_within_hours), {"policy": kind})


def province_of(text: str) -> Optional[str]:
    return normalize.normalize_province(text)
