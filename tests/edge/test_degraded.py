"""Degraded tickets: created now, or queued on disk while the ticket store is down, then created."""

from __future__ import annotations

import stat

from kefu.inbox.degraded import DegradedTickets
from kefu.tickets.store import TicketStore
from kefu.settings import Settings
from tests.faults import read_only


def test_a_ticket_records_what_failed_and_what_the_buyer_wrote(settings: Settings) -> None:
    tickets = DegradedTickets(settings)
    ticket_id = tickets.open(conversation_id="b1", platform="jd", failure="action server: down",
                             buyer_text="我的快递到哪了")
    ticket = TicketStore(settings.db_path).get(ticket_id)
    assert (ticket.reason, ticket.platform, ticket.status) == ("degraded", "jd", "open")
    assert "action server: down" in ticket.detail
    assert [line.text for line in TicketStore(settings.db_path).transcript(ticket_id)] == ["我的快递到哪了"]


def test_a_read_only_store_queues_the_ticket_and_nothing_is_lost(settings: Settings) -> None:
    store = TicketStore(settings.db_path)
    store.queue()  # the file exists, as in a running shop
    store.close_connection()
    tickets = DegradedTickets(settings)
    with read_only(settings.db_path):
        assert tickets.open(conversation_id="b2", platform="taobao", failure="kefu.db read-only",
                            buyer_text="转人工") is None
        assert tickets.open(conversation_id="b3", platform="taobao", failure="kefu.db read-only",
                            buyer_text="人呢") is None
    queue = settings.state_dir / "pending-tickets.jsonl"
    assert stat.S_IMODE(queue.stat().st_mode) == 0o600
    assert [r["buyer_text"] for r in tickets.pending()] == ["转人工", "人呢"]
    assert tickets.flush() == 2
    assert tickets.pending() == []
    open_ones = {t.conversation_id: t for t in TicketStore(settings.db_path).queue()}
    assert set(open_ones) == {"b2", "b3"} and open_ones["b2"].reason == "degraded"
