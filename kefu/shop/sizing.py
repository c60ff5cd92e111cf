"""Size advice from a product's size system: its declared measures, what the advice needs, its note, and stock.

A size system (``catalog.yml`` ``size_systems:``) says which buyer inputs choose a size
(height, age, weight, foot length, bed width …), whether one of them is enough
(``needs: any``) or all are (``needs: all``), and the range of each per size. Nothing
here knows a category: a children's height chart, a shoe chart and a bed-width list are
the same code. A size advised is checked against stock: a sold-out size is named as such,
with its restock date or the nearest size in stock.
"""

from __future__ import annotations

import datetime as dt

import math
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from kefu.shop.models import Product, SizeSystem, Sku

FIT_SHIFT = {"偏小": 0.5, "偏大": -0.5, "正常": 0.0}
# When several measures are combined (needs: all), girth decides more than length whether clothes fit.
KIND_WEIGHT = {"weight": 0.6, "chest": 0.6, "waist": 0.6, "height": 0.4}
_PLAIN_SIZE = re.compile(r"^[A-Za-z0-9]+$")


def size_text(size: str) -> str:
    """How a size reads in a sentence: 「M码」, 「130码」, but 「1.8m床」 and 「5-6岁」 as written."""
    return f"{size}码" if _PLAIN_SIZE.match(size) else size


def position(system: SizeSystem, kind: str, value: float) -> Optional[float]:
    """Where ``value`` of ``kind`` falls: i for row i, i+0.5 on the border of rows i and i+1,
    -1 below the first row, len(rows) above the last; None when no row gives ``kind``."""
    indexed = [(i, row.range(kind)) for i, row in enumerate(system.rows) if row.range(kind)]
    if not indexed:
        return None
    hits = [i for i, (low, high) in indexed if low <= value <= high]  # type: ignore[misc]
    if hits:
        return sum(hits) / len(hits)
    if value < indexed[0][1][0]:  # type: ignore[index]
        return -1.0
    if value > indexed[-1][1][1]:  # type: ignore[index]
        return float(len(system.rows))
    # In a gap between two rows (bed widths 150 and 180, asked 160): the nearer row.
    nearest = min(indexed, key=lambda pair: min(abs(value - pair[1][0]), abs(value - pair[1][1])))  # type: ignore[index]
    return float(nearest[0])


def chosen_inputs(system: SizeSystem, given: Mapping[str, float]) -> Tuple[List[str], List[str]]:
    """(kinds used, kinds still missing) for the system's ``measures`` and ``needs``."""
    usable = [kind for kind in system.measures if kind in given and given[kind] is not None]
    if system.needs == "any":
        return (usable[:1], []) if usable else ([], list(system.measures))
    missing = [kind for kind in system.measures if kind not in usable]
    return (usable, missing) if not missing else ([], missing)


def combined_position(system: SizeSystem, kinds: Sequence[str], given: Mapping[str, float]) -> Optional[float]:
    positions = [(kind, position(system, kind, float(given[kind]))) for kind in kinds]
    positions = [(kind, pos) for kind, pos in positions if pos is not None]
    if not positions:
        return None
    total = sum(KIND_WEIGHT.get(kind, 1.0) for kind, _ in positions)
    return sum(KIND_WEIGHT.get(kind, 1.0) * pos for kind, pos in positions) / total


def in_stock_sizes(skus: Sequence[Sku], color: Optional[str] = None) -> List[str]:
    """Sizes with stock (of ``color`` when given), in the SKUs' order."""
    seen: List[str] = []
    for sku in skus:
        if sku.stock > 0 and sku.size and (not color or sku.color == color) and sku.size not in seen:
            seen.append(sku.size)
    return seen


def availability(skus: Sequence[Sku], size: str, color: Optional[str] = None,
                 today: Optional[dt.date] = None) -> Dict[str, Any]:
    """Whether ``size`` (of ``color``) can be bought now: in stock, presale (with its dispatch day),
    expected back (a restock date still to come: one already past is never promised) or sold out."""
    rows = [s for s in skus if s.size == size and (not color or s.color == color)]
    if not rows:
        return {"status": "not_offered"}
    if any(s.stock > 0 for s in rows):
        return {"status": "in_stock"}
    presale = sorted(s.presale_ships_on for s in rows if s.presale_ships_on)
    if presale:
        return {"status": "presale", "ships_on": presale[0]}
    restock = sorted(s.restock_date for s in rows if s.restock_date and (today is None or s.restock_date >= today))
    if restock:
        return {"status": "restock", "restock_date": restock[0]}
    return {"status": "sold_out"}


def nearest_in_stock(system: SizeSystem, skus: Sequence[Sku], size: str, color: Optional[str] = None,
                     prefer_larger: bool = True) -> Optional[str]:
    """The in-stock size closest to ``size`` on the system's order (the larger one on a tie, when asked)."""
    stocked = in_stock_sizes(skus, color)
    here = system.index(size)
    if here is None or not stocked:
        return None
    scored = [(abs(system.index(s) - here), -(system.index(s) - here) if prefer_larger else system.index(s) - here, s)
              for s in stocked if system.index(s) is not None and s != size]
    return min(scored)[2] if scored else None


def advise(system: SizeSystem, product: Product, given: Mapping[str, float], usual: Optional[str] = None
           ) -> Dict[str, Any]:
    """The size for ``given`` measurements (kind -> value in the file's unit) or the buyer's ``usual`` size.

    Returns ``{"missing": [...]}`` when the advice needs more, else ``{"size", "kinds", "between"?,
    "out_of_range"?, "position"}``."""
    kinds, missing = chosen_inputs(system, given)
    sizes = system.sizes
    if kinds:
        pos = combined_position(system, kinds, given)
    elif usual and usual in sizes:
        pos, kinds = float(sizes.index(usual)), []
    else:
        return {"missing": missing or list(system.measures)}
    if pos is None:
        return {"missing": missing or list(system.measures)}
    pos += FIT_SHIFT.get(product.fit, 0.0)
    last = len(sizes) - 1
    data: Dict[str, Any] = {"kinds": kinds, "position": round(pos, 2), "usual": usual if not kinds else None}
    if pos > last + 0.25:
        data.update(size=sizes[last], out_of_range="large")
        return data
    if pos < -0.25:
        data.update(size=sizes[0], out_of_range="small")
        return data
    pos = min(max(pos, 0.0), float(last))
    low, fraction = int(math.floor(pos)), pos - math.floor(pos)
    if 0.25 <= fraction <= 0.75 and low < last:
        small, large = sizes[low], sizes[low + 1]
        # Runs small, or between on a normal fit: the larger is the safer choice; runs large: the smaller.
        data.update(size=small if product.fit == "偏大" else large, between=(small, large))
    else:
        data["size"] = sizes[min(int(round(pos)), last)]
    return data


def format_value(kind: str, value: float) -> str:
    """A measurement as the basis of an answer: 「1.8米」 for a bed, 「112」 for a height."""
    if kind == "bed_width":
        return f"{value / 100:g}"
    return f"{value:g}"


