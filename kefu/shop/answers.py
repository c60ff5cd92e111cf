"""Finished, compliant Chinese replies built from shop data and the templates in ``replies.yml``.

Each function decides *what* to say from the data (stock counts, cut-off times,
tracking events, policies) and returns an :class:`Answer`: the text to send and
a ``data`` dict with the facts behind it, so the dialogue can branch (ask for a
missing size, open a ticket for a stuck parcel) without parsing text. No
sentence is written in Python: every one comes from ``replies.yml``. ``now`` is
always passed in, so answers are deterministic under test.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence


from kefu import normalize
from kefu.texts import load_texts
from kefu.masking import mask_email, mask_mobiles, mask_personal_data
from kefu.shop import sizing
from kefu.shop.config import Coupon, ShopConfig, load_shop_config
from kefu.shop.models import Order, OrderStatus, Product, SizeChart, Sku
from kefu.settings import Settings

REPLIES_PATH = Path(__file__).with_name("replies.yml")
STUCK_AFTER = dt.timedelta(days=3)   # no tracking movement for this long: apologise, escalate
LOW_STOCK_THRESHOLD = 3              # default when no config is at hand
# Template values that are the shop's own numbers (never masked in an answer).
_EXPECTED_NUMBERS = frozenset(("order_id", "tracking"))


@dataclass(frozen=True)
class Answer:
    text: str
    data: Dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------

def templates() -> Dict[str, str]:
    """All templates from ``replies.yml`` (read once)."""
    return load_texts(REPLIES_PATH)


def template_fields(key: str) -> List[str]:
    """Placeholder names used by template ``key`` (for tests and tooling)."""
    return [name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(templates()[key]) if name]


def reply(key: str, **values: Any) -> str:
    """Render template ``key`` with ``values``. Unknown key -> ``KeyError(key)``; a missing value too."""
    try:
        text = templates()[key]
    except KeyError:
        raise KeyError(key) from None
    # The bot never echoes a number it did not expect: a phone, ID or card number inside a value
    # the buyer typed (an address, an invoice title) is masked; the shop's own order and tracking
    # numbers of a proven order are what the buyer asked for.
    values = {name: mask_personal_data(value) if isinstance(value, str) and name not in _EXPECTED_NUMBERS else value
              for name, value in values.items()}
    values.setdefault("size_word", templates().get("stock.option_size", "尺码"))
    values.setdefault("color_word", templates().get("stock.option_color", "颜色"))
    if "sku" not in values and "color" in values and "size" in values:
        # 黑色/XL; a SKU with one option (a colour, or a size such as 50ml) is named by it alone.
        values["sku"] = "/".join(str(v) for v in (values["color"], values["size"]) if v)
    try:
        rendered = text.format(**values)
    except KeyError as exc:
        raise KeyError(f"{key}: missing value {exc.args[0]!r}") from None
    return mask_mobiles(rendered)


def join_items(items: Sequence[str]) -> str:
    return reply("common.list_separator").join(items)


def format_date(day: dt.date) -> str:
    return reply("common.date", month=day.month, day=day.day)


def format_datetime(moment: dt.datetime) -> str:
    return reply("common.datetime", month=moment.month, day=moment.day, hour=moment.hour, minute=moment.minute)


def day_label(day: dt.date, today: dt.date) -> str:
    """今天（11月23日） / 明天（…） / 后天（…） / 周六（…）."""
    offset = (day - today).days
    date_text = format_date(day)
    if offset == 0:
        return reply("common.day_today", date=date_text)
    if offset == 1:
        return reply("common.day_tomorrow", date=date_text)
    if offset == 2:
        return reply("common.day_after_tomorrow", date=date_text)
    weekdays = reply("common.weekdays").split(",")
    return reply("common.day_weekday", weekday=weekdays[day.weekday()], date=date_text)


def local_time(config: ShopConfig, moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=config.tz)
    return moment.astimezone(config.tz)


def _default_config() -> ShopConfig:
    return load_shop_config(Settings.from_env().shop_config_path)


# ---------------------------------------------------------------------------
# stock
# ---------------------------------------------------------------------------

def unique(values: Sequence[str]) -> List[str]:
    seen: List[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _shop_size(store: Any, product: Product, size: str) -> bool:
    """A size of the product's size system's own list (a 10kg the product does not sell): the shop's data
    writes it, so it is safe to echo, no buyer's raw word."""
    try:
        return size in store.size_chart(product.size_system or product.category).sizes
    except KeyError:
        return False


