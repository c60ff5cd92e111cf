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
from functools import cached_property
from typing import Dict, List, Optional, Sequence, Set, Tuple

from kefu import normalize
from kefu.dialogue import absent, spans
from kefu.dialogue.spans import Span
from kefu.shop.answers import unique
from kefu.shop.models import Product, SizeSystem, Sku

MAX_TEXT = 2000
_COLOR_WORD = re.compile(r"([\u4e00-\u9fff]{1,2})色")
_INCH_SIZE = (20, 50)  # numeric sizes read from a waist in inches (trouser sizes)


def fold(text: str) -> str:
    """NFKC (full-width digits and letters, ①), cut to a message's length."""
    return unicodedata.normalize("NFKC", text or "")[:MAX_TEXT]


@dataclass
class Mentions:
    """Everything a message names, canonical and in the order it was written (``spans``: where)."""

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
    measures: Dict[str, float] = field(default_factory=dict)   # kind -> value in the size system's unit
    spans: List[Span] = field(default_factory=list)

    @property
    def product(self) -> Optional[Product]:
        return self.products[0] if self.products else None

    @property
    def has_measurements(self) -> bool:
        return bool(self.height_cm or self.weight_kg or self.foot_mm or self.waist_size or self.measures)

    @property
    def names_sku(self) -> bool:
        return bool(self.colors or self.sizes or self.unknown_colors)


@dataclass(frozen=True)
class CatalogView:
    """The catalogue as the reader needs it: products with their SKUs and the size systems."""

    products: Tuple[Product, ...]
    skus: Dict[str, Tuple[Sku, ...]]
    systems: Dict[str, SizeSystem] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store) -> "CatalogView":
        products = tuple(store.products())
        systems = store.size_systems() if hasattr(store, "size_systems") else {}
        return cls(products, {p.id: tuple(store.skus(p.id)) for p in products}, systems)

    def product(self, product_id: Optional[str]) -> Optional[Product]:
        return next((p for p in self.products if product_id and p.id.lower() == product_id.lower()), None)

    @cached_property
    def vocabulary(self) -> Set[str]:
        """The two-character pieces of every word the shop uses for what it sells (``absent``)."""
        return absent.vocabulary(self.products, self.skus.values())

    def system(self, product: Optional[Product]) -> Optional[SizeSystem]:
        """The size system of ``product`` (None: no sizes to advise on)."""
        if product is None:
            return None
        return self.systems.get(product.size_system or "") or self.systems.get(product.category)

    def colors(self, product: Optional[Product] = None) -> List[str]:
        pool = [product] if product else list(self.products)
        return unique(s.color for p in pool for s in self.skus.get(p.id, ()) if s.color)

    def sizes(self, product: Optional[Product] = None) -> List[str]:
        pool = [product] if product else list(self.products)
        return unique(s.size for p in pool for s in self.skus.get(p.id, ()) if s.size)


