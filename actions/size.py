"""Size advice: height and weight (or the size usually worn) against the product's size chart.

The buyer may answer "170 120斤" in one message, or only a size ("平时穿L"): the
form asks for height and weight unless a usual size was given, reads both
numbers from one message when the NLU tagged only one, and the answer says when
the buyer is between two sizes.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction, KefuFormValidationAction
from actions.support import ShopDependencies, ask_product_text, latest_text, text
from kefu.normalize import extract_measurements, normalize_height, normalize_size, normalize_weight
from kefu.shop.answers import size_advice
from kefu.shop.models import Product


class ValidateSizeForm(ShopDependencies, KefuFormValidationAction):
    def name(self) -> Text:
        return "validate_size_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("usual_size"):
            return ["usual_size"]
        product = self.current_product(tracker)
        if product is not None and self._is_shoes(product):
            return ["usual_size"]  # shoes: the usual shoe size, not height and weight
        return ["height", "weight"]

    def _is_shoes(self, product: Product) -> bool:
        try:
            return self.store.size_chart(product.category).is_shoes
        except KeyError:
            return False

    async def extract_height(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Both numbers from the text ("170 120斤") when the NLU did not tag them; only what is new."""
        height, weight = extract_measurements(latest_text(tracker))
        found: Dict[Text, Any] = {}
        if height is not None and tracker.get_slot("height") is None:
            found["height"] = height
        if weight is not None and tracker.get_slot("weight") is None:
            found["weight"] = weight
        return found

    def validate_height(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        height = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        height = normalize_height(str(value)) if height is None else normalize_height(str(int(height)))
        if height is None:
            dispatcher.utter_message(text=text("invalid.height"))
            return {"height": None}
        return {"height": float(height)}

    def validate_weight(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            weight = float(value) if 20 <= value <= 200 else None  # already kilograms
        else:
            weight = normalize_weight(str(value or ""))
        if weight is None:
            dispatcher.utter_message(text=text("invalid.weight"))
            return {"weight": None}
        return {"weight": float(weight)}

    def validate_usual_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"usual_size": normalize_size(str(value or ""))}


class ActionSizeAdvice(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_size_advice"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        product = self.current_product(tracker)
        if product is None:
            dispatcher.utter_message(text=ask_product_text(self.store))
            return []
        answer = size_advice(
            self.store,
            product,
            tracker.get_slot("height"),
            tracker.get_slot("weight"),
            usual_size=tracker.get_slot("usual_size"),
        )
        dispatcher.utter_message(text=answer.text)
        return []


class ActionAskHeight(ShopDependencies, KefuAction):
    """Asks for what the size chart still needs, naming the product (kefu.shop.answers.size_advice)."""

    def name(self) -> Text:
        return "action_ask_height"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        product = self.current_product(tracker)
        if product is None:
            dispatcher.utter_message(text=ask_product_text(self.store))
            return []
        answer = size_advice(self.store, product, tracker.get_slot("height"), tracker.get_slot("weight"))
        dispatcher.utter_message(text=answer.text)
        return []


class ActionAskWeight(ActionAskHeight):
    def name(self) -> Text:
        return "action_ask_weight"


class ActionAskUsualSize(KefuAction):
    def name(self) -> Text:
        return "action_ask_usual_size"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        dispatcher.utter_message(text=text("ask.usual_size"))
        return []