def stock_answer(
    store: Any, product: Product, color: Optional[str], size: Optional[str], *, threshold: Optional[int] = None
) -> Answer:
    """Stock of one colour/size of ``product``; asks for what is missing, offers in-stock alternatives.

    ``threshold`` (stock at or below it is "only N left") defaults to the store's, i.e. shop.yml's."""
    if threshold is None:
        threshold = getattr(store, "low_stock_threshold", LOW_STOCK_THRESHOLD)
    skus: List[Sku] = store.skus(product.id)
    colors = unique([s.color for s in skus])
    sizes = unique([s.size for s in skus])
    data: Dict[str, Any] = {"product_id": product.id, "colors": colors, "sizes": sizes}
    chosen_color = normalize.normalize_color(color, known=colors) if color else None
    if chosen_color is None and len(colors) == 1:
        chosen_color = colors[0]
    chosen_size = _match_size(size, sizes) if size else None
    if chosen_size is None and len(sizes) == 1:
        chosen_size = sizes[0]
    # 「礼盒装有货吗」: only one colour comes in that size (or one size in that colour), so nothing to ask
    if chosen_color is None and chosen_size is not None and not color:
        only = unique([s.color for s in skus if s.size == chosen_size])
        chosen_color = only[0] if len(only) == 1 else None
    if chosen_size is None and chosen_color is not None and not size:
        only = unique([s.size for s in skus if s.color == chosen_color])
        chosen_size = only[0] if len(only) == 1 else None

    words = dict(product=product.name, size_word=product.option_name("size", reply("stock.option_size")),
                 color_word=product.option_name("color", reply("stock.option_color")))
    # Only a recognised colour/size is echoed back, never the buyer's raw words.
    if color and chosen_color is None:
        data.update(missing=["color"], unknown="color")
        named = normalize.normalize_color(color)
        if named is None:
            return Answer(reply("stock.which_color", colors=join_items(colors), **words), data)
        return Answer(reply("stock.unknown_color", color=named, colors=join_items(colors), **words), data)
    if size and chosen_size is None:
        data.update(missing=["size"], unknown="size", color=chosen_color)
        named = normalize.normalize_size(size) or (size if size in sizes or _shop_size(store, product, size) else None)
        if named is None:
            return Answer(reply("stock.which_size", sizes=join_items(sizes), **words), data)
        return Answer(reply("stock.unknown_size", size=named, sizes=join_items(sizes), **words), data)
    if chosen_color is None and chosen_size is None:
        data["missing"] = ["color", "size"]
        return Answer(
            reply("stock.ask_color_size", colors=join_items(colors), sizes=join_items(sizes), **words), data
        )
    if chosen_color is None:
        data.update(missing=["color"], size=chosen_size)
        offered = [s.color for s in skus if s.size == chosen_size]
        return Answer(reply("stock.ask_color", colors=join_items(offered or colors), **words), data)
    if chosen_size is None:
        data.update(missing=["size"], color=chosen_color)
        offered = [s.size for s in skus if s.color == chosen_color]
        return Answer(reply("stock.ask_size", sizes=join_items(offered), **dict(words, product=f"{product.name}（{chosen_color}）" if chosen_color else product.name)), data)

    data.update(color=chosen_color, size=chosen_size)
    sku = next((s for s in skus if s.color == chosen_color and s.size == chosen_size), None)
    values = dict(product=product.name, color=chosen_color, size=chosen_size)
    if sku is None:  # the colour and the size exist, but not together: 「红色没有43码，红色有35、36…」
        data.update(stock=0, status="not_offered")
        text = reply("stock.not_offered", sizes=join_items([s.size for s in skus if s.color == chosen_color]),
                     size_word=words["size_word"], **values)
    elif sku.stock > threshold:
        data.update(stock=sku.stock, status="in_stock")
        return Answer(reply("stock.in_stock", **values), data)
    elif sku.stock > 0:
        data.update(stock=sku.stock, status="low")
        return Answer(reply("stock.low", stock=sku.stock, **values), data)
    elif sku.presale_ships_on:
        data.update(stock=0, status="presale", ships_on=sku.presale_ships_on)
        return Answer(reply("stock.presale", date=format_date(sku.presale_ships_on), **values), data)
    elif sku.restock_date:
        data.update(stock=0, status="restock", restock_date=sku.restock_date)
        text = reply("stock.restock", restock=format_date(sku.restock_date), **values)
    else:
        data.update(stock=0, status="sold_out")
        text = reply("stock.sold_out", **values)

    alternatives = _alternatives(skus, chosen_color, chosen_size)
    data["alternatives"] = [(s.color, s.size) for s in alternatives]
    if alternatives:
        options = join_items([reply("stock.option", color=s.color, size=s.size) for s in alternatives])
        text += reply("stock.alternatives", options=options)
    else:
        text += reply("stock.no_alternatives")
    return Answer(text, data)


