"""Size questions in a conversation: what the buyer gave (this turn and before), the advice, what is still needed.

The advice itself (:mod:`kefu.shop.sizing`) reads the product's size system; this module only
gathers the measurements across turns (the pending question keeps them) and decides whether a
message gives enough to advise without being asked (「那L呢 我170 120斤」).
"""

from __future__ import annotations

import datetime as dt

import re
from typing import Any, Dict, List, Optional, Tuple

from kefu.dialogue.mentions import CatalogView, Mentions
from kefu.dialogue.questions import Question
from kefu.dialogue.spans import BODY
from kefu.shop import answers as shop_answers
from kefu.shop import sizing as shop_sizing
from kefu.shop.answers import reply
from kefu.shop.models import Product, SizeSystem


_ASKS_SIZE = re.compile(r"(买|选|拿|要|用|配|拍|穿)(哪个|哪种|哪一?款|什么|啥|多大)的?(尺寸|尺码|规格|码|号)?|配多大|用多大|选多大")


def with_size_question(questions: List[Question], text: str, product: Optional[Product], catalog: CatalogView,
                       names_sku: bool = False) -> List[Question]:
    """「我家床1米5宽的 买哪个尺寸」, 「被芯呢 配多大的」: a size question for a product whose size system
    advises (it replaces a stock question no colour or size was named for)."""
    system = catalog.system(product)
    if system is None or not system.measures or any(q.kind == "size_advice" for q in questions):
        return questions
    match = _ASKS_SIZE.search(text)
    if not match or any(q.kind in ("price", "restock") for q in questions):
        return questions
    if names_sku and any(q.kind == "stock" for q in questions):
        return questions
    kept = [q for q in questions if q.kind not in ("product_fact", "stock")]
    return kept + [Question("size_advice", text, match.start())]


def measures_from_sizes(found: Mentions, system: Optional[SizeSystem]) -> Dict[str, float]:
    """A size named where the system measures something other than a body (「1米5宽的床」 names 1.5m床):
    its measurement, so the advice reads 「1.5米宽的床」 rather than "the size you usually wear"."""
    if system is None or not found.sizes or any(kind in BODY for kind in system.measures):
        return {}
    row = system.row(found.sizes[0])
    if row is None:
        return {}
    return {kind: row.range(kind)[1] for kind in system.measures if row.range(kind)}  # type: ignore[index]


def pending_measures(found: Mentions, remembered: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The open size question, with every measurement given so far (kept in the dialogue state)."""
    measures = dict((remembered or {}).get("measures") or {})
    for kind, value in (("height", (remembered or {}).get("height")), ("weight", (remembered or {}).get("weight"))):
        if value:
            measures.setdefault(kind, value)
    measures.update(found.measures)
    return {"kind": "size_advice", "measures": measures,
            "height": measures.get("height"), "weight": measures.get("weight")}


def enough_to_advise(found: Mentions, product: Optional[Product], catalog: CatalogView) -> bool:
    """Whether this message alone holds what the product's size system needs."""
    system = catalog.system(product)
    if system is None or not system.measures:
        return bool(found.height_cm and found.weight_kg or found.foot_mm)
    used, _ = shop_sizing.chosen_inputs(system, found.measures)
    return bool(used)


def size_turn(found: Mentions, product: Product, store: Any, catalog: CatalogView,
              remembered: Optional[Dict[str, Any]], *, usual_from_mentions: bool, color: Optional[str],
              today: Optional[dt.date] = None) -> Tuple[List[str], Optional[Dict[str, Any]], Optional[str], Dict[str, float]]:
    """The bubbles answering a size question, the open question when more is needed, the size advised
    (remembered, so 「藏青的有吗」 next asks about that size) and every measurement given so far."""
    system = catalog.system(product)
    pending = pending_measures(found, remembered)
    for kind, value in measures_from_sizes(found, system).items():
        pending["measures"].setdefault(kind, value)
    measures = pending["measures"]
    if system is not None and system.needs == "any" and shop_sizing.chosen_inputs(system, found.measures)[0]:
        measures = dict(found.measures)  # what the buyer says now decides, not what was said before
    usual = None
    if usual_from_mentions and found.sizes and not (system and shop_sizing.chosen_inputs(system, measures)[0]):
        usual = found.sizes[0]
    if found.waist_size and found.waist_size in catalog.sizes(product):
        usual = found.waist_size
    if system is None:  # no size system: the fit note is all we know
        # (nothing said otherwise: the engine answers from the product's facts, 「枕芯多大」 -> its 尺寸)
        return ([reply("size.fit_note", note=product.fit_note)] if product.fit_note else [], None,
                None, pending["measures"])
    colour = found.colors[0] if found.colors else color
    answer = shop_answers.size_advice(store, product, measures.get("height"), measures.get("weight"),
                                      usual_size=usual, foot_length_mm=measures.get("foot"),
                                      measures=measures, color=colour, today=today)
    texts: List[str] = []
    missing = answer.data.get("missing")
    if missing and product.fit_note and not measures:
        texts.append(reply("size.fit_note", note=product.fit_note))
    texts.append(answer.text)
    return texts, (pending if missing else None), (answer.data.get("size") if not missing else None), pending["measures"]
