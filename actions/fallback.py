"""Not understood: ask the buyer to rephrase once; the second time in a row, a person takes over.

A miss is a message the NLU did not understand (``nlu_fallback``) or one that is
out of the shop's scope (``out_of_scope``: keyboard mashing, emoji strings,
unrelated questions); both count the same and may alternate. Outside forms the
rules already route a second consecutive miss to ``action_handoff``
(data/rules/fallback.yml). Inside a form the form runs between
the two messages, so the rule cannot see the repetition; this action therefore
counts the buyer's consecutive not-understood messages itself, from the events,
and hands off with ``FollowupAction`` (ending the form) when it is the second.
Counting from events keeps the action stateless and needs no extra slot.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction
from actions.support import text

# Intents that mean "the assistant cannot answer this message".
MISS_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
HANDOFF_ACTION = "action_handoff"
HANDOFF_AFTER = 2


def consecutive_fallbacks(events: Iterable[Dict[Text, Any]]) -> int:
    """How many of the latest user messages in a row were misses (``nlu_fallback`` or ``out_of_scope``)."""
    count = 0
    for event in reversed(list(events)):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in MISS_INTENTS:
            break
        count += 1
    return count


class ActionFallback(KefuAction):
    """First miss: a Chinese rephrase request. Second miss in a row: hand off to a person."""

    def name(self) -> Text:
        return "action_fallback"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        if consecutive_fallbacks(tracker.events) >= HANDOFF_AFTER:
            events: EventList = []
            if (tracker.active_loop or {}).get("name"):
                events += [ActiveLoop(None), SlotSet("requested_slot", None)]
            return events + [FollowupAction(HANDOFF_ACTION)]
        dispatcher.utter_message(text=text("rephrase"))
        return []