def _match_size(raw: str, sizes: Sequence[str]) -> Optional[str]:
    if raw in sizes:
        return raw
    canonical = normalize.normalize_size(raw)
    return canonical if canonical in sizes else None


def _alternatives(skus: Sequence[Sku], color: str, size: str, limit: int = 4) -> List[Sku]:
    """In-stock options nearest to the wish: same colour other sizes (nearest first), then same size other colours."""
    same_color = [s for s in skus if s.color == color and s.size != size and s.stock > 0]
    order = [s.size for s in skus if s.color == color]
    if size in order:
        here = order.index(size)
        same_color.sort(key=lambda s: abs(order.index(s.size) - here))
    same_size = [s for s in skus if s.size == size and s.color != color and s.stock > 0]
    return (same_size[:2] + same_color)[:limit] if same_size else same_color[:limit]


# ---------------------------------------------------------------------------
# size advice
# ---------------------------------------------------------------------------

def size_advice(
    store: Any,
    product: Product,
    height_cm: Optional[float],
    weight_kg: Optional[float],
    usual_size: Optional[str] = None,
    foot_length_mm: Optional[float] = None,
    *,
    measures: Optional[Dict[str, float]] = None,
    color: Optional[str] = None,
    today: Optional[dt.date] = None,
) -> Answer:
    """Recommend a size from the product's size system (its measures, ``needs``, note) and its fit
    (偏大/偏小 shift half a size); the size advised is checked against stock.

    ``measures`` holds any measurement kind (age, bed_width …) beside the height/weight/foot arguments."""
    system = store.size_chart(product.size_system or product.category)
    given: Dict[str, float] = {k: float(v) for k, v in (measures or {}).items() if v}
    for kind, value in (("height", height_cm), ("weight", weight_kg), ("foot", foot_length_mm)):
        if value:
            given.setdefault(kind, float(value))
    data: Dict[str, Any] = {"product_id": product.id, "fit": product.fit}
    usual = _match_size(usual_size, system.sizes) if usual_size else None
    notes = "".join(
        [reply("size.fit_note", note=product.fit_note) if product.fit_note else ""]
        + [reply("size.system_note", note=system.note) if system.note and system.note not in product.fit_note else ""]
    )
    if not system.measures:
        data["missing"] = []
        sold = {sku.size for sku in store.skus(product.id) if sku.size}  # the product's own, not the whole list's
        offered = [size for size in system.sizes if size in sold] or list(system.sizes)
        return Answer(reply("size.no_advice", product=product.name, sizes=join_items(offered)), data)
    advice = sizing.advise(system, product, given, usual)
    if "missing" in advice:
        data["missing"] = ["foot_length" if k == "foot" else k for k in advice["missing"]]
        return Answer(_ask_measures(system, product, given, advice["missing"]), data)
    chosen = advice["size"]
    basis = (_join_basis(advice["kinds"], given, system) if advice["kinds"]
             else reply("size.basis_usual", usual=usual))
    data.update({k: v for k, v in advice.items() if k in ("size", "between", "out_of_range", "position")})
    shown = sizing.size_text
    if advice.get("out_of_range") == "large":
        return Answer(reply("size.too_large", basis=basis, product=product.name, size=shown(chosen)), data)
    if advice.get("out_of_range") == "small":
        return Answer(reply("size.too_small", basis=basis, product=product.name, size=shown(chosen)), data)
    if advice.get("between"):
        small, large = advice["between"]
        text = reply("size.between", basis=basis, small=shown(small), large=shown(large), size=shown(chosen),
                     fit_note=notes)
    else:
        text = reply("size.recommend", basis=basis, product=product.name, size=shown(chosen), fit_note=notes)
    skus = store.skus(product.id)
    if skus:
        text += _stock_note(system, skus, chosen, color, data, advice.get("between"), today)
    return Answer(text, data)


