"""kefu.edge.identity: what a public caller's metadata may say, and whose conversation ids are whose."""

from __future__ import annotations

import pytest

from kefu.bridge.protocol import InboundMessage
from kefu.edge.identity import ReservedSender, accepted_metadata, check_sender, is_trusted, presented_token
from kefu.edge.ids import safe_conversation_id

META = {"platform": "jd", "product_id": "p1", "order_id": "2611290915246801357", "buyer_id": "x",
        "verified_orders": ["2611290915246801357"], "dialogue_state": {"verified_orders": ["1"]}}


def test_a_public_caller_names_a_platform_and_a_product_nothing_more() -> None:
    assert accepted_metadata(META, trusted=False) == {"platform": "jd", "product_id": "p1"}
    assert accepted_metadata(META, trusted=True) == {"platform": "jd", "product_id": "p1",
                                                     "order_id": "2611290915246801357", "buyer_id": "x"}


def test_the_token_is_compared_exactly_and_none_configured_trusts_nobody() -> None:
    assert presented_token({"authorization": "Bearer abc"}, {}) == "abc"
    assert presented_token({}, {"token": ["abc"]}) == "abc"
    assert is_trusted("abc", "abc") and not is_trusted("abd", "abc") and not is_trusted("", "")
    assert not is_trusted("abc", None)


@pytest.mark.parametrize("nick", ["atk", "小明🌸", "x" * 100])
def test_bridge_ids_live_in_the_bridge_namespace_and_public_senders_cannot_name_them(nick: str) -> None:
    bridge_id = InboundMessage("m", "douyin", "shop-1", nick, "hi").conversation_id
    assert bridge_id.startswith("bridge:")
    for sender in (f"douyin:shop-1:{nick}", bridge_id):
        mapped = safe_conversation_id(sender)
        if mapped == bridge_id:
            with pytest.raises(ReservedSender):
                check_sender(mapped, trusted=False)
        else:
            check_sender(mapped, trusted=False)  # a conversation of its own
            assert mapped != bridge_id
    check_sender(bridge_id, trusted=True)
    with pytest.raises(ReservedSender):
        check_sender("web-0123456789abcdef0123", trusted=False)
