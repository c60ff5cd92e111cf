"""Stock-aware answers beyond one SKU: what is left, per-SKU presale dates and per-SKU prices.

「灰色还有啥码」 lists only the sizes in stock, with restock or presale dates for the others;
「这个是预售吗」 answers for the SKU asked (a SKU sold before it is in stock ships on its own
date); 「1.8米的多少钱」 gives that SKU's price (a SKU's own price wins over the product's).
Option names come from the product (尺码 / 尺寸 / 规格 / 色号), never from a category.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from kefu import normalize
from kefu.dialogue.answers import sku_line
from kefu.dialogue.questions import Question, clauses
from kefu.shop.answers import format_date, join_items, unique, reply
from kefu.shop.config import ShopConfig
from kefu.shop.models import Order, OrderStatus, Product, Sku

CatalogLike = Any  # kefu.dialogue.mentions.CatalogView (products with their SKUs)

_WHICH = r"(哪些|哪几个|哪几种|哪几款|哪个|什么|啥|几个|几种|多少)"
_SIZE_WORDS = r"(码|尺码|码数|号|尺寸|规格|大小|型号|容量)"
_COLOR_WORDS = r"(颜色|色|色号|款色|款)"
_LEFT_SIZE = re.compile(rf"(还有|有|剩|剩下|还剩){_WHICH}{_SIZE_WORDS}|{_WHICH}{_SIZE_WORDS}(还)?(有货|有现货|有的|没卖完)|"
                        rf"{_SIZE_WORDS}(还)?(全|齐)(吗|不)|有(哪|哪些|几)?(几)?(片|支|瓶|条|只|件|盒|袋|包)装")
# 「还有啥码」 asks what is left to buy; 「有哪些码」 asks the whole range (sold-out ones said as such).
_LEFT_ONLY = re.compile(r"还|剩")
_LEFT_COLOR = re.compile(rf"(还有|有|剩|剩下|还剩){_WHICH}{_COLOR_WORDS}|{_WHICH}{_COLOR_WORDS}(还)?(有货|有现货|有的|没卖完)|"
                         rf"(有货|现货|能(直接|马上)?发|可以(直接|马上)?发|能拍|可以拍)的?(是)?{_WHICH}{_COLOR_WORDS}")
_PRICE = re.compile(r"多少钱|多钱|几多钱|价格|价钱|几块钱?|什么价|啥价|售价|单价|贵不贵|卖多少|怎么卖|"
                    # 「面霜30ml多少」, 「燕麦色一米二多少」: a clause ending in 多少 after a thing, not a measure
                    # (含量多少, 几成, 多少克) and not a count (还有多少, 剩多少)
                    r"(?<![量率倍度克斤天久有剩含占比码号几共涂挤挖用放加倒吃喝装要拍发])多少[呀啊呢哇]?$|"
                    # 「那5斤装多少」: a pack size named by its number is a price asked too
                    r"[0-9]+\s*(斤|公斤|kg|g|克|袋|片|支|瓶|盒|包|罐|件|条)装的?多少[呀啊呢哇]?$")
# What a clause asking a price is not, though its words say so (「两件套多少」 is no haggling).
_PRICE_READS_AS = ("bargain", "product_fact")
_NOT_PRICE = re.compile(r"运费|邮费|快递费|补差价|便宜|优惠|砍价|最低|返|红包|赔|补偿|价格单|价签|价格标签|吊牌价|电话|号码|手机号")


# Words that ask for stock (「还有吗」, 「剩几件」): a clause with one is a stock question whatever else it names.
_STOCK_WORDS = re.compile(r"有货|有吗|有没有|还有|有的|库存|现货|没货|缺货|补货|卖完|售罄|剩|多少件|几件|有不|有么|有嘛")


def asks_stock(clause: str) -> bool:
    return bool(_STOCK_WORDS.search(clause))


def asks_whole_range(clause: str) -> bool:
    return not _LEFT_ONLY.search(clause)


def asks_which_left(clause: str) -> Optional[str]:
    """"size" for 「灰色还有啥码」, "color" for 「130还有什么颜色」, None otherwise."""
    if _LEFT_SIZE.search(clause):
        return "size"
    if _LEFT_COLOR.search(clause):
        return "color"
    return None


def with_options(questions: List[Question], text: str) -> List[Question]:
    """「都有啥颜色」, 「有哪些码」: a question about the options on sale, whatever else the
    clause was read as (a product fact nobody wrote down)."""
    asked = [(at, clause) for at, clause in clauses(text) if asks_which_left(clause)]
    if not asked:
        return questions
    covered = {q.clause for q in questions if q.kind in ("stock", "restock", "size_advice")}
    missing = [(at, clause) for at, clause in asked if clause not in covered]
    if not missing:
        return questions
    clauses_asked = {clause for _, clause in missing}
    kept = [q for q in questions if not (q.kind in ("product_fact", "product_topics") and q.clause in clauses_asked)]
    return sorted(kept + [Question("stock", clause, at) for at, clause in missing], key=lambda q: q.position)


def asks_price(clause: str) -> bool:
    return bool(_PRICE.search(clause)) and not _NOT_PRICE.search(clause)


def with_price(questions: List[Question], text: str) -> List[Question]:
    """A price question (「1.8米的多少钱」, 「面霜30ml多少」) added to what was recognised, in the order asked.

    Read clause by clause: 「两件套多少」 asks a price, not for a discount, and 「150*200的多钱」 asks the
    price of that size, not its dimensions; a clause asking a price drops those readings of itself."""
    if any(asks_cheapest(clause) for _, clause in clauses(text)):  # 「哪个最便宜 多少钱」 asks a price, no haggling
        questions = [q for q in questions if q.kind not in ("bargain", "superlative")]
        if not any(q.kind == "price" for q in questions):
            at, clause = next((at, c) for at, c in clauses(text) if asks_cheapest(c))
            questions = sorted(questions + [Question("price", clause, at)], key=lambda q: q.position)
    if any(q.kind == "price" for q in questions):
        return questions
    priced = [(at, clause) for at, clause in clauses(text) if asks_price(clause)]
    if not priced:
        return questions
    asked = {clause for _, clause in priced}
    kept = [q for q in questions if not (q.kind in _PRICE_READS_AS and q.clause in asked)]
    return sorted(kept + [Question("price", priced[0][1], priced[0][0])], key=lambda q: q.position)


def _presale_line(order: Order, catalog: "CatalogLike", today: dt.date) -> Optional[Tuple[Any, Sku]]:
    if order.status is not OrderStatus.AWAITING_SHIPMENT:
        return None
    for item in order.items:
        sku = next((s for s in catalog.skus.get(item.product_id, ())
                    if s.color == item.color and s.size == item.size), None)
        if sku is not None and sku.presale_ships_on and sku.presale_ships_on >= today and sku.stock <= 0:
            return item, sku
    return None


def presale_order(order: Order, catalog: "CatalogLike", today: dt.date) -> Optional[str]:
    """An order waiting for a presale line: it ships on that line's date (not late, not today)."""
    line = _presale_line(order, catalog, today)
    if line is None:
        return None
    item, sku = line
    product = catalog.product(item.product_id)
    return reply("stock.presale_order", order_id=order.order_id, product=product.name if product else "",
                 sku=sku.label, date=format_date(sku.presale_ships_on))