def _stock_note(system: SizeChart, skus: Sequence[Sku], size: str, color: Optional[str], data: Dict[str, Any],
                between: Optional[Sequence[str]], today: Optional[dt.date] = None) -> str:
    """Never advise a sold-out size silently: say so, with the restock date, or the nearest size in stock."""
    state = sizing.availability(skus, size, color, today)
    if state["status"] == "in_stock":
        return ""
    data["size_in_stock"] = False
    shown = sizing.size_text(size)
    offered = unique([s.size for s in skus if s.size])
    if offered and size not in offered:  # 「有150的吗」 of a dress made up to 140: the size chart's size is not sold
        near = sizing.nearest_in_stock(system, skus, size, color)
        data.update(size_offered=False, nearest_in_stock=near)
        text = reply("size.not_offered", size=shown, first=sizing.size_text(offered[0]),
                     last=sizing.size_text(offered[-1]))
        return text + (reply("size.stock_nearest", near=sizing.size_text(near)) if near else reply("size.stock_none"))
    if state["status"] == "presale":
        data["presale_ships_on"] = state["ships_on"]
        return reply("size.stock_presale", size=shown, ships_on=format_date(state["ships_on"]))
    other = next((s for s in (between or ()) if s != size), None)
    near = other if other and sizing.availability(skus, other, color, today)["status"] == "in_stock" else \
        sizing.nearest_in_stock(system, skus, size, color)
    data["nearest_in_stock"] = near
    text = (reply("size.stock_restock", size=shown, restock=format_date(state["restock_date"]))
            if state["status"] == "restock" else reply("size.stock_sold_out", size=shown))
    if near:
        return text + reply("size.stock_nearest", near=sizing.size_text(near))
    return text + reply("size.stock_none")


def _join_basis(kinds: Sequence[str], given: Dict[str, float], system: Optional[SizeChart] = None) -> str:
    return reply("size.basis_separator").join(_basis(kind, given[kind], system) for kind in kinds)


def _basis(kind: str, value: float, system: Optional[SizeChart]) -> str:
    """「身高112cm」, or for the system's own measurement 「手指周长52mm」 (its first word, its unit)."""
    custom = system.custom_measure(kind) if system is not None else None
    if custom is not None:
        return reply("size.basis_custom", label=custom.words[0], value=f"{value:g}", unit=custom.unit)
    return reply(f"size.basis.{kind}", value=sizing.format_value(kind, value))


