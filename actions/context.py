"""Conversation context after every user message: platform, product, order, normalised entities.

Rasa runs ``action_validate_slot_mappings`` after each user message. It fills the
custom-mapped slots from message metadata (what a platform connector or the web
chat sends with every message: ``platform``, ``product_id`` when the buyer sent a
product link, ``order_id``) or from the text, and normalises the raw entity values
the NLU extracted, so every other action sees canonical values ("xl" -> "XL",
"杭州" -> "浙江", "坏了" -> "quality").
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import KefuValidationAction
from actions.support import ShopDependencies, entity_values, latest_metadata, latest_text, text
from kefu.normalize import (
    normalize_color,
    normalize_order_id,
    normalize_province,
    normalize_return_reason,
    normalize_size,
)
from kefu.platforms import PLATFORM_ALIASES, canonical_platform

# Platform words a buyer may write (Chinese names only: "jd" inside a longer word is not a mention).
_PLATFORM_WORDS = sorted((word for word in PLATFORM_ALIASES if not word.isascii()), key=len, reverse=True)
ORDER_FORMS = ("logistics_form", "address_form")
MAX_TEXT = 2000


def platform_in_text(text: str) -> Optional[str]:
    """The platform a buyer names in a message ("我是在京东下的单" -> "jd"), if any."""
    for word in _PLATFORM_WORDS:
        if word in text[:MAX_TEXT]:
            return PLATFORM_ALIASES[word]
    return None


class ValidateSlotMappings(ShopDependencies, KefuValidationAction):
    """Global slot extraction and validation (see the module docstring)."""

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    # -- custom slots -------------------------------------------------------------
    async def extract_platform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Metadata first, then a platform the buyer names, then the slot as it is, then the default."""
        current = tracker.get_slot("platform")
        platform = canonical_platform(latest_metadata(tracker).get("platform"))
        if platform is None:
            platform = platform_in_text(latest_text(tracker))
        if platform is None:
            from kefu.platforms import default_platform

            platform = canonical_platform(current) or default_platform()
        return {"platform": platform} if platform != current else {}

    async def extract_product_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A product link's id from metadata, else a product the buyer names; otherwise unchanged."""
        current = tracker.get_slot("product_id")
        product = None
        metadata_id = latest_metadata(tracker).get("product_id")
        if isinstance(metadata_id, str) and metadata_id.strip():
            product = self.store.product(metadata_id)
        if product is None:
            for mention in entity_values(tracker, "product"):
                product = self.store.find_product(mention)
                if product:
                    break
        if product is None:
            product = self.store.find_product(latest_text(tracker))
        if product is None or product.id == current:
            return {}
        return {"product_id": product.id}

    async def extract_order_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The conversation's order from metadata, unless the buyer typed an order number just now."""
        if entity_values(tracker, "order_id"):
            return {}
        order_id = normalize_order_id(str(latest_metadata(tracker).get("order_id") or ""))
        if order_id and order_id != tracker.get_slot("order_id"):
            return {"order_id": order_id}
        return {}

    # -- entity slots: raw NLU values -> canonical values --------------------------
    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order_id = normalize_order_id(str(value or ""))
        if order_id is None and self._order_requested(tracker):
            dispatcher.utter_message(text=text("invalid.order_id"))
        return {"order_id": order_id}

    def validate_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"size": normalize_size(str(value or ""))}

    def validate_color(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"color": normalize_color(str(value or ""))}

    def validate_province(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"province": normalize_province(str(value or ""))}

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"return_reason": normalize_return_reason(str(value or ""))}

    @staticmethod
    def _order_requested(tracker: Tracker) -> bool:
        loop = (tracker.active_loop or {}).get("name")
        return loop in ORDER_FORMS and tracker.get_slot("requested_slot") == "order_id"
