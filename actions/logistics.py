"""Where is my parcel: the order from the buyer's number or the conversation's metadata.

``logistics_form`` asks for the order number only when neither the message nor the
metadata (``order_id``, set by action_validate_slot_mappings) gave one, and
re-asks when the number is unknown to the shop.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction, KefuFormValidationAction
from actions.support import ShopDependencies, text
from kefu.normalize import normalize_order_id
from kefu.shop.answers import logistics_answer, reply


class OrderIdValidation(ShopDependencies):
    """Shared by the forms that need an order: a well-formed number the shop knows."""

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order_id = normalize_order_id(str(value or ""))
        if order_id is None:
            dispatcher.utter_message(text=text("invalid.order_id"))
            return {"order_id": None}
        if self.store.order(order_id) is None:
            dispatcher.utter_message(text=reply("common.order_not_found", order_id=order_id))
            return {"order_id": None}
        return {"order_id": order_id}


class ValidateLogisticsForm(OrderIdValidation, KefuFormValidationAction):
    def name(self) -> Text:
        return "validate_logistics_form"


class ActionLogistics(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_logistics"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        order_id = tracker.get_slot("order_id")
        order = self.store.order(order_id) if order_id else None
        answer = logistics_answer(order, self.now(), order_id, config=self.config)
        dispatcher.utter_message(text=answer.text)
        return []


class ActionAskOrderId(KefuAction):
    """The order-number question of logistics_form and address_form."""

    def name(self) -> Text:
        return "action_ask_order_id"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        dispatcher.utter_message(text=reply("common.ask_order_id"))
        return []