def presale_ships_on(order: Order, catalog: "CatalogLike", today: dt.date) -> Optional[dt.date]:
    """The day an order waiting for a presale line leaves (None: not waiting for one)."""
    line = _presale_line(order, catalog, today)
    return line[1].presale_ships_on if line else None


def _option(product: Product, which: str) -> str:
    return product.option_name(which, reply("stock.option_size" if which == "size" else "stock.option_color"))


def left_answer(product: Product, skus: Sequence[Sku], which: str, color: Optional[str], size: Optional[str],
                today: dt.date, whole_range: bool = False, threshold: int = 0) -> str:
    """What can be bought of ``product`` (of ``color`` when sizes are asked, of ``size`` when colours are):
    in stock first; then the ones coming back or on presale, with their dates. Sold-out ones are listed only
    when the whole range is asked (「有哪些码」, not 「还有啥码」)."""
    if which == "size":
        pool = [s for s in skus if s.size and (not color or s.color == color)]
        key = lambda s: s.size  # noqa: E731
        scope = color or ""
    else:
        pool = [s for s in skus if s.color and (not size or s.size == size)]
        key = lambda s: s.color  # noqa: E731
        scope = size or ""
    values = unique([key(s) for s in pool])
    in_stock = [v for v in values if any(key(s) == v and s.stock > 0 for s in pool)]
    later: List[str] = []
    for value in values:
        if value in in_stock:
            continue
        rows = [s for s in pool if key(s) == value]
        presale = sorted(s.presale_ships_on for s in rows if s.presale_ships_on and s.presale_ships_on >= today)
        restock = sorted(s.restock_date for s in rows if s.restock_date and s.restock_date > today)
        if presale:
            later.append(reply("stock.left_presale", value=value, date=format_date(presale[0])))
        elif restock:
            later.append(reply("stock.left_restock", value=value, date=format_date(restock[0])))
        elif whole_range:
            later.append(reply("stock.left_sold_out", value=value))
    name = f"{product.name}（{scope}）" if scope else product.name
    option = _option(product, which)
    left = {v: sum(s.stock for s in pool if key(s) == v and s.stock > 0) for v in in_stock}
    in_stock = [reply("stock.left_low", value=v, stock=left[v]) if 0 < left[v] <= threshold else v for v in in_stock]
    if not in_stock:
        text = reply("stock.left_none", product=name, option=option)
    else:
        text = reply("stock.left", product=name, option=option, values=join_items(in_stock))
    if later:
        text += reply("stock.left_later", later=join_items(later))
    return text


