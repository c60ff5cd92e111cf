"""Property test of the answer engine: thousands of generated conversations, every reply checked.

Played through the real kefu.dialogue engine on the real sample shop (SQLite); the same
generated conversations run through the live stack (trained model, action server) in
tests/live/test_dialogue_properties_live.py. Seeded (derandomize), so a failure
reproduces with `make test-unit`.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.dialogue.conftest import Conversation
from tests.dialogue.generated import catalogue_index, check_reply, conversation

EXAMPLES = 1500


def test_every_generated_message_gets_one_sensible_reply_turn(shop) -> None:
    """Thousands of messages: the counts are asserted here, so the figure README reports cannot pass unrun."""
    stats = {"conversations": 0, "messages": 0}
    skus, names = catalogue_index(shop)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(conversation)
    def each(generated) -> None:
        product, platform, messages = generated
        talk = Conversation(shop, product=product, platform=platform)
        stats["conversations"] += 1
        for text in messages:
            talk.say(text)
            stats["messages"] += 1
            turn = talk.last
            if turn.handoff:
                assert len(turn.messages) <= 3  # the hand-off message itself is action_handoff's
                break
            assert turn.messages, f"silence for {text!r}"
            problems = check_reply(turn.messages, skus, names, talk.config.low_stock_threshold, talk.now.date())
            assert not problems, f"{text!r} -> {turn.messages}: {problems}"

    each()
    assert stats["conversations"] >= EXAMPLES and stats["messages"] >= 2 * EXAMPLES, stats


def test_the_checks_catch_wrong_facts(shop) -> None:
    """The checker itself: each of these replies contradicts shop/catalog.yml."""
    import datetime as dt

    skus, names = catalogue_index(shop)
    today = dt.date(2026, 12, 1)
    wrong = [
        ["亲，您好，加绒连帽卫衣（黑色/XL）有现货，您可以放心下单哦。"],       # stock 1
        ["亲，加绒连帽卫衣（黑色/XL）目前仅剩2件了"],                           # stock 1
        ["亲，非常抱歉，加绒连帽卫衣（灰色/M）暂时缺货，预计11月28日补货。"],   # a date in the past
        ["目前可以直接下单的还有：灰色/3XL，您看可以吗"],                              # sold out
        ["好的亲", "好的亲"],                                                    # repeated
        ["一", "二", "三", "四"],                                                # four bubbles
    ]
    for reply in wrong:
        assert check_reply(reply, skus, names, 3, today), reply
    assert check_reply(["亲，加绒连帽卫衣（黑色/XL）目前仅剩1件了"], skus, names, 3, today) == []
