"""While a person is on the way the bot keeps serving; every message reaches the ticket.

The bot is not paused inside Rasa (a paused tracker runs no action, so the buyer
would hear nothing for hours). Instead every first-line action asks here first:
while the conversation has an open ticket, the buyer's message is appended to it,
a question the bot can answer from shop data is answered (recorded on the ticket as
answered by the bot), the rest wait for the agent with a short status (the expected
wait, or the opening time outside service hours) that never repeats itself and comes
at most every STATUS_EVERY; an insult or threat raises the ticket's priority; once an
agent has taken the chat the bot is quiet (the hand-back line is the console's, once).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from kefu.tickets import triggers
from kefu.handoff.auth import AgentStore
from kefu.handoff.replies import reply
from kefu.tickets.store import Ticket, TicketStore, TranscriptLine
from kefu.settings import Settings

log = logging.getLogger(__name__)
STATE_SLOT = "dialogue_state"
# A queued buyer hears the queue's status at most this often (and never the same sentence twice).
STATUS_EVERY = dt.timedelta(minutes=3)
# A buyer hurrying the person on the way (「人呢？？？」, 「快点快点」, 「还要等多久啊」) asks the bot nothing:
# such a message is for the agent, however a question reader labels it.
_URGING = re.compile(r"^(人|呢|快|点|在|吗|么|啊|呀|吧|哈|有|没|等|多|久|还|要|催|处理|客服|一下|下|了|怎么|咋|回|复|[\W_\d])+$")


def is_urging(text: str) -> bool:
    """Whether the message only hurries the person the buyer waits for."""
    return bool(_URGING.match((text or "").strip()))


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


@dataclass(frozen=True)
class Served:
    """What the bot answered by itself while the buyer waits (see ``while_waiting``)."""

    messages: List[str]
    state: Dict[str, Any]
    kinds: List[str]


def while_waiting(
    tracker: Tracker, dispatcher: Any, settings: Settings, config: Any, now: dt.datetime,
    answer: Optional[Callable[[], Optional[Served]]] = None,
) -> Optional[List[Dict[str, Any]]]:
    """Events for a message that arrives while a ticket is open; None when no person is on the way.

    ``answer`` (action_answer's) answers the message from shop data when it can, None when it is
    for the agent."""
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
    state = dict(state) if isinstance(state, dict) else {}
    if ticket.status != "open" or ticket.agent_replied:
        return []  # an agent has the chat or is answering: the bot is quiet, the message is on the ticket
    served = answer() if answer is not None else None
    if served is not None:
        # Until an agent takes the chat the bot answers what it can; the ticket says so.
        for text in served.messages:
            dispatcher.utter_message(text=text)
        tickets.audit("answered_by_bot", agent=None, ticket_id=ticket.id, detail=",".join(served.kinds))
        key = line.source_key if line is not None else f"{now.timestamp()!r}"
        tickets.append(ticket.id, [TranscriptLine("system", "智能客服已自动回复：" + "；".join(served.messages)[:500],
                                                  now.timestamp(), f"bot-answered:{key}")])
        state = {**served.state, "acked_ticket": state.get("acked_ticket"),
                 "status_at": state.get("status_at"), "status_said": state.get("status_said") or []}
        return [SlotSet(STATE_SLOT, state)]
    # Queued for the agent: a short status, never the same one twice, at most every STATUS_EVERY.
    said = [s for s in state.get("status_said") or [] if isinstance(s, str)]
    last = state.get("status_at")
    if state.get("acked_ticket") == ticket.id and isinstance(last, (int, float)) and \
            now.timestamp() - last < STATUS_EVERY.total_seconds():
        return []
    ahead = max(0, tickets.waiting_ahead(ticket.priority) - 1)
    wait = wait_sentence(settings, config, tickets, ticket.priority, now, ahead=ahead)
    first = state.get("acked_ticket") != ticket.id
    text = reply("paused.ack" if first else "paused.status", wait=wait)
    if text in said:
        return []  # nothing new to tell: quiet
    dispatcher.utter_message(text=text)
    state.update(acked_ticket=ticket.id, status_at=now.timestamp(), status_said=(said + [text])[-5:])
    return [SlotSet(STATE_SLOT, state)]