def option_lines(product: Product, skus: Sequence[Sku], color: Optional[str], size: Optional[str],
                 today: dt.date, threshold: int, limit: int = 6) -> Optional[str]:
    """「儿童款还有货吗」: each SKU of the one colour (or size) named, with its state (仅剩2件, 售罄, 补货日,
    预售日) — the answer a 客服 gives instead of asking which size. None when both or neither are named,
    or when there are too many SKUs to list."""
    if bool(color) == bool(size):
        return None
    pool = [s for s in skus if (s.color == color if color else s.size == size)]
    if not 2 <= len(pool) <= limit:
        return None
    lines = [sku_line(s, "" if color else s.color, s.size if color else "", today, threshold, None)[0] for s in pool]
    return reply("stock.many", lines="，".join(lines)).replace("亲，", f"亲，{product.name}（{color or size}）：", 1)


def presale_answer(config: ShopConfig, product: Optional[Product], skus: Sequence[Sku], color: Optional[str],
                   size: Optional[str], today: dt.date) -> Optional[str]:
    """Per-SKU presale: the SKU asked, or the product's presale SKUs with their dispatch dates.
    None when the product has no presale SKU and none was asked (the shop-wide answer applies)."""
    if product is None:
        return None
    chosen = [s for s in skus if (not color or s.color == color) and (not size or s.size == size)]
    if (color or size) and len(chosen) == 1:
        sku = chosen[0]
        if sku.presale_ships_on and sku.stock <= 0:
            return reply("stock.presale_sku", product=product.name, sku=sku.label, date=format_date(sku.presale_ships_on))
        if sku.stock > 0:
            return reply("stock.presale_in_stock", product=product.name, sku=sku.label,
                         hours=config.ship_within_hours)
        return None  # sold out or coming back: the stock answer says so
    presale = [s for s in (chosen or skus) if s.presale_ships_on and s.stock <= 0]
    if not presale:
        return None
    dates: Dict[dt.date, List[str]] = {}
    for sku in presale:  # 「5斤装、10斤装是预售，预计12月8日发货」: one line per dispatch date
        dates.setdefault(sku.presale_ships_on, []).append(sku.label)
    lines = "；".join(reply("stock.left_presale", value="、".join(labels), date=format_date(day))
                     for day, labels in sorted(dates.items()))
    if not any(s.stock > 0 for s in skus):
        return reply("stock.presale_all", product=product.name, lines=lines)
    return reply("stock.presale_some", product=product.name, lines=lines, hours=config.ship_within_hours)


