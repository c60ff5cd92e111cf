"""What a buyer's message names, read at run time against the loaded catalogue.

Colours, sizes and product names come from the shop's own data (``kefu load-shop``),
not from the trained model, so a colour or product the shop adds is understood
without retraining. Measurements (height, weight, foot length, waist) and order
numbers are read by shape. A bare number is a size only when the product in
question has that size, and an order number only when it has an order number's
shape (15-20 digits).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from kefu import normalize
from kefu.shop.models import Product, Sku

MAX_TEXT = 2000
_ORDER_RUN = re.compile(r"(?<!\d)\d{15,20}(?!\d)")
_SPACED_ORDER = re.compile(r"(?<!\d)\d{3,}(?:[ \-]\d{3,}){1,6}(?!\d)")
# Foot length: a unit or the word 脚长/脚 makes it one ("脚长245", "25.5厘米", "240mm", "脚24.5").
_FOOT = re.compile(
    r"(?:(脚长|脚掌长|脚)\s*(?:是|有|大概|约)?\s*(\d{2,3}(?:\.\d)?)\s*(mm|毫米|cm|厘米|公分)?)"
    r"|(?:(\d{2,3}(?:\.\d)?)\s*(mm|毫米))"
    r"|(?:(?<![\d.])([12]\d(?:\.\d)?)\s*(cm|厘米|公分))",
    re.IGNORECASE,
)
# Waist: 2尺2 / 两尺一 / 2.1尺 / 腰围72cm / 腰围29寸 (jeans sizes are waist inches: 29寸 = size 29).
_WAIST_CHI = re.compile(r"([一二两三1-3](?:\.\d)?)\s*尺\s*([0-9一二三四五六七八九])?")
_WAIST_CM = re.compile(r"腰围?\s*(?:是|有)?\s*(\d{2,3}(?:\.\d)?)\s*(cm|厘米|公分)?", re.IGNORECASE)
_WAIST_INCH = re.compile(r"(\d{2})\s*寸")
_QUANTITY = re.compile(r"(?:各|要|买|拍|来)?\s*([0-9一二两三四五六七八九十]{1,3})\s*(?:件|个|条|双|套)")
_LETTER_SIZE = re.compile(
    r"(?<![A-Za-z])(XXXXL|XXXL|XXL|XL|XS|[2-4]XL|[2-4]X|S|M|L)(?:码|號|号)?(?![A-Za-z])", re.IGNORECASE
)
_NUMBER = re.compile(r"(?<![\d.])(\d{2})(?:\s*(码|號|号|寸))?(?![\d.])")
_UNIT_AFTER = re.compile(r"^\s*(?:cm|CM|厘米|公分|kg|KG|公斤|千克|斤|元|块|天|小时|岁|mm|毫米|分钟|号楼|栋|%|度|点)")
_COLOR_WORD = re.compile(r"([\u4e00-\u9fff]{1,2})色")
_SIZE_ALIASES = {"XXXXL": "4XL", "XXXL": "3XL", "XXL": "2XL", "2X": "2XL", "3X": "3XL", "4X": "4XL"}


def fold(text: str) -> str:
    """NFKC (full-width digits and letters, ①), cut to a message's length."""
    return unicodedata.normalize("NFKC", text or "")[:MAX_TEXT]


@dataclass
class Mentions:
    """Everything a message names, canonical and in the order it was written."""

    products: List[Product] = field(default_factory=list)
    colors: List[str] = field(default_factory=list)
    unknown_colors: List[str] = field(default_factory=list)
    sizes: List[str] = field(default_factory=list)
    order_ids: List[str] = field(default_factory=list)
    height_cm: Optional[int] = None
    weight_kg: Optional[float] = None
    foot_mm: Optional[float] = None
    waist_size: Optional[str] = None
    province: Optional[str] = None
    quantity: Optional[int] = None

    @property
    def product(self) -> Optional[Product]:
        return self.products[0] if self.products else None

    @property
    def has_measurements(self) -> bool:
        return bool(self.height_cm or self.weight_kg or self.foot_mm or self.waist_size)

    @property
    def names_sku(self) -> bool:
        return bool(self.colors or self.sizes or self.unknown_colors)


@dataclass(frozen=True)
class CatalogView:
    """The catalogue as the reader needs it: products with their SKUs."""

    products: Tuple[Product, ...]
    skus: Dict[str, Tuple[Sku, ...]]

    @classmethod
    def from_store(cls, store) -> "CatalogView":
        products = tuple(store.products())
        return cls(products, {p.id: tuple(store.skus(p.id)) for p in products})

    def product(self, product_id: Optional[str]) -> Optional[Product]:
        return next((p for p in self.products if product_id and p.id.lower() == product_id.lower()), None)

    def colors(self, product: Optional[Product] = None) -> List[str]:
        pool = [product] if product else list(self.products)
        return _unique(s.color for p in pool for s in self.skus.get(p.id, ()))

    def sizes(self, product: Optional[Product] = None) -> List[str]:
        pool = [product] if product else list(self.products)
        return _unique(s.size for p in pool for s in self.skus.get(p.id, ()))


