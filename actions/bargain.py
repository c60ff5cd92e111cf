"""Bargaining: a polite, compliant refusal, or the shop's current coupon from shop.yml."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction
from actions.support import ShopDependencies
from kefu.shop.answers import bargain_answer


class ActionBargain(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_bargain"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        dispatcher.utter_message(text=bargain_answer(self.config, self.now()).text)
        return []
