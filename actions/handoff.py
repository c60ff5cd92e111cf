"""``action_handoff``: a person takes over the conversation.

Rules send complaints, requests for a person and insults/threats (the NLU's
AbuseDetector turns them into ``complain`` + ``latest_message["abuse"]``) here;
``action_answer`` calls :meth:`ActionHandoff.hand_off` itself for a second miss
in a row, the shop's rules and after-sale cases. The action opens a ticket with
the transcript so far, tells the buyer (compliantly, through the guarded
dispatcher) how long the wait is or, outside service hours, when a person will
answer, and announces the ticket to the optional webhook. The bot is not paused:
while the ticket is open every action answers through ``actions/waiting.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Callable, Dict, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction, conversation_platform
from actions.session import conversation_events
from actions.waiting import STATE_SLOT, wait_sentence, while_waiting

from kefu.tickets import triggers
from kefu.handoff.replies import reply
from kefu.tickets.store import TicketStore, transcript_from_events
from kefu.handoff.webhook import notify_async
from kefu.settings import Settings

log = logging.getLogger("kefu.handoff")
Clock = Callable[[], dt.datetime]


class ActionHandoff(KefuAction):
    """Open (or join) the conversation's ticket, tell the buyer, pause the bot."""

    def __init__(
        self,
        settings: Optional[Settings] = None,
        clock: Optional[Clock] = None,
        config: Any = None,
        store: Any = None,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._clock = clock
        self._config = config
        self._store = store

    def name(self) -> Text:
        return "action_handoff"

    # Dependencies are resolved per call (lazily), so the shared instance holds no state.
    @property
    def settings(self) -> Settings:
        return self._settings or Settings.from_env()

    def shop_config(self) -> Any:
        if self._config is not None:
            return self._config
        try:
            from kefu.shop.config import load_shop_config

            return load_shop_config(self.settings.shop_config_path)
        except Exception as exc:  # no shop config: hand off anyway, always staffed, no shop rules
            log.warning("handoff without shop config: %s", exc)
            return None

    def shop_store(self) -> Any:
        if self._store is not None:
            return self._store
        try:
            from kefu.shop.store import ShopStore

            return ShopStore(self.settings.db_path)
        except Exception:
            return None

    def now(self, tz: ZoneInfo) -> dt.datetime:
        from kefu import clock

        return self._clock() if self._clock else clock.now(str(tz))

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        return self.hand_off(dispatcher, tracker)

    def hand_off(self, dispatcher: GuardedDispatcher, tracker: Tracker, reason: Optional[str] = None) -> EventList:
        """Open the ticket and tell the buyer. ``reason`` is action_answer's (fallback, shop_rule, after_sale):
        it is used unless an insult or threat in the message is more urgent."""
        settings = self.settings
        config = self.shop_config()
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        abuse = latest.get("abuse") or {}
        state = tracker.get_slot(STATE_SLOT) or {}
        state = state if isinstance(state, dict) else {}
        metadata = latest.get("metadata") if isinstance(latest.get("metadata"), dict) else {}
        product_id = state.get("product_id") or metadata.get("product_id")
        order_id = state.get("order_id") or metadata.get("order_id")
        tz = ZoneInfo(getattr(config, "timezone", None) or "Asia/Shanghai")
        now = self.now(tz).astimezone(tz)

        waiting = while_waiting(tracker, dispatcher, settings, config, now)
        if waiting is not None:
            return waiting
        asked = reason
        trigger = triggers.decide(
            intent=intent,
            abuse_kind=abuse.get("kind") if isinstance(abuse, dict) else None,
            user_intents=triggers.latest_user_intents(tracker.events),
            rule_trigger=self._shop_rule(config, intent, product_id, order_id),
        )
        if asked in triggers.PRIORITIES and triggers.PRIORITIES[asked] <= trigger.priority:
            trigger = triggers.Trigger.of(asked)  # action_answer's reason, unless abuse is more urgent

        opening = triggers.next_opening(now, getattr(config, "service_hours", None))
        tickets = TicketStore(settings.db_path)
        wait = wait_sentence(settings, config, tickets, trigger.priority, now)  # the queue ahead of this ticket
        ticket, created = tickets.create(
            conversation_id=tracker.sender_id,
            platform=conversation_platform(tracker),
            reason=trigger.reason,
            priority=trigger.priority,
            detail=trigger.detail,
            product_id=product_id,
            order_id=order_id,
            transcript=transcript_from_events(conversation_events(tracker, settings)),  # all sessions
            answer_after=None if opening == now else opening.timestamp(),
        )
        events: EventList = []
        if not created:
            dispatcher.utter_message(text=reply("handoff.already_waiting"))
            return events
        dispatcher.utter_message(text=reply(f"handoff.{trigger.reason}", wait=wait))
        log.info("handoff ticket %s for %s: %s (priority %s)", ticket.id, ticket.conversation_id, trigger.reason, trigger.priority)
        notify_async(settings.handoff_webhook_url, webhook_payload(ticket.as_dict()))
        return events

    def _shop_rule(self, config: Any, intent: Optional[str], product_id: Optional[str], order_id: Optional[str]) -> Optional[triggers.Trigger]:
        try:
            rules = triggers.HandoffRules.from_section(getattr(config, "handoff", None))
        except ValueError as exc:
            log.warning("ignoring shop handoff rules: %s", exc)
            return None
        amount = None
        if order_id and rules.refund_amount_above is not None:
            store = self.shop_store()
            order = store.order(order_id) if store is not None else None
            amount = getattr(order, "amount", None)
        return triggers.shop_rule_trigger(rules, intent=intent, product_id=product_id, order_amount=amount)


def webhook_payload(ticket: Dict[str, Any]) -> Dict[str, Any]:
    """What the webhook receives: the ticket and its transcript (buyer text included, by design)."""
    return {"type": "handoff.ticket_created", **ticket}