def _ask_measures(system: SizeChart, product: Product, given: Dict[str, float], missing: Sequence[str]) -> str:
    """Ask for what the advice needs, with examples from the system's own ranges (a child's height, not 165cm)."""
    if tuple(system.measures) == ("height", "weight") and system.needs == "all":
        if not given.get("height") and not given.get("weight"):
            return reply("size.ask_measurements", product=product.name)
        return reply("size.ask_weight" if given.get("height") else "size.ask_height")
    if tuple(system.measures) == ("foot",):
        return reply("size.ask_foot", product=product.name, size_word=product.option_name("size", "码"))
    asks = []
    for kind in missing:
        bounds = system.bounds(kind)
        example = sizing.format_value(kind, round((bounds[0] + bounds[1]) / 2)) if bounds else ""
        custom = system.custom_measure(kind)
        asks.append(reply("size.ask_custom", label=custom.words[0], example=example, unit=custom.unit) if custom
                    else reply(f"size.ask.{kind}", example=example))
    joiner = reply("size.ask_or" if system.needs == "any" else "size.ask_and")
    return reply("size.ask_inputs", inputs=joiner.join(asks), product=product.name,
                 size_word=product.option_name("size", reply("stock.option_size")))


# ---------------------------------------------------------------------------
# shipping and logistics
# ---------------------------------------------------------------------------

def dispatch_date(config: ShopConfig, moment: dt.datetime) -> dt.date:
    """The day an order paid at ``moment`` leaves: the same day before the cut-off on a shipping day,
    else the next shipping day."""
    local = local_time(config, moment)
    day = local.date()
    if config.ships_on(day) and local.time() < config.cutoff:
        return day
    day += dt.timedelta(days=1)
    for _ in range(7):
        if config.ships_on(day):
            return day
        day += dt.timedelta(days=1)
    return day  # a shop that never ships: config validation keeps weekdays open


def dispatch_sentence(config: ShopConfig, ship_day: dt.date, today: dt.date) -> str:
    """「…16:00前付款的订单当天发货，您现在下单今天就能发出哦。付款后48小时内为您发出。」"""
    cutoff = config.cutoff.strftime("%H:%M")
    if ship_day == today:
        text = reply("shipping.dispatch_today", cutoff=cutoff)
    else:
        closed = [name for name in ("saturday", "sunday") if not config.weekend_shipping.get(name)]
        weekdays = reply("common.weekdays").split(",")
        if len(closed) == 2:
            weekend_note = reply("shipping.weekend_note", days=reply("shipping.weekend_both"))
        elif closed:
            weekend_note = reply("shipping.weekend_note", days=weekdays[5 if closed[0] == "saturday" else 6])
        else:
            weekend_note = ""
        text = reply("shipping.dispatch_later", cutoff=cutoff, weekend_note=weekend_note,
                     ship_day=day_label(ship_day, today))
    return text + reply("shipping.promise", hours=config.ship_within_hours)


