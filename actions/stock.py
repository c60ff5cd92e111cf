"""Stock: ask for the missing colour or size, then in stock / only N left / sold out.

``stock_form`` asks only for what the product really needs: a product sold in one
colour is never asked for its colour. Which slots are missing is decided by
``kefu.shop.answers.stock_answer`` (``data["missing"]``), so the form and the
answer agree by construction.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction, KefuFormValidationAction
from actions.support import ShopDependencies, ask_product_text, text
from kefu.normalize import normalize_color, normalize_size
from kefu.shop.answers import Answer, stock_answer
from kefu.shop.models import Product


class StockMixin(ShopDependencies):
    def stock(self, product: Product, tracker: Tracker) -> Answer:
        return stock_answer(
            self.store,
            product,
            tracker.get_slot("color"),
            tracker.get_slot("size"),
            threshold=self.config.low_stock_threshold,
        )


class ValidateStockForm(StockMixin, KefuFormValidationAction):
    def name(self) -> Text:
        return "validate_stock_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        product = self.current_product(tracker)
        if product is None:
            return []  # action_stock asks for the product link
        missing = self.stock(product, tracker).data.get("missing") or []
        return [slot for slot in domain_slots if slot in missing]

    def validate_color(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Only colours the product is sold in are kept; action_ask_color then lists them."""
        product = self.current_product(tracker)
        known: Optional[List[str]] = None
        if product is not None:
            known = sorted({sku.color for sku in self.store.skus(product.id)})
        return {"color": normalize_color(str(value or ""), known=known)}

    def validate_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        size = normalize_size(str(value or ""))
        if size is None:
            dispatcher.utter_message(text=text("invalid.size"))
        return {"size": size}


class ActionStock(StockMixin, KefuAction):
    def name(self) -> Text:
        return "action_stock"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        product = self.current_product(tracker)
        if product is None:
            dispatcher.utter_message(text=ask_product_text(self.store))
            return []
        dispatcher.utter_message(text=self.stock(product, tracker).text)
        return []


class ActionAskStockSlot(StockMixin, KefuAction):
    """Asks for the colour or size by listing what the product is actually sold in."""

    def name(self) -> Text:
        return "action_ask_color"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        product = self.current_product(tracker)
        if product is None:
            dispatcher.utter_message(text=ask_product_text(self.store))
        else:
            dispatcher.utter_message(text=self.stock(product, tracker).text)
        return []


class ActionAskSize(ActionAskStockSlot):
    def name(self) -> Text:
        return "action_ask_size"
