"""Ticket sync cost, measured: ``python -m kefu_rasa.sync_bench`` (``make bench``).

The situation issue 9 measured (204 open tickets, no traffic) rebuilt with Rasa's
own SQLTrackerStore in a temporary folder: 204 paused conversations of 24 events
each, plus 400 finished conversations that have no ticket. Compared in one run:

- baseline, the previous loop: every tick, for every open ticket, what
  ``GET /conversations/<id>/tracker`` costs Rasa (``SQLTrackerStore.retrieve`` +
  ``current_state(ALL)`` + JSON) and what the web app then did with it
  (``transcript_from_events`` + deduplicating insert);
- ``TicketSync.step``: the incremental read of the event feed Rasa's broker fills
  (kefu_rasa/event_broker.py; idle tick), and a tick in which one buyer message arrived.

Timed in interleaved rounds, best round each; prints a Markdown table with the
ratio to the baseline. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, TextIO
from kefu.tickets.store import TicketStore
from kefu.feed import EventFeed
from kefu.handoff.sync import TicketSync
from kefu.tickets.store import transcript_from_events

OPEN_TICKETS = 204
CLOSED_CONVERSATIONS = 400
EVENTS_PER_CONVERSATION = 24
ROUNDS = 5


def _build(folder: Path) -> Dict[str, object]:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker


    from kefu_rasa.event_broker import KefuEventBroker

    broker = KefuEventBroker(EventFeed(folder / "kefu.db"))
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(folder / "conversations.db"), event_broker=broker)
    tickets = TicketStore(folder / "kefu.db")

    async def fill() -> None:
        for index in range(OPEN_TICKETS + CLOSED_CONVERSATIONS):
            tracker = DialogueStateTracker(f"buyer-{index}", [])
            for turn in range(EVENTS_PER_CONVERSATION // 3):
                tracker.update(UserUttered(f"第{turn}个问题：这件卫衣黑色L码有货吗"))
                tracker.update(ActionExecuted("action_stock"))
                tracker.update(BotUttered(f"亲，黑色L码有货，今天16:00前下单当天发货哦（{turn}）"))
            if index < OPEN_TICKETS:
                tracker.update(ConversationPaused())
            await store.save(tracker)

    asyncio.run(fill())
    for index in range(OPEN_TICKETS):
        tickets.create(conversation_id=f"buyer-{index}", platform="pinduoduo", reason="complain", priority=2)
    return {"store": store, "tickets": tickets, "broker": broker}


def _timer(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run(out: TextIO = sys.stdout) -> Dict[str, float]:
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import EventVerbosity


    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        built = _build(folder)
        store, tickets = built["store"], built["tickets"]
        open_tickets = tickets.queue()

        def polling_tick() -> None:
            for ticket in open_tickets:
                tracker = asyncio.run(store.retrieve(ticket.conversation_id))
                body = json.dumps(tracker.current_state(EventVerbosity.ALL))
                tickets.append(ticket.id, transcript_from_events(json.loads(body)["events"]))

        sync = TicketSync(tickets, EventFeed(folder / "kefu.db"))
        sync.step()  # catch up once, as a console does when it starts
        polling_tick()
        broker = built["broker"]
        counter = [0]

        def one_message_tick() -> None:
            counter[0] += 1
            event = UserUttered(f"人呢{counter[0]}", parse_data={"intent": {}, "entities": []})
            broker.publish({"sender_id": "buyer-7", **event.as_dict()})  # what Rasa's save publishes
            broker.flush()  # in the feed (the broker's writer thread), then read by the sync
            assert sync.step().buyer_messages, "the tick did not see the new message"

        cases = {"baseline: poll every open ticket's tracker (previous loop)": polling_tick,
                 "TicketSync.step, idle (no new events)": sync.step,
                 "TicketSync.step, one buyer message arrived (incl. writing it)": one_message_tick}
        best = {name: float("inf") for name in cases}
        for _ in range(ROUNDS):
            for name, case in cases.items():
                best[name] = min(best[name], _timer(case))
    baseline = best[next(iter(cases))]
    out.write(f"Ticket sync, {OPEN_TICKETS} open tickets ({EVENTS_PER_CONVERSATION} events each), "
              f"{CLOSED_CONVERSATIONS} other conversations; best of {ROUNDS} interleaved rounds\n\n")
    out.write("| one sync tick | ms | vs baseline |\n|---|---:|---:|\n")
    for name, seconds in best.items():
        out.write(f"| {name} | {seconds * 1000:.2f} | {baseline / seconds:.0f}× less work |\n"
                  if seconds != baseline else f"| {name} | {seconds * 1000:.2f} | 1× |\n")
    return best


if __name__ == "__main__":
    run()
