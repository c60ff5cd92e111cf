"""Change the delivery address: recorded for staff before dispatch, otherwise what can be done.

``address_form`` asks for the new address only when the order can still change
(``change_address_answer(...).data["can_change"]``); for a shipped, delivered,
unpaid or cancelled order the answer explains the options instead.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction, KefuFormValidationAction
from actions.logistics import OrderIdValidation
from actions.support import ShopDependencies, text
from kefu.shop.answers import change_address_answer

MIN_ADDRESS_CHARS = 6
MAX_ADDRESS_CHARS = 300
_CJK = re.compile(r"[\u4e00-\u9fff]")


def plausible_address(text: str) -> bool:
    """Long enough and Chinese enough to be an address a person can act on."""
    cleaned = (text or "").strip()
    return MIN_ADDRESS_CHARS <= len(cleaned) <= MAX_ADDRESS_CHARS and len(_CJK.findall(cleaned)) >= 4


class ValidateAddressForm(OrderIdValidation, KefuFormValidationAction):
    def name(self) -> Text:
        return "validate_address_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        order = self.current_order(tracker)
        if order is not None and change_address_answer(order).data.get("can_change"):
            return ["order_id", "new_address"]
        return ["order_id"]

    def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not isinstance(value, str) or not plausible_address(value):
            dispatcher.utter_message(text=text("invalid.address"))
            return {"new_address": None}
        return {"new_address": value.strip()}


class ActionChangeAddress(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_change_address"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        order = self.current_order(tracker)
        answer = change_address_answer(order, tracker.get_slot("new_address"))
        if answer.data.get("can_change") and answer.data.get("new_address"):
            self.store.record_address_change(
                conversation_id=tracker.sender_id, order_id=order.order_id, new_address=answer.data["new_address"]
            )
        dispatcher.utter_message(text=answer.text)
        return [SlotSet("new_address", None)]


class ActionAskNewAddress(ShopDependencies, KefuAction):
    """Asks for the new address naming the order (kefu.shop.answers.change_address_answer)."""

    def name(self) -> Text:
        return "action_ask_new_address"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        dispatcher.utter_message(text=change_address_answer(self.current_order(tracker)).text)
        return []