def logistics_answer(
    order: Optional[Order], now: dt.datetime, order_id: Optional[str] = None, *, config: Optional[ShopConfig] = None
) -> Answer:
    """Where an order is: not found / unpaid / awaiting dispatch / moving / stuck (≥ 3 days) / delivered."""
    if order is None:
        if not order_id:
            return Answer(reply("common.ask_order_id"), {"missing": ["order_id"]})
        return Answer(reply("common.order_not_found", order_id=order_id), {"found": False, "order_id": order_id})
    config = config or _default_config()
    local = local_time(config, now)
    data: Dict[str, Any] = {"found": True, "order_id": order.order_id, "status": order.status.value, "stuck": False}
    if order.status is OrderStatus.UNPAID:
        ship_day = dispatch_date(config, local)  # 「现在付今天能发吗」: when it would leave if paid now
        return Answer(reply("logistics.unpaid", order_id=order.order_id, hours=config.ship_within_hours,
                            cutoff=config.cutoff.strftime("%H:%M"), ship_day=day_label(ship_day, local.date())), data)
    if order.status is OrderStatus.CANCELLED:
        return Answer(reply("logistics.cancelled", order_id=order.order_id), data)
    if order.status is OrderStatus.AWAITING_SHIPMENT:
        paid = order.paid_at or order.created_at
        ship_day = dispatch_date(config, paid)
        deadline = local_time(config, paid) + dt.timedelta(hours=config.ship_within_hours)
        data.update(ship_date=ship_day, ship_deadline=deadline)
        if local > deadline:
            data["late"] = True
            return Answer(reply("logistics.awaiting_late", order_id=order.order_id), data)
        if ship_day < local.date():
            ship_day = dispatch_date(config, local)
            data["ship_date"] = ship_day
        return Answer(
            reply("logistics.awaiting", order_id=order.order_id, ship_day=day_label(ship_day, local.date())), data
        )
    latest = order.latest_event
    event_values = dict(
        order_id=order.order_id,
        courier=order.courier or config.default_courier,
        tracking=order.tracking_number or "",
        event_time=format_datetime(local_time(config, latest.time)) if latest else "",
        event_text=latest.text if latest else "",
    )
    if order.status is OrderStatus.DELIVERED:
        delivered = order.delivered_at or (latest.time if latest else local)
        data["delivered_at"] = delivered
        return Answer(
            reply("logistics.delivered", order_id=order.order_id, delivered=format_datetime(local_time(config, delivered)),
                  event_text=event_values["event_text"],
                  via=reply("logistics.via", courier=event_values["courier"], tracking=order.tracking_number)
                  if order.tracking_number else ""),
            data,
        )
    # shipped
    if latest is not None and local - latest.time >= STUCK_AFTER:
        days = (local - latest.time).days
        data.update(stuck=True, days_without_update=days, latest_event=latest)
        return Answer(reply("logistics.stuck", days=days, **event_values), data)
    shipped = order.shipped_at or (order.events[0].time if order.events else local)
    low, high = config.days_to(normalize.normalize_province(order.province or order.receiver_address))
    arrive_to = local_time(config, shipped).date() + dt.timedelta(days=high)
    data.update(arrive_by=arrive_to, latest_event=latest)
    if local.date() > arrive_to:
        data["late"] = True
        arrival = reply("logistics.arrival_late")
    else:
        arrival = reply("logistics.arrival", arrive_to=format_date(arrive_to))
    if not order.tracking_number:  # a push without courier or tracking: no 「运单号 。」
        return Answer(reply("logistics.moving_untracked", order_id=order.order_id, arrival=arrival), data)
    return Answer(reply("logistics.moving", arrival=arrival, **event_values), data)


# ---------------------------------------------------------------------------
# invoices
# ---------------------------------------------------------------------------

_TAX_NUMBER = re.compile(r"^[0-9A-Z]+$")
_UNIFIED_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}$")


def validate_tax_number(value: str) -> Optional[str]:
    """Upper-cased, spaces removed, when 15, 18 or 20 characters of [0-9A-Z]
    (18: the unified social credit code charset, which has no I, O, Z, S, V); else None."""
    if not isinstance(value, str) or len(value) > 100:
        return None
    cleaned = re.sub(r"[\s\-]", "", value).upper()
    if len(cleaned) not in (15, 18, 20) or not _TAX_NUMBER.match(cleaned):
        return None
    if len(cleaned) == 18 and not _UNIFIED_CODE.match(cleaned):
        return None
    return cleaned


def validate_email(value: str) -> Optional[str]:
    """The trimmed address (domain lower-cased) when it looks deliverable, else None."""
    if not isinstance(value, str) or len(value) > 254:
        return None
    cleaned = value.strip().replace("＠", "@").replace("。", ".")
    if not _EMAIL.match(cleaned):
        return None
    local, _, domain = cleaned.partition("@")
    return f"{local}@{domain.lower()}"


def invoice_policy_answer(config: ShopConfig, invoice_type: Optional[str] = None) -> Answer:
    """Which invoices the shop issues, when, and what the buyer needs to provide."""
    policy = config.invoice
    kind = normalize.normalize_invoice_type(invoice_type) if invoice_type else None
    data: Dict[str, Any] = {"types": list(policy.types), "invoice_type": kind}
    if kind and kind not in policy.types:
        data["available"] = False
        return Answer(reply("invoice.unavailable", invoice_type=kind, types=join_items(policy.types)), data)
    shown = [kind] if kind else list(policy.types)
    text = reply("invoice.policy", types=join_items(shown), issued_after=policy.issued_after, days=policy.issued_within_days)
    if "电子普票" in shown:
        text += reply("invoice.electronic")
    if "纸质普票" in shown and policy.paper_delivery:
        text += reply("invoice.paper", paper_delivery=policy.paper_delivery)
    if "专票" in shown and policy.special_requires:
        text += reply("invoice.special", requires=join_items(policy.special_requires))
    return Answer(text, data)


