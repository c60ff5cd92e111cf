"""One buyer, 300 turns, default settings, on the live stack: each turn loads one short session.

What a buyer notices: the bot still knows the product, the order they proved and the
question it asked before a session boundary; a hand-off in progress is never cut; the
console's ticket has every line of the conversation. What Rasa notices: the tracker store
(the same store and query Rasa uses) loads no more events at turn 300 than in the first
sessions, while the whole conversation stays stored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import List

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from kefu.tickets.store import TicketStore
from kefu.stack import send_rest_message
from kefu_rasa.tracker_store import ResilientSQLTrackerStore

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
FACTS = yaml.safe_load((ROOT / "tests" / "conversations" / "sample_facts.yml").read_text(encoding="utf-8"))
TOP, ORDERS = FACTS["top"], FACTS["orders"]
FILLERS = ("你好", "发北京几天能到", "包邮吗", "好的")  # first-line questions that neither miss nor hand off
TURNS = 300


class Buyer:
    def __init__(self, stack, sender: str) -> None:
        self.url = stack.settings.rasa_url
        self.sender = sender
        self.sent = 0
        self.store = ResilientSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")), dialect="sqlite",
                                              db=str(stack.settings.tracker_db_path))
        self.loaded: List[int] = []  # events the tracker store loads for this conversation, after each turn

    def says(self, text: str, metadata: dict = None) -> str:
        replies = send_rest_message(self.url, self.sender, text, {"platform": "pinduoduo", **(metadata or {})})
        self.sent += 1
        self.loaded.append(len(self.session().events))
        return "\n".join(r.get("text") or "" for r in replies)

    def session(self) -> DialogueStateTracker:
        return asyncio.run(self.store.retrieve(self.sender))

    def whole(self) -> DialogueStateTracker:
        return asyncio.run(self.store.retrieve_full_tracker(self.sender))

    def messages_in_session(self) -> int:
        return sum(isinstance(e, UserUttered) for e in self.session().events)

    def fill_until_session_has(self, messages: int) -> None:
        """Fillers until this session holds ``messages`` buyer messages (the next one is the 10th, ...)."""
        while self.messages_in_session() != messages:
            self.says(FILLERS[self.sent % len(FILLERS)])
            assert self.sent < TURNS, "no session boundary within the conversation"


def test_three_hundred_turns_keep_their_state_and_load_one_session(live_stack) -> None:
    limit = live_stack.settings.session_max_turns
    assert limit == 10, "the default settings are what is tested"
    buyer = Buyer(live_stack, "long-buyer-300")
    buyer.says("你好", {"product_id": TOP["id"]})  # the product comes only with the first message
    first_session_events = None
    buyer.fill_until_session_has(0)  # the first boundary
    first_session_events = max(buyer.loaded[:limit])

    # product: three sessions later, without a product link, the bot still knows which item
    for _ in range(3):
        buyer.fill_until_session_has(limit - 1)
        buyer.says(FILLERS[0])
    assert buyer.messages_in_session() == 0
    assert TOP["colors_all"] in buyer.says("这个还有货没")

    # order proof: proved once, still proved sessions later
    assert "订单号" in buyer.says("我买的东西发了没")
    assert "收件人" in buyer.says(f"订单号{ORDERS['moving']}")
    assert ORDERS["moving_tracking"] in buyer.says(ORDERS["moving_name"])
    for _ in range(3):
        buyer.fill_until_session_has(limit - 1)
        buyer.says(FILLERS[1])
    assert ORDERS["moving_tracking"] in buyer.says("我的快递到哪了")

    # a pending question: asked as the 10th message, answered as the first of the next session
    buyer.fill_until_session_has(limit - 2)
    assert TOP["colors_all"] in buyer.says("这个还有货没")
    # one colour named: its sizes with their stock (an answer, not 「要哪个尺码」), and the size still open
    listed = buyer.says(f"{TOP['color_a_stem']}的")
    assert TOP["color_a"] in listed and f"{TOP['size_low']}仅剩{TOP['low_count']}件" in listed
    assert buyer.messages_in_session() == 0, "the boundary came right after the open question"
    answer = buyer.says(TOP["size_low"])
    assert f"{TOP['color_a']}/{TOP['size_low']}" in answer and f"仅剩{TOP['low_count']}件" in answer

    while buyer.sent < TURNS - 30:
        buyer.says(FILLERS[buyer.sent % len(FILLERS)])

    # a hand-off in progress is never cut: 20 or more messages while the ticket is open, no new session
    buyer.fill_until_session_has(limit - 1)
    buyer.says("转人工")
    at_handoff = buyer.sent
    assert TURNS - at_handoff >= 2 * limit
    tickets = TicketStore(live_stack.settings.db_path)
    ticket = tickets.active_for(buyer.sender)
    assert ticket is not None
    sessions_before = sum(isinstance(e, SessionStarted) for e in buyer.whole().events)
    while buyer.sent < TURNS:
        buyer.says(f"人呢 第{buyer.sent}条")
    assert sum(isinstance(e, SessionStarted) for e in buyer.whole().events) == sessions_before
    assert buyer.messages_in_session() == limit + TURNS - at_handoff

    # all turns stored; each turn loaded one session of bounded size
    whole = buyer.whole()
    buyer_lines = [e.text for e in whole.events if isinstance(e, UserUttered)]
    assert len(buyer_lines) == TURNS
    assert sessions_before >= 25
    normal = buyer.loaded[:at_handoff]
    print(f"events loaded: turn 1 {buyer.loaded[0]}, first session max {first_session_events}, "
          f"later sessions max {max(normal)}, turn {TURNS} {buyer.loaded[-1]} (during the hand-off)")
    assert max(normal) <= first_session_events + 12, (first_session_events, max(normal))

    # the console's ticket has the whole conversation, from the first message on
    transcript = tickets.get(ticket.id).transcript
    buyer_transcript = [line.text for line in transcript if line.sender == "buyer"]
    assert buyer_transcript[0] == "你好" and buyer_transcript[-1] == buyer_lines[-1]
    assert len(buyer_transcript) == TURNS
