"""The generated conversations of tests/dialogue/generated.py through the live stack.

The real trained model classifies each message, the real action server answers it,
the real guard checks it. Every turn must bring a reply, at most three bubbles, no fact that
contradicts the catalogue, and nothing may be logged as an error. After a hand-off the bot keeps
answering what the shop data answers (actions/waiting.py) and otherwise gives the queue's status,
never the same status sentence twice, or is quiet.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings

from kefu import replay
from kefu.shop.config import load_shop_config
from kefu.shop.store import ShopStore
from tests.dialogue.generated import catalogue_index, check_reply, conversation, first_handoff

pytestmark = pytest.mark.live
EXAMPLES = 120


def test_generated_conversations_through_the_live_stack(live_stack) -> None:
    """The counts are asserted in the same test, so it cannot pass having played nothing."""
    stats = {"conversations": 0, "messages": 0, "handoffs": 0}
    settings_ = live_stack.settings
    store = ShopStore(settings_.db_path)
    skus, names = catalogue_index(store)
    threshold = load_shop_config(settings_.shop_config_path).low_stock_threshold
    send = replay.rest_sender(settings_.rasa_url)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(generated=conversation)
    def each(generated) -> None:
        product, platform, messages = generated
        sender = f"prop-{uuid.uuid4().hex[:10]}"
        metadata = {"platform": platform, **({"product_id": product} if product else {})}
        waiting = False
        statuses: set = set()
        stats["conversations"] += 1
        for text in messages:
            replies = [m.get("text") or "" for m in send(sender, text, metadata)]
            stats["messages"] += 1
            assert len(replies) <= 3, (text, replies)
            if waiting:
                for status in (r for r in replies if "人工客服" in r):
                    assert status not in statuses, f"status repeated while waiting: {status!r}"
                    statuses.add(status)
                problems = check_reply(replies, skus, names, threshold, dt.date(2026, 12, 1))
                assert not problems, f"{text!r} -> {replies}: {problems}"
                continue
            assert replies, f"silence for {text!r}"
            problems = check_reply(replies, skus, names, threshold, dt.date(2026, 12, 1))
            assert not problems, f"{text!r} -> {replies}: {problems}"
            if first_handoff(replies):
                waiting = True
                stats["handoffs"] += 1

    each()
    assert stats["conversations"] >= EXAMPLES and stats["messages"] >= EXAMPLES, stats


def test_nothing_was_logged_as_an_error(live_stack) -> None:
    """After every generated conversation: no traceback in the action server's or Rasa's log."""
    for service in ("actions", "rasa"):
        log = (live_stack.log_dir / f"{service}.log").read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log, f"{service}.log:\n{log[-3000:]}"