def presale_in_shop(config: ShopConfig, products: Sequence[Product], skus: Dict[str, Sequence[Sku]]) -> Optional[str]:
    """Which products of the shop sell some SKUs ahead, with their dispatch dates; None when none does."""
    lines = []
    for product in products:
        presale = [s for s in skus.get(product.id, ()) if s.presale_ships_on and s.stock <= 0]
        for day in sorted({s.presale_ships_on for s in presale}):
            labels = "、".join(s.label for s in presale if s.presale_ships_on == day)
            lines.append(reply("stock.presale_shop_line", product=product.name, skus=labels, date=format_date(day)))
    if not lines:
        return None
    return reply("stock.presale_shop", lines="；".join(lines), hours=config.ship_within_hours)


_CHEAPEST = re.compile(r"(哪|哪个|哪款|哪种|什么).{0,6}(最便宜|便宜|最划算|最实惠|价格最低|最低)|(最便宜|最低价)的?(是|是哪)")


def asks_cheapest(clause: str) -> bool:
    return bool(_CHEAPEST.search(clause))


def cheapest_answer(product: Product, skus: Sequence[Sku], color: Optional[str], size: Optional[str]) -> str:
    """「五斤装的哪个果径最便宜」: the lowest-priced SKU of those asked (its price), said without a superlative."""
    chosen = [s for s in skus if (not color or s.color == color) and (not size or s.size == size)] or list(skus)
    low = min((s.price if s.price is not None else product.price) for s in chosen)
    labels = [s.label for s in chosen if (s.price if s.price is not None else product.price) == low]
    return reply("stock.price_lowest", product=product.name, sku="、".join(labels), price=f"{low:g}")


def _chosen(skus: Sequence[Sku], color: Optional[str], size: Optional[str]) -> List[Sku]:
    offered = unique([s.color for s in skus if s.color])
    if color and color not in offered:  # 「白色」 of a product sold as 云白
        color = normalize.normalize_color(color, known=offered)
    return [s for s in skus if (not color or s.color == color) and (not size or s.size == size)] or list(skus)


def unit_price(product: Product, skus: Sequence[Sku], color: Optional[str], size: Optional[str]) -> Optional[Tuple[str, float]]:
    """(what is priced, its one price) when the SKUs asked share one price; None when prices differ."""
    chosen = _chosen(skus, color, size)
    prices = {s.price if s.price is not None else product.price for s in chosen}
    if len(prices) != 1 or None in prices:
        return None
    label = chosen[0].label if len(chosen) == 1 else (color or size or "")
    return (f"{product.name}（{label}）" if label else product.name), float(prices.pop())


def price_answer(product: Product, skus: Sequence[Sku], color: Optional[str], size: Optional[str]) -> str:
    """The price of the SKU asked, or the prices by option when they differ."""
    one = unit_price(product, skus, color, size)
    if one is not None:
        return reply("stock.price_one", product=one[0], price=f"{one[1]:g}")
    chosen = _chosen(skus, color, size)
    by_size = unique([s.size for s in chosen if s.size])
    if by_size and all(len({(s.price or product.price) for s in chosen if s.size == v}) == 1 for v in by_size):
        priced = [(v, next((s.price or product.price) for s in chosen if s.size == v)) for v in by_size]
    else:
        priced = [(s.label, s.price or product.price) for s in chosen]
    groups: Dict[float, List[str]] = {}
    for option, price in priced:  # 「100、110：49元；120、130：55元」: options of one price together
        groups.setdefault(price, []).append(option)
    lines = [reply("stock.price_line", option="、".join(options), price=f"{price:g}") for price, options in groups.items()]
    return reply("stock.price_list", product=product.name, lines="；".join(lines))
