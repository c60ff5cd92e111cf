"""The generated conversations of tests/dialogue/generated.py through the live stack.

The real trained model classifies each message, the real action server answers it,
the real guard checks it. Every turn must bring a reply (or, after a hand-off, one
acknowledgement and then quiet), at most three bubbles, no repeated message, no fact
that contradicts the catalogue, and nothing may be logged as an error.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings

from kefu import replay
from kefu.shop.config import load_shop_config
from kefu.shop.store import ShopStore
from tests.dialogue.generated import catalogue_index, check_reply, conversation, first_handoff

pytestmark = pytest.mark.live
EXAMPLES = 120
STATS = {"conversations": 0, "messages": 0, "handoffs": 0}


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated=conversation)
def test_generated_conversations_through_the_live_stack(live_stack, generated) -> None:
    product, platform, messages = generated
    settings_ = live_stack.settings
    store = ShopStore(settings_.db_path)
    skus, names = catalogue_index(store)
    threshold = load_shop_config(settings_.shop_config_path).low_stock_threshold
    send = replay.rest_sender(settings_.rasa_url)
    sender = f"prop-{uuid.uuid4().hex[:10]}"
    metadata = {"platform": platform, **({"product_id": product} if product else {})}
    waiting = acknowledged = False
    STATS["conversations"] += 1
    for text in messages:
        replies = [m.get("text") or "" for m in send(sender, text, metadata)]
        STATS["messages"] += 1
        if waiting:
            if not acknowledged:
                assert len(replies) <= 1, (text, replies)
                acknowledged = bool(replies)
            else:
                assert len(replies) <= 1 and (not replies or "优先" in replies[0]), (text, replies)
            continue
        assert replies, f"silence for {text!r}"
        problems = check_reply(replies, skus, names, threshold, __import__("datetime").date(2026, 12, 1))
        assert not problems, f"{text!r} -> {replies}: {problems}"
        if first_handoff(replies):
            waiting = True
            STATS["handoffs"] += 1


def test_nothing_was_logged_as_an_error(live_stack) -> None:
    """After every generated conversation: no traceback in the action server's or Rasa's log."""
    for service in ("actions", "rasa"):
        log = (live_stack.log_dir / f"{service}.log").read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log, f"{service}.log:\n{log[-3000:]}"
    if STATS["conversations"]:
        assert STATS["conversations"] >= EXAMPLES, STATS
