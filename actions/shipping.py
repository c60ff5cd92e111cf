"""Shipping time: today or the next shipping day (cut-off, weekday), plus days in transit to a province."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction
from actions.support import ShopDependencies
from kefu.shop.answers import shipping_answer


class ActionShippingTime(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_shipping_time"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        answer = shipping_answer(
            self.config, self.now(), tracker.get_slot("province"), product=self.current_product(tracker)
        )
        dispatcher.utter_message(text=answer.text)
        return []
