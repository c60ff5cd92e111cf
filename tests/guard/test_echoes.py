"""Buyer text the bot echoes back (invoice titles, addresses, e-mails) passes the same
normalisation as everything else: through the actions' real GuardedDispatcher, no obfuscated
forbidden word goes out verbatim (issue 10: 8 of 8 such titles and 2 of 2 addresses did)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedDispatcher
from kefu.guard.enforce import audit_rows, safe_reply

# (what the buyer typed as a title or address, the platform, what the guard must see)
ECHOES = [
    ("淘bao网络科技有限公司", "pinduoduo", "third_party_platform"),      # mixed pinyin and characters
    ("tao宝网络科技有限公司", "jd", "third_party_platform"),
    ("Таоbао网络科技有限公司", "pinduoduo", "third_party_platform"),     # Cyrillic Т а о
    ("ΤΑΟΒΑΟ贸易有限公司", "douyin", "third_party_platform"),             # Greek capitals
    ("Ⓣⓜⓐⓛⓛ服饰有限公司", "pinduoduo", "third_party_platform"),         # enclosed letters
    ("𝐣𝐝商贸有限公司", "pinduoduo", "third_party_platform"),              # mathematical bold
    ("zuì好科技有限公司", "jd", "extreme_claim"),                        # toned pinyin for 最
    ("bǎobèi母婴用品店", "pinduoduo", "platform_vocabulary"),            # pinyin for 宝贝
    ("浙江省杭州市余杭区淘bao城3号楼", "douyin", "third_party_platform"),  # an address
    ("上海市浦东新区拼duo多大厦12层", "jd", "third_party_platform"),
]


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEFU_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.mark.parametrize("echoed, platform, category", ECHOES, ids=[e[0] for e in ECHOES])
def test_an_obfuscated_echo_never_goes_out_verbatim(echoed: str, platform: str, category: str) -> None:
    inner = CollectingDispatcher()
    dispatcher = GuardedDispatcher(inner, platform=platform, conversation_id="buyer-1", source="invoice_form")
    dispatcher.utter_message(text=f"好的，已为您登记：{echoed}")
    [sent] = inner.messages
    assert echoed not in sent["text"]
    if category == "platform_vocabulary":  # rewritten, the rest of the sentence kept
        assert sent["text"].startswith("好的，已为您登记：") and "商品" in sent["text"]
    else:
        assert sent["text"] == safe_reply()
    [row] = audit_rows()
    assert category in row["violations"] and row["source"] == "invoice_form" and row["platform"] == platform


def test_a_plain_title_is_echoed_as_typed() -> None:
    inner = CollectingDispatcher()
    GuardedDispatcher(inner, platform="pinduoduo", conversation_id="buyer-2", source="invoice_form").utter_message(
        text="好的，已为您登记：杭州味多多食品有限公司")
    assert inner.messages[0]["text"] == "好的，已为您登记：杭州味多多食品有限公司"
    assert audit_rows() == []
