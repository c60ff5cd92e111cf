"""Size questions in a conversation: what the buyer gave (this turn and before), the advice, what is still needed.

The advice itself (:mod:`kefu.shop.sizing`) reads the product's size system; this module only
gathers the measurements across turns (the pending question keeps them) and decides whether a
message gives enough to advise without being asked (「那L呢 我170 120斤」).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from kefu.dialogue.mentions import CatalogView, Mentions
from kefu.shop import answers as shop_answers
from kefu.shop import sizing as shop_sizing
from kefu.shop.answers import reply
from kefu.shop.models import Product


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
              remembered: Optional[Dict[str, Any]], *, usual_from_mentions: bool, color: Optional[str]
              ) -> Tuple[List[str], Optional[Dict[str, Any]], Optional[str]]:
    """The bubbles answering a size question, the open question when more is needed, and the size
    advised (remembered, so 「藏青的有吗」 next asks about that size)."""
    pending = pending_measures(found, remembered)
    measures = pending["measures"]
    system = catalog.system(product)
    usual = None
    if usual_from_mentions and found.sizes and not (system and shop_sizing.chosen_inputs(system, measures)[0]):
        usual = found.sizes[0]
    if found.waist_size and found.waist_size in catalog.sizes(product):
        usual = found.waist_size
    if system is None:  # no size system: the fit note is all we know
        return ([reply("size.fit_note", note=product.fit_note) if product.fit_note else reply("talk.rephrase")], None,
                None)
    colour = found.colors[0] if found.colors else color
    answer = shop_answers.size_advice(store, product, measures.get("height"), measures.get("weight"),
                                      usual_size=usual, foot_length_mm=measures.get("foot"),
                                      measures=measures, color=colour)
    texts: List[str] = []
    missing = answer.data.get("missing")
    if missing and product.fit_note and not measures:
        texts.append(reply("size.fit_note", note=product.fit_note))
    texts.append(answer.text)
    return texts, (pending if missing else None), answer.data.get("size") if not missing else None
