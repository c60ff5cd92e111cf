"""guard_outgoing's audit trail and log keep what was changed and why, never a buyer's full number."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from kefu.guard import Guard
from kefu.guard.enforce import audit_rows, guard_outgoing, safe_reply
from kefu.settings import Settings

PHONE = "13812345678"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    state = tmp_path / "state"
    return replace(Settings(), state_dir=state, db_path=state / "kefu.db")


def all_text(row: dict) -> str:
    return " ".join(str(value) for value in row.values())


def test_a_blocked_message_is_audited_with_its_phone_number_masked(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    text = f"亲，加我微信聊，我电话{PHONE}"
    with caplog.at_level(logging.WARNING, logger="kefu.guard"):
        decision = guard_outgoing(text, platform="pinduoduo", conversation_id="conv-42", source="action_x",
                                  settings=settings)
    assert decision.result.verdict == "blocked" and decision.text == safe_reply()
    [row] = audit_rows(settings)
    assert row["conversation_id"] == "conv-42" and row["source"] == "action_x" and row["verdict"] == "blocked"
    assert row["original"] == "亲，加我微信聊，我电话138****5678"  # everything but the number verbatim
    violations = json.loads(row["violations"])
    categories = {v["category"] for v in violations}
    assert {"off_platform_transaction", "third_party_platform", "personal_data"} <= categories
    personal = next(v for v in violations if v["category"] == "personal_data")
    assert personal["matched"] == "138****5678"
    assert (personal["start"], personal["end"]) == (text.index(PHONE), len(text))
    assert PHONE not in all_text(row)
    assert PHONE not in caplog.text and "138****5678" in caplog.text and "conv-42" in caplog.text


def test_spaced_numbers_and_id_cards_are_masked_in_the_audit_too(settings: Settings) -> None:
    text = "收件人138 1234 5678，身份证11010519900307123X，全网最低价"
    guard_outgoing(text, platform="jd", conversation_id="c2", source="action_answer", settings=settings)
    [row] = audit_rows(settings)
    assert row["original"] == "收件人138****5678，身份证110105********123X，全网最低价"
    assert "1234 5678" not in all_text(row) and "19900307" not in all_text(row)


def test_a_rewritten_message_keeps_its_other_text_verbatim(settings: Settings) -> None:
    text = f"宝贝已发出，收件人手机{PHONE}"
    decision = guard_outgoing(text, platform="pinduoduo", conversation_id="c3", source="action_answer", settings=settings)
    assert decision.text == "商品已发出，收件人手机138****5678"
    [row] = audit_rows(settings)
    assert row["original"] == "宝贝已发出，收件人手机138****5678"  # 宝贝 is the original, not the rewrite
    assert PHONE not in all_text(row)


def test_when_the_guard_fails_the_audit_still_masks_personal_data(settings: Settings, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "common.yml").write_text("pack: common\nentries: [\n", encoding="utf-8")  # broken pack
    (rules / "pinduoduo.yml").write_text("pack: pinduoduo\nextends: common\n", encoding="utf-8")
    Guard.clear_cache()
    try:
        decision = guard_outgoing(f"您的电话是{PHONE}吗", platform="pinduoduo", conversation_id="c4",
                                  source="action_answer", settings=replace(settings, rules_dir=rules))
    finally:
        Guard.clear_cache()
    assert decision.text == safe_reply()
    [row] = audit_rows(settings)
    assert row["original"] == "您的电话是138****5678吗"
    assert "invalid YAML" in row["violations"]


def test_an_agents_blocked_reply_is_refused_and_audited_as_the_agent(settings: Settings) -> None:
    from kefu.guard.enforce import check_agent_reply

    check = check_agent_reply(f"这款宝贝淘宝也有卖，加我薇芯{PHONE}", platform="pinduoduo",
                              conversation_id="buyer-7", agent="xiaowang", settings=settings)
    assert check["verdict"] == "blocked" and check["sent"] == ""  # refused, not replaced by the bot's reply
    assert {"third_party_platform", "off_platform_transaction"} <= {v["category"] for v in check["violations"]}
    [row] = audit_rows(settings)
    assert row["source"] == "agent:xiaowang" and row["conversation_id"] == "buyer-7"
    assert row["verdict"] == "blocked" and row["sent"] == ""
    assert PHONE not in all_text(row) and "138****5678" in row["original"]


def test_an_agents_rewritten_reply_is_audited_and_a_clean_one_is_not(settings: Settings) -> None:
    from kefu.guard.enforce import check_agent_reply

    check = check_agent_reply("宝贝明天发出", platform="jd", conversation_id="buyer-8", agent="li",
                              settings=settings)
    assert check["verdict"] == "rewritten" and check["sent"] == check["rewritten"] == "商品明天发出"
    clean = check_agent_reply("亲，明天发出", platform="jd", conversation_id="buyer-8", agent="li",
                              settings=settings)
    assert clean["verdict"] == "pass" and clean["sent"] == "亲，明天发出"
    rows = audit_rows(settings)
    assert [(r["source"], r["verdict"], r["sent"]) for r in rows] == [("agent:li", "rewritten", "商品明天发出")]


def test_when_the_guard_fails_an_agents_reply_is_refused_not_replaced(settings: Settings, tmp_path: Path) -> None:
    from kefu.guard.enforce import check_agent_reply

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "common.yml").write_text("pack: common\nentries: [\n", encoding="utf-8")  # broken pack
    (rules / "jd.yml").write_text("pack: jd\nextends: common\n", encoding="utf-8")
    Guard.clear_cache()
    try:
        check = check_agent_reply("亲，明天发出", platform="jd", conversation_id="c9", agent="li",
                                  settings=replace(settings, rules_dir=rules))
    finally:
        Guard.clear_cache()
    assert check["verdict"] == "blocked" and check["sent"] == ""
    [row] = audit_rows(settings)
    assert row["source"] == "agent:li" and row["sent"] == "" and "invalid YAML" in row["violations"]
