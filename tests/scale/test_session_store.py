"""kefu's tracker store across session boundaries, on SQLite and on a real PostgreSQL.

A turn that ends a session stores what action_answer returns (actions/session.py): the
answer, ``session_started``, each slot once, ``action_listen``. The next turn must load only
that new session (its cost does not grow with the conversation), the whole conversation
must still be there for the console and reports, and saves after a partial load must
append exactly the new events, never duplicate or drop one.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered)

from kefu_rasa.tracker_store import ResilientSQLTrackerStore

DOMAIN = Domain.from_yaml("slots:\n  dialogue_state:\n    type: any\n    influence_conversation: false\n"
                          "    mappings: [{type: custom}]\n")
SESSIONS, TURNS = 12, 10


def open_store(engine: str, request: pytest.FixtureRequest, tmp_path) -> ResilientSQLTrackerStore:
    if engine == "sqlite":
        return ResilientSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "conversations.db"))
    from sqlalchemy.engine.url import make_url

    url = make_url(request.getfixturevalue("pg_url"))
    return ResilientSQLTrackerStore(domain=DOMAIN, dialect="postgresql", host=url.host, port=url.port,
                                    db=url.database, username=url.username, password=url.password)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.scale)])
def test_each_turn_loads_only_the_current_session_and_all_of_it_stays(engine, request, tmp_path) -> None:
    store = open_store(engine, request, tmp_path)

    async def conversation() -> list:
        loaded = []
        for session in range(SESSIONS):
            for turn in range(TURNS):
                tracker = await store.get_or_create_tracker("buyer-1", append_action_listen=False)
                loaded.append(len(tracker.events))
                n = session * TURNS + turn
                for event in (UserUttered(f"第{n}条"), ActionExecuted("action_answer"), BotUttered(f"答{n}"),
                              SlotSet("dialogue_state", {"product_id": "p1002", "turn": n})):
                    tracker.update(event)
                if turn == TURNS - 1:  # the turn that ends the session, as Rasa logs action_answer's events
                    for event in (SessionStarted(), SlotSet("dialogue_state", {"product_id": "p1002", "turn": n}),
                                  ActionExecuted("action_listen")):
                        tracker.update(event)
                else:
                    tracker.update(ActionExecuted("action_listen"))
                await store.save(tracker)
        return loaded

    loaded = asyncio.run(conversation())
    current = asyncio.run(store.retrieve("buyer-1"))
    whole = asyncio.run(store.retrieve_full_tracker("buyer-1"))

    first_session, last_session = loaded[:TURNS], loaded[-TURNS:]
    assert max(last_session) == max(first_session) + 3, (first_session, last_session)  # session start, slot, listen
    assert [e.text for e in whole.events if isinstance(e, UserUttered)] == [f"第{n}条" for n in range(SESSIONS * TURNS)]
    assert [e.text for e in whole.events if isinstance(e, BotUttered)] == [f"答{n}" for n in range(SESSIONS * TURNS)]
    assert sum(isinstance(e, SessionStarted) for e in whole.events) == SESSIONS
    assert not any(isinstance(e, UserUttered) for e in current.events)  # the new session has begun
    assert current.get_slot("dialogue_state") == {"product_id": "p1002", "turn": SESSIONS * TURNS - 1}