def read(text: str, catalog: CatalogView, product: Optional[Product] = None) -> Mentions:
    """Read ``text`` in one pass (:mod:`kefu.dialogue.spans`); ``product`` is the conversation's product
    (sizes, colours and measurements are read against it and its size system)."""
    text = fold(text)
    found = Mentions()
    found.products = _products(text, catalog)
    if not found.products and product is None:
        inferred = _product_of_options(text, catalog)
        if inferred is not None:
            found.products = [inferred]  # 「奶油白180的没了？」: the only product with that colour and size
    context = found.product or product
    system = catalog.system(context)
    own_colors = catalog.colors(context) if context else []
    everyone = catalog.colors()
    offered = catalog.sizes(context) if context else catalog.sizes()
    # a product sold by a list of specs (no body measured): every spec of its list reads as a spec, so
    # 「狗粮10kg有吗」 asks a 10kg this product does not sell, not a dog of 10 kg
    readable = offered if context is None or system is None or system.measures else \
        unique(list(offered) + list(system.sizes))
    found.spans = spans.read_spans(text, catalog.products, own_colors or everyone, readable, system, context,
                                   all_colors=everyone, systems=list(catalog.systems.values()))
    kinds = lambda kind: [s for s in found.spans if s.kind == kind]  # noqa: E731
    found.order_ids = unique(s.value for s in kinds("order_id"))
    named = unique(s.value for s in kinds("color"))
    if context:
        own = catalog.colors(context)
        if not named:
            # 「防窥膜」, 「高清膜」: a product alias that holds one of its own options (款式 防窥) names it too
            inside = [text[s.start:s.end] for s in kinds("product") if s.value == context.id]
            named = [c for c in own if any(c in word for word in inside)][:1]
        named = [c for c in named if c in own] or named
    found.colors = named
    found.unknown_colors = _unknown_colors(text, found.spans, everyone, bool(named))
    sizes = unique(s.value for s in kinds("size"))
    if context:
        sizes = [s for s in sizes if s in offered] or sizes
    found.sizes = sizes
    found.measures = spans.measures(found.spans)
    height, weight = found.measures.get("height"), found.measures.get("weight")
    found.height_cm = int(round(height)) if height else None
    found.weight_kg = weight
    found.foot_mm = found.measures.get("foot")
    found.waist_size = _waist_size(found.measures.get("waist"), catalog, context)
    found.province = normalize.normalize_province(_blank_spans(text, kinds("product")))
    quantities = kinds("quantity")
    found.quantity = max(q.value for q in quantities) if quantities else None  # 「多钱一件 买三件」: three
    return found


def _product_of_options(text: str, catalog: CatalogView) -> Optional[Product]:
    """The one product whose SKUs have every colour and size the message names (none named, or several
    products fit: None)."""
    everything = spans.read_spans(text, (), catalog.colors(), catalog.sizes(), None, None,
                                  systems=list(catalog.systems.values()))
    colors = {s.value for s in everything if s.kind == "color"}
    sizes = {s.value for s in everything if s.kind == "size"}
    if not colors and not sizes:
        return None
    fits = [p for p in catalog.products
            if colors <= {s.color for s in catalog.skus.get(p.id, ())}
            and sizes <= {s.size for s in catalog.skus.get(p.id, ())}]
    return fits[0] if len(fits) == 1 else None


def _blank_spans(text: str, chosen: Sequence[Span]) -> str:
    for span in chosen:
        text = text[:span.start] + " " * (span.end - span.start) + text[span.end:]
    return text


def _unknown_colors(text: str, found: Sequence[Span], everyone: Sequence[str], named: bool) -> List[str]:
    """Colour words the shop does not sell (「有紫色吗」): answered as "we have no 紫色", never echoed raw."""
    taken = [(s.start, s.end) for s in found if s.kind in ("color", "product")]
    cleaned = normalize.strip_noise(_blank_spans(text, [s for s in found if s.kind in ("color", "product")]))
    unknown: List[str] = []
    if not named:
        canonical = normalize.normalize_color(cleaned)
        if canonical and canonical not in everyone:
            unknown.append(canonical)
    for match in _COLOR_WORD.finditer(cleaned):
        if any(a <= match.start() < b for a, b in taken):
            continue
        canonical = normalize.normalize_color(match.group(0))
        if canonical and canonical not in everyone:
            unknown.append(canonical)
    return unique(unknown)


def _waist_size(inches: Optional[float], catalog: CatalogView, product: Optional[Product]) -> Optional[str]:
    """A waist (in inches) turned into the nearest numeric size sold in inches (trouser sizes), if any."""
    if inches is None:
        return None
    sizes = [s for s in catalog.sizes(product) if s.isdigit() and _INCH_SIZE[0] <= int(s) <= _INCH_SIZE[1]]
    if not sizes:
        return None
    nearest = min(sizes, key=lambda size: abs(int(size) - inches))
    return nearest if abs(int(nearest) - inches) <= 2 else None


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


def canonical_letter_size(raw: str) -> Optional[str]:
    upper = re.sub(r"(码|號|号)$", "", raw.upper())
    return spans._SIZE_ALIASES.get(upper, upper if upper in normalize.CLOTHING_SIZES else None)
