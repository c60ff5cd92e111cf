"""``action_answer``: every first-line message, answered by kefu.dialogue from the shop's data.

The action is thin: it builds the context (the channel's platform and product/order
links, the trained intent as a hint, the shop clock), asks :func:`kefu.dialogue.respond`
for the reply turn, sends its bubbles through the guarded dispatcher, turns the
turn's promises into tasks a person sees, stores invoice and address requests, and
opens the hand-off itself (actions/handoff.py) when the turn says a person should take over,
or else starts a new Rasa session every few buyer messages (actions/session.py).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction, conversation_platform
from actions.handoff import ActionHandoff
from actions.session import session_boundary
from actions.support import ShopDependencies, latest_metadata, latest_text
from actions.waiting import STATE_SLOT, Served, is_urging, while_waiting
from kefu.dialogue import CatalogView, Context, State, Turn, respond
from kefu.dialogue.kinds import SMALL_TALK
from kefu.orders import with_order_source
from kefu.orders.ownership import ProofAttempts
from kefu.settings import Settings
from kefu.tasks import TaskStore

log = logging.getLogger(__name__)


class ActionAnswer(ShopDependencies, KefuAction):
    """Answer every question of the buyer's message (see the module docstring)."""

    def name(self) -> Text:
        return "action_answer"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        settings = Settings.from_env()
        now = self.now()
        platform = dispatcher.platform  # resolved once for the turn, when the dispatcher was built
        waiting = while_waiting(tracker, dispatcher, settings, self.config, now,
                                answer=lambda: self._serve_while_waiting(tracker, now, settings, platform))
        if waiting is not None:
            return waiting
        state = State.load(tracker.get_slot(STATE_SLOT))
        turn = respond(latest_text(tracker), state, self.context(tracker, now, settings, platform))
        for message in turn.messages:
            dispatcher.utter_message(text=message)
        self._keep_promises(turn, tracker.sender_id, platform, settings)
        events: EventList = [SlotSet(STATE_SLOT, turn.state.dump())]
        if turn.handoff:
            handoff = ActionHandoff(config=self.config, store=self.store, clock=self._clock)
            events += handoff.hand_off(dispatcher, tracker, reason=turn.handoff)
        elif not turn.state.misses:  # never between two misses: the second one hands off
            events += session_boundary(tracker, {STATE_SLOT: turn.state.dump()}, settings.session_max_turns)
        return events

    def _serve_while_waiting(self, tracker: Tracker, now: Any, settings: Settings, platform: str) -> Optional[Served]:
        """A question the bot can answer while the buyer waits for a person, answered; else None."""
        text = latest_text(tracker)
        if is_urging(text):
            return None  # 「人呢？？？」, 「快点快点」: for the agent
        turn = respond(text, State.load(tracker.get_slot(STATE_SLOT)), self.context(tracker, now, settings, platform))
        asked = [kind for kind in turn.kinds if kind not in SMALL_TALK and kind != "human"]
        if turn.handoff or not turn.messages or not asked or len(text.strip()) <= 3:
            return None  # small talk, 「人呢」, a complaint, nothing understood: for the agent
        self._keep_promises(turn, tracker.sender_id, platform, settings)
        return Served(turn.messages, turn.state.dump(), asked)

    def context(self, tracker: Tracker, now: Any, settings: Settings, platform: Optional[str] = None) -> Context:
        """The engine's view of this turn; proof attempts are limited on every path that answers
        (while a buyer waits for a person too)."""
        metadata = latest_metadata(tracker)
        intent = (tracker.latest_message or {}).get("intent") or {}
        return Context(
            catalog=self.store.cached(CatalogView.from_store),  # rebuilt on load-shop/import only
            store=with_order_source(self.store),  # orders from shop.yml order_source (the local store by default)
            config=self.config,
            now=now,
            platform=platform or conversation_platform(tracker),
            link_product_id=_text_or_none(metadata.get("product_id")),
            link_order_id=_text_or_none(metadata.get("order_id")),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            conversation_id=tracker.sender_id,
            abuse=_abuse_kind(tracker),
            proofs=ProofAttempts(settings.db_path),  # attempts limited per order and per sender
        )

    def _keep_promises(self, turn: Turn, conversation_id: str, platform: str, settings: Settings) -> None:
        """Every promise of this turn becomes a task; invoice and address requests are stored too."""
        tasks = TaskStore(settings.db_path)
        for task in turn.tasks:
            tasks.create(
                task.kind, conversation_id=conversation_id, platform=platform, summary=task.summary,
                order_id=task.order_id, product_id=task.product_id, details=task.details,
                dedup_key=f"{conversation_id}:{task.dedup}" if task.dedup else None,
            )
        for record in turn.records:
            values: Dict[str, Any] = record.values
            if record.kind == "invoice":
                self.store.record_invoice_request(
                    conversation_id=conversation_id, order_id=values.get("order_id"),
                    invoice_type=values["invoice_type"], title=values["title"],
                    tax_number=values.get("tax_number"), email=values.get("email"),
                )
            elif record.kind == "address_change":
                self.store.record_address_change(
                    conversation_id=conversation_id, order_id=values["order_id"], new_address=values["new_address"]
                )


def _abuse_kind(tracker: Tracker) -> Optional[str]:
    """kefu_rasa.abuse's insult/threat reading of the latest message, if any."""
    abuse = (tracker.latest_message or {}).get("abuse") or {}
    kind = abuse.get("kind") if isinstance(abuse, dict) else None
    return kind if kind in ("insult", "threat") else None


def _text_or_none(value: Any) -> Optional[str]:
    return value.strip() if isinstance(value, str) and value.strip() else None
