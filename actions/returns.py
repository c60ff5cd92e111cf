"""Returns: window, who pays return shipping (quality problem vs. changed mind), how to apply.

With the conversation's order (metadata or a number the buyer gave) the answer
also says until when the buyer can still apply.
"""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction
from actions.support import ShopDependencies
from kefu.shop.answers import return_policy_answer


class ActionReturnPolicy(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_return_policy"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        answer = return_policy_answer(
            self.config, tracker.get_slot("return_reason"), order=self.current_order(tracker), now=self.now()
        )
        dispatcher.utter_message(text=answer.text)
        return []
