"""A new Rasa session every few buyer messages, so turn 300 costs what turn 1 costs.

Rasa replays and featurises a session's events on every turn and sends them to every
custom action, and its SQL tracker store (SQLite and PostgreSQL alike) loads only the
events since the latest ``session_started``. So ``action_answer`` ends the session once
it holds ``Settings.session_max_turns`` buyer messages (10 by default, 0 = only Rasa's
clock ends sessions), with Rasa's own events: ``SessionStarted``, each slot's current
value once (the ``dialogue_state`` slot carries product, order proof and the open
question), and ``action_listen`` as the follow-up, as Rasa's ``action_session_start``
would. Carrying each value once (Rasa's default copies every ``SlotSet`` of the old
session) keeps the start of each session the same size however long the conversation.

Never where something is in progress: not while a ticket is open (``while_waiting``
answers before), not on a turn that hands off, not after a miss (a second miss in a
row hands off; the engine's ``misses`` and the tracker's intents count them).

All sessions stay in the tracker store: Rasa's ``GET /conversations/<id>/tracker``,
ticket sync and reports read the whole conversation, and a hand-off's ticket gets the
whole transcript (:func:`conversation_events`).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SessionStarted, SlotSet

from actions.waiting import STATE_SLOT
from kefu.handoff.rasa_client import RasaClient, RasaError
from kefu.settings import Settings

log = logging.getLogger(__name__)
EventList = List[Dict[str, Any]]
RASA_TIMEOUT_S = 3.0


def buyer_messages_in_session(events: List[Mapping[str, Any]]) -> int:
    """Buyer messages since the latest ``session_started`` in ``events``."""
    count = 0
    for event in reversed(events or []):
        kind = event.get("event")
        if kind == "session_started":
            break
        count += kind == "user"
    return count


def session_boundary(tracker: Tracker, carried: Dict[str, Any], max_turns: int) -> EventList:
    """The events that end this session after this turn, or [] while it is shorter than ``max_turns``.

    ``carried`` holds the slots this turn sets (they win over the tracker's values)."""
    if max_turns <= 0 or buyer_messages_in_session(tracker.events) < max_turns:
        return []
    slots = {**(tracker.slots or {}), **carried}
    return [SessionStarted(), *(SlotSet(name, value) for name, value in slots.items() if value is not None),
            FollowupAction("action_listen")]


def continues_earlier_session(events: List[Mapping[str, Any]]) -> bool:
    """Whether the tracker an action sees began with slots carried from an earlier session."""
    started = False
    for event in events or []:
        kind = event.get("event")
        if kind == "session_started":
            started = True
        elif kind == "user":
            return False
        elif started and kind == "slot" and event.get("name") == STATE_SLOT:
            return True
    return False


def conversation_events(tracker: Tracker, settings: Settings) -> List[Mapping[str, Any]]:
    """The whole conversation's events, for a ticket's transcript.

    An action sees only the current session; earlier ones come from Rasa's HTTP API
    (all sessions), followed by this turn's events, which Rasa has not stored yet."""
    events = list(tracker.events or [])
    if not continues_earlier_session(events):
        return events
    try:
        client = RasaClient.from_settings(settings)
        client.timeout = RASA_TIMEOUT_S  # the buyer waits for this turn's answer
        stored = client.events(tracker.sender_id)
    except RasaError as exc:  # the ticket still gets this session; the console syncs the rest from Rasa
        log.warning("earlier sessions of %s not read for the ticket: %s", tracker.sender_id, exc)
        return events
    newest = max((e.get("timestamp") or 0.0 for e in stored), default=0.0)
    return [*stored, *(e for e in events if (e.get("timestamp") or 0.0) > newest)]