def _unique(values: Iterable[str]) -> List[str]:
    seen: List[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def read(text: str, catalog: CatalogView, product: Optional[Product] = None) -> Mentions:
    """Read ``text``; ``product`` is the conversation's product (sizes and colours are read against it)."""
    text = fold(text)
    found = Mentions()
    found.products = _products(text, catalog)
    context = found.product or product
    rest = text

    found.order_ids, rest = _order_ids(rest)
    found.foot_mm, rest = _foot_length(rest, context, catalog)
    bare_sizes, rest = _bare_sizes(rest, catalog, context)
    found.waist_size, rest = _waist(rest, context, catalog)
    height, weight = normalize.extract_measurements(_without_sizes(rest, context, catalog))
    found.height_cm, found.weight_kg = height, weight
    measured = _measurement_numbers(rest, height, weight)
    found.colors, found.unknown_colors = _colors(rest, catalog, context)
    found.sizes = _unique(bare_sizes + _sizes(rest, catalog, context, skip=measured))
    found.province = normalize.normalize_province(_without_product_words(rest, catalog))
    found.quantity = _quantity(rest)
    return found


# -- products ---------------------------------------------------------------------------------------

def _products(text: str, catalog: CatalogView) -> List[Product]:
    """Products named in the message (name, alias or id), longest word first, in order of appearance."""
    lowered = text.lower()
    hits: List[Tuple[int, Product]] = []
    taken: List[Tuple[int, int]] = []
    words = sorted(
        ((word, product) for product in catalog.products for word in product.words if word),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    for word, product in words:
        start = lowered.find(word.lower())
        while start >= 0:
            end = start + len(word)
            if not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                if all(p.id != product.id for _, p in hits):
                    hits.append((start, product))
                break
            start = lowered.find(word.lower(), end)
    return [product for _, product in sorted(hits, key=lambda pair: pair[0])]


def _without_product_words(text: str, catalog: CatalogView) -> str:
    for product in catalog.products:
        for word in product.words:
            if word:
                text = text.replace(word, " ")
    return text


# -- order numbers ----------------------------------------------------------------------------------

def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _order_ids(text: str) -> Tuple[List[str], str]:
    ids: List[str] = []
    for match in list(_ORDER_RUN.finditer(text)):
        ids.append(match.group(0))
        text = _blank(text, match.start(), match.end())
    for match in list(_SPACED_ORDER.finditer(text)):
        digits = re.sub(r"\D", "", match.group(0))
        if 15 <= len(digits) <= 20:
            ids.append(digits)
            text = _blank(text, match.start(), match.end())
    return _unique(ids), text


# -- measurements -----------------------------------------------------------------------------------

def _is_shoes(product: Optional[Product]) -> bool:
    return bool(product and product.category == "鞋")


def _foot_length(text: str, product: Optional[Product], catalog: CatalogView) -> Tuple[Optional[float], str]:
    for match in _FOOT.finditer(text):
        if match.group(2):
            value, unit = float(match.group(2)), (match.group(3) or "").lower()
        elif match.group(4):
            value, unit = float(match.group(4)), "mm"
        else:
            value, unit = float(match.group(6)), "cm"
        if unit in ("cm", "厘米", "公分") or (not unit and value < 35):
            value *= 10
        if 150 <= value <= 330:
            return value, _blank(text, match.start(), match.end())
    return None, text


def _waist(text: str, product: Optional[Product], catalog: CatalogView) -> Tuple[Optional[str], str]:
    """A waist measurement turned into the nearest trouser size the product (or shop) offers."""
    sizes = [s for s in catalog.sizes(product if product and product.category == "裤装" else None) if s.isdigit()]
    inches: Optional[float] = None
    span: Optional[Tuple[int, int]] = None
    match = _WAIST_CHI.search(text)
    if match:
        chi = normalize.chinese_number(match.group(1))
        cun = normalize.chinese_number(match.group(2)) if match.group(2) else 0
        if chi is not None and cun is not None:
            inches, span = (chi + cun / 10) * 33.33 / 2.54, match.span()
    if inches is None:
        match = _WAIST_CM.search(text)
        if match and "腰" in match.group(0):
            value = float(match.group(1))
            inches = value if value < 45 else value / 2.54
            span = match.span()
    if inches is None:
        match = _WAIST_INCH.search(text)
        if match:
            inches, span = float(match.group(1)), match.span()
    if inches is None or span is None or not sizes:
        return None, text
    nearest = min(sizes, key=lambda size: abs(int(size) - inches))
    if abs(int(nearest) - inches) > 2:
        return None, text
    return nearest, _blank(text, *span)


def _without_sizes(text: str, product: Optional[Product], catalog: CatalogView) -> str:
    """Letter sizes and '37码' removed, so '37码' is not read as a weight."""
    text = _LETTER_SIZE.sub(lambda m: " " * len(m.group(0)), text)
    return re.sub(r"\d{2}\s*(?:码|號|号)", lambda m: " " * len(m.group(0)), text)


def _measurement_numbers(text: str, height: Optional[int], weight: Optional[float]) -> List[str]:
    """The digit strings that were read as a height or weight (never also a size)."""
    used: List[str] = []
    for number in re.findall(r"\d+(?:\.\d+)?", text):
        value = float(number)
        if height and abs(value - height) < 0.5:
            used.append(number)
        elif weight and (abs(value - weight) < 0.6 or abs(value / 2 - weight) < 0.6):
            used.append(number)
    return used


# -- colours and sizes ------------------------------------------------------------------------------

def _colors(text: str, catalog: CatalogView, product: Optional[Product]) -> Tuple[List[str], List[str]]:
    """Catalogue colours named (the product's first, then the shop's), and colour words it does not sell."""
    known = catalog.colors(product) or catalog.colors()
    everyone = catalog.colors()
    cleaned = normalize._strip_noise(text)
    hits: List[Tuple[int, str]] = []
    taken: List[Tuple[int, int]] = []
    forms: List[Tuple[str, str]] = []
    for color in _unique(known + everyone):
        forms.append((color, color))
        stem = color[:-1] if color.endswith("色") and len(color) > 1 else ""
        if stem:
            forms.append((stem, color))
        for alias in normalize.COLORS.get(color, ()):
            forms.append((alias, color))
    for form, color in sorted(forms, key=lambda pair: len(pair[0]), reverse=True):
        start = cleaned.lower().find(form.lower())
        while start >= 0:
            end = start + len(form)
            if not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                hits.append((start, color))
            start = cleaned.lower().find(form.lower(), end)
    named = _unique(color for _, color in sorted(hits))
    # Prefer the product's own colours when a stem fits several (蓝 -> 蓝色 on the dress).
    if product:
        own = catalog.colors(product)
        named = [c for c in named if c in own] or named
    unknown: List[str] = []
    if not named:
        canonical = normalize.normalize_color(cleaned)
        if canonical and canonical not in everyone:
            unknown.append(canonical)
    for match in _COLOR_WORD.finditer(cleaned):
        start = match.start()
        if any(a <= start < b for a, b in taken):
            continue
        canonical = normalize.normalize_color(match.group(0))
        if canonical and canonical not in everyone:
            unknown.append(canonical)
    return named, _unique(unknown)


def canonical_letter_size(raw: str) -> Optional[str]:
    upper = raw.upper()
    upper = re.sub(r"(码|號|号)$", "", upper)
    return _SIZE_ALIASES.get(upper, upper if upper in normalize.CLOTHING_SIZES else None)


def _sizes(text: str, catalog: CatalogView, product: Optional[Product], skip: Sequence[str]) -> List[str]:
    offered = catalog.sizes(product) if product else catalog.sizes()
    found: List[Tuple[int, str]] = []
    for match in _LETTER_SIZE.finditer(text):
        size = canonical_letter_size(match.group(1))
        if size:
            found.append((match.start(), size))
    for word, size in normalize._SIZE_WORDS.items():
        position = text.find(word)
        # 「多大码」「什么码」 ask for a size; they do not name 大码.
        if position > 0 and text[position - 1] in "多什啥么几":
            continue
        if position >= 0 and size in offered:
            found.append((position, size))
    for match in _NUMBER.finditer(text):
        number, unit = match.group(1), match.group(2)
        if number in skip and not unit:
            continue
        if _UNIT_AFTER.match(text[match.end():]) and not unit:
            continue
        if number in offered:
            found.append((match.start(), number))
    sizes = _unique(size for _, size in sorted(found))
    if product:
        sizes = [s for s in sizes if s in offered] or sizes
    return sizes


def _bare_sizes(text: str, catalog: CatalogView, product: Optional[Product]) -> Tuple[List[str], str]:
    """Numbers without a unit that are sizes of the product in question (「白色37呢」, 「深蓝29」):
    read as sizes and taken out before heights and weights are read."""
    if product is None:
        return [], text
    offered = {s for s in catalog.sizes(product) if s.isdigit()}
    found: List[str] = []
    for match in list(_NUMBER.finditer(text)):
        number = match.group(1)
        if number in offered and not _UNIT_AFTER.match(text[match.end():]) and match.group(2) != "寸":
            found.append(number)
            text = _blank(text, match.start(), match.end())
    return found, text


def _quantity(text: str) -> Optional[int]:
    match = _QUANTITY.search(text)
    if not match:
        return None
    value = normalize.chinese_number(match.group(1))
    return int(value) if value and 1 <= value <= 999 else None
