"""Guarded bases for every kefu action: the one place where outgoing text is checked.

Every sentence a buyer reads is sent by an action (the domain has no ``utter_*``
responses and there is no NLG service), so it is guarded here, for the
conversation's platform, before it leaves the action server; the output channels
(``kefu_rasa/channels.py``) guard it again on the way out.
``tests/test_guard_coverage.py`` fails if any registered action bypasses this base.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from kefu.guard import BLOCKED
from kefu.guard.enforce import guard_outgoing
from kefu.shop.config import resolve_platform

log = logging.getLogger(__name__)

EventList = List[Dict[Text, Any]]


def conversation_platform(tracker: Tracker) -> str:
    """The platform this conversation is on: the channel's metadata (fixed by kefu's input channel at
    the conversation's first message), else the shop default. Never the buyer's own words."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return resolve_platform(metadata=metadata if isinstance(metadata, dict) else {})


class GuardedDispatcher(CollectingDispatcher):
    """A dispatcher whose every text, button title and custom text is guarded.

    It appends to the wrapped dispatcher's own message list, so rasa-sdk sends
    exactly what passed the guard and nothing else.
    """

    def __init__(self, inner: CollectingDispatcher, *, platform: str, conversation_id: str, source: str) -> None:
        super().__init__()
        self.messages = inner.messages
        self.platform = platform
        self.conversation_id = conversation_id
        self.source = source

    def guard(self, text: str) -> str:
        decision = guard_outgoing(
            text, platform=self.platform, conversation_id=self.conversation_id, source=self.source
        )
        if decision.result.verdict == BLOCKED:
            # The buyer is told the shop will check and reply: a person must see that promise.
            _held_reply_task(self.conversation_id, self.platform, self.source)
        return decision.text

    def utter_message(
        self,
        text: Optional[Text] = None,
        image: Optional[Text] = None,
        json_message: Optional[Dict[Text, Any]] = None,
        template: Optional[Text] = None,
        response: Optional[Text] = None,
        attachment: Optional[Text] = None,
        buttons: Optional[List[Dict[Text, Any]]] = None,
        elements: Optional[List[Dict[Text, Any]]] = None,
        **kwargs: Any,
    ) -> None:
        if text:
            text = self.guard(text)
        if buttons:
            buttons = [{**button, "title": self.guard(str(button.get("title", "")))} for button in buttons]
        if json_message:
            json_message = self._guard_strings(json_message)
        super().utter_message(
            text=text,
            image=image,
            json_message=json_message,
            response=response or template,
            attachment=attachment,
            buttons=buttons,
            elements=elements,
            **kwargs,
        )

    def _guard_strings(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.guard(value)
        if isinstance(value, list):
            return [self._guard_strings(item) for item in value]
        if isinstance(value, dict):
            return {key: self._guard_strings(item) for key, item in value.items()}
        return value


def _held_reply_task(conversation_id: str, platform: str, source: str) -> None:
    from kefu.settings import Settings
    from kefu.tasks import TaskStore

    try:
        TaskStore(Settings.from_env().db_path).create(
            "guard_held_reply", conversation_id=conversation_id, platform=platform,
            summary=f"机器人回复（{source}）被合规拦截，请人工回复买家",
        )
    except Exception:  # the buyer already has the safe reply; the audit log has the message
        log.exception("could not record the held reply task for %s", conversation_id)


def guarded(dispatcher: CollectingDispatcher, tracker: Tracker, source: str) -> GuardedDispatcher:
    return GuardedDispatcher(
        dispatcher,
        platform=conversation_platform(tracker),
        conversation_id=tracker.sender_id,
        source=source,
    )


class KefuAction(Action, ABC):
    """Base of every plain kefu action: implement ``respond``; ``run`` guards the dispatcher."""

    @abstractmethod
    def name(self) -> Text:  # abstract, so rasa-sdk does not register the base itself
        ...

    @abstractmethod
    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        ...

    def before_answer(self, tracker: Tracker) -> Optional[EventList]:
        """Events to return *instead of* answering (e.g. a hand-off the shop requires); None to answer."""
        return None

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        guarded_dispatcher = guarded(dispatcher, tracker, self.name())
        try:
            redirect = self.before_answer(tracker)
            if redirect is not None:
                return redirect
            return await self.respond(guarded_dispatcher, tracker, domain)
        except Exception as exc:  # never silence: a holding answer, and a person sees the error
            log.exception("action %s failed for conversation %s", self.name(), tracker.sender_id)
            del dispatcher.messages[:]
            return error_handoff(guarded_dispatcher, tracker, self.name(), exc)


def error_handoff(dispatcher: GuardedDispatcher, tracker: Tracker, action: str, exc: BaseException) -> EventList:
    """An action failed: the buyer gets a polite holding answer, a ticket records the error."""
    from kefu.inbox.degraded import DegradedTickets
    from kefu.tickets.store import TicketStore, transcript_from_events
    from kefu.tickets.triggers import Trigger
    from kefu.settings import Settings
    from kefu.edge.texts import reply

    dispatcher.utter_message(text=reply("holding"))  # the one holding answer, as the channels send it
    trigger = Trigger.of("error", f"{action}: {exc.__class__.__name__}")
    try:
        TicketStore(Settings.from_env().db_path).create(
            conversation_id=tracker.sender_id, platform=dispatcher.platform, reason=trigger.reason,
            priority=trigger.priority, detail=trigger.detail, transcript=transcript_from_events(tracker.events),
        )
    except Exception as exc_store:  # a full disk, a read-only store: the ticket waits, it is not dropped
        log.exception("could not open the error ticket for %s; queued", tracker.sender_id)
        latest = tracker.latest_message or {}
        DegradedTickets(Settings.from_env()).open(
            conversation_id=tracker.sender_id, platform=dispatcher.platform,
            failure=f"{trigger.detail}; ticket store: {type(exc_store).__name__}",
            buyer_text=str(latest.get("text") or ""))
    return []


GUARDED_BASES = (KefuAction,)
