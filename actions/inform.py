"""A bare answer outside any form ("XL", "新疆", an order number): answer from what it names.

Buyers often answer a question after the form that asked it has ended, or start
with a fragment. The latest message's entities pick the topic: an order number
looks up the parcel, a province gives the shipping time, a colour or size checks
stock, a return reason gives the return policy; anything else asks what the
buyer would like to know.
"""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction
from actions.support import ShopDependencies, ask_product_text, entity_values, text
from kefu.shop.answers import logistics_answer, return_policy_answer, shipping_answer, stock_answer


class ActionAnswerInform(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_answer_inform"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        order_id = tracker.get_slot("order_id")
        if entity_values(tracker, "order_id") and order_id:
            answer = logistics_answer(self.store.order(order_id), self.now(), order_id, config=self.config)
        elif (entity_values(tracker, "province") or entity_values(tracker, "city")) and tracker.get_slot("province"):
            answer = shipping_answer(self.config, self.now(), tracker.get_slot("province"))
        elif entity_values(tracker, "return_reason") and tracker.get_slot("return_reason"):
            answer = return_policy_answer(
                self.config, tracker.get_slot("return_reason"), order=self.current_order(tracker), now=self.now()
            )
        elif entity_values(tracker, "color") or entity_values(tracker, "size"):
            product = self.current_product(tracker)
            if product is None:
                dispatcher.utter_message(text=ask_product_text(self.store))
                return []
            answer = stock_answer(
                self.store, product, tracker.get_slot("color"), tracker.get_slot("size"),
                threshold=self.config.low_stock_threshold,
            )
        else:
            dispatcher.utter_message(text=text("which_topic"))
            return []
        dispatcher.utter_message(text=answer.text)
        return []
