"""While a person is on the way: one acknowledgement, then quiet; every message reaches the ticket.

The bot is not paused inside Rasa (a paused tracker runs no action, so the buyer
would hear nothing for hours). Instead every first-line action asks here first:
while the conversation has an open ticket, the buyer's message is appended to it,
the first one gets an acknowledgement with the expected wait (or the opening time
outside service hours), later ones are quiet, and an insult or threat raises the
ticket's priority.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from kefu.handoff import triggers
from kefu.handoff.auth import AgentStore
from kefu.handoff.replies import reply
from kefu.handoff.tickets import Ticket, TicketStore, TranscriptLine
from kefu.settings import Settings

log = logging.getLogger(__name__)
STATE_SLOT = "dialogue_state"


def wait_sentence(settings: Settings, config: Any, tickets: TicketStore, priority: int, now: dt.datetime,
                  ahead: Optional[int] = None) -> str:
    """How long until a person answers: the queue in service hours, the opening time outside them.
    ``ahead`` defaults to the open tickets a new ticket of ``priority`` would wait behind."""
    hours = getattr(config, "service_hours", None)
    opening = triggers.next_opening(now, hours)
    if opening != now:
        day = "day.today" if opening.date() == now.date() else "day.tomorrow"
        return reply("wait.closed", start=hours[0].strftime("%H:%M"), end=hours[1].strftime("%H:%M"),
                     when=reply(day) + opening.strftime("%H:%M"))
    ahead = tickets.waiting_ahead(priority) if ahead is None else ahead
    if ahead == 0:
        return reply("wait.next")
    agents = AgentStore(settings.db_path).active_agents()
    minutes = triggers.estimate_wait_minutes(ahead, tickets.average_handling_minutes(), agents)
    return reply("wait.queue", ahead=ahead, minutes=minutes)


def latest_user_line(tracker: Tracker) -> Optional[TranscriptLine]:
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            text, ts = event.get("text"), event.get("timestamp")
            if isinstance(text, str) and text.strip() and isinstance(ts, (int, float)):
                return TranscriptLine("buyer", text, float(ts), f"rasa:user:{ts!r}")
            return None
    return None


def while_waiting(
    tracker: Tracker, dispatcher: Any, settings: Settings, config: Any, now: dt.datetime
) -> Optional[List[Dict[str, Any]]]:
    """Events for a message that arrives while a ticket is open; None when no person is on the way."""
    tickets = TicketStore(settings.db_path)
    ticket: Optional[Ticket] = tickets.active_for(tracker.sender_id)
    if ticket is None:
        return None
    line = latest_user_line(tracker)
    if line is not None:
        tickets.append(ticket.id, [line])
    abuse = (tracker.latest_message or {}).get("abuse") or {}
    kind = abuse.get("kind") if isinstance(abuse, dict) else None
    if kind in ("threat", "insult"):
        trigger = triggers.Trigger.of(kind)
        if trigger.priority < ticket.priority:
            tickets.create(conversation_id=tracker.sender_id, platform=ticket.platform, reason=trigger.reason,
                           priority=trigger.priority, detail="raised while waiting")
            tickets.audit("priority_raised", agent=None, ticket_id=ticket.id, detail=kind)
            dispatcher.utter_message(text=reply("paused.raised"))
            return []
    state = tracker.get_slot(STATE_SLOT) or {}
    if (isinstance(state, dict) and state.get("acked_ticket") == ticket.id) or ticket.agent_replied:
        return []  # acknowledged once already, or a person is answering: quiet, the message is on the ticket
    # The queue ahead of this ticket (not counting itself; none once an agent holds it).
    ahead = max(0, tickets.waiting_ahead(ticket.priority) - 1) if ticket.status == "open" else 0
    wait = wait_sentence(settings, config, tickets, ticket.priority, now, ahead=ahead)
    dispatcher.utter_message(text=reply("paused.ack", wait=wait))
    new_state = dict(state) if isinstance(state, dict) else {}
    new_state["acked_ticket"] = ticket.id
    return [SlotSet(STATE_SLOT, new_state)]