def invoice_recorded_answer(config: ShopConfig, invoice_type: str, title: str, email: Optional[str]) -> Answer:
    """Confirms a recorded request; the e-mail is shown masked."""
    policy = config.invoice
    kind = normalize.normalize_invoice_type(invoice_type) or invoice_type
    values = dict(invoice_type=kind, title=title, issued_after=policy.issued_after, days=policy.issued_within_days)
    if kind == "纸质普票" or not email:
        delivery = reply("invoice.paper_delivery", paper_delivery=policy.paper_delivery) if policy.paper_delivery else ""
        text = reply("invoice.recorded_paper", paper_delivery=delivery, **values)
    else:
        text = reply("invoice.recorded", email=mask_email(email), **values)
    return Answer(text, {"invoice_type": kind, "title": title})


# ---------------------------------------------------------------------------
# returns, address changes, bargaining
# ---------------------------------------------------------------------------

def change_address_answer(order: Optional[Order], new_address: Optional[str] = None) -> Answer:
    """Whether the address can still change. Records nothing itself: the action calls
    ``ShopStore.record_address_change`` when ``data["can_change"]`` and an address was given."""
    if order is None:
        return Answer(reply("common.ask_order_id"), {"missing": ["order_id"], "can_change": False})
    data: Dict[str, Any] = {"order_id": order.order_id, "status": order.status.value, "can_change": False}
    status = order.status
    if status is OrderStatus.UNPAID:
        return Answer(reply("address.unpaid", order_id=order.order_id), data)
    if status is OrderStatus.CANCELLED:
        return Answer(reply("address.cancelled", order_id=order.order_id), data)
    if status is OrderStatus.DELIVERED:
        return Answer(reply("address.delivered", order_id=order.order_id), data)
    if status is OrderStatus.SHIPPED:
        if not order.courier or not order.tracking_number:  # never 「已经由发出（运单号 ）」
            return Answer(reply("address.shipped_untracked", order_id=order.order_id), data)
        return Answer(
            reply("address.shipped", order_id=order.order_id, courier=order.courier, tracking=order.tracking_number),
            data,
        )
    data["can_change"] = True
    address = (new_address or "").strip()
    if not address:
        data["missing"] = ["new_address"]
        return Answer(reply("address.ask_new", order_id=order.order_id), data)
    data["new_address"] = address[:300]
    return Answer(reply("address.confirm", order_id=order.order_id, address=address[:300]), data)


def coupon_answer(config: ShopConfig, now: Optional[dt.datetime], with_key: str, threshold_key: str,
                  none_key: str, coupons: Optional[Sequence[Coupon]] = None) -> Answer:
    """The current coupon (the first of ``coupons`` when given) in the sentence ``with_key``
    (``threshold_key`` when it has a threshold), or ``none_key`` when the shop has none today."""
    if coupons is None:
        coupons = config.current_coupons(local_time(config, now).date() if now else None)
    if not coupons:
        return Answer(reply(none_key), {"coupon": None})
    coupon = coupons[0]
    valid = reply("bargain.valid_until", date=format_date(coupon.valid_until)) if coupon.valid_until else ""
    how = reply("bargain.how", how=coupon.how_to_get) if coupon.how_to_get else ""
    values = dict(coupon=coupon.name, amount=f"{coupon.amount:g}", valid=valid, how=how)
    if coupon.threshold:
        return Answer(reply(threshold_key, threshold=f"{coupon.threshold:g}", **values), {"coupon": coupon.name})
    return Answer(reply(with_key, **values), {"coupon": coupon.name})


def bargain_answer(config: ShopConfig, now: Optional[dt.datetime] = None) -> Answer:
    """A polite refusal to haggle, pointing to the current coupon when there is one."""
    return coupon_answer(config, now, "bargain.coupon_no_threshold", "bargain.coupon", "bargain.refuse")
