"""A malicious agent against the console (issue 18 #6): every evasion found is refused, through the real API.

The web app runs as `kefu serve web` (tests/handoff/conftest.py; Rasa's HTTP API is a stand-in
that records what would reach the buyer). Each attack is an agent's reply on a claimed ticket:
what matters is the HTTP answer (422 ``blocked``) and that nothing was pushed to the buyer.
Reproduce: ``.venv/bin/python -m pytest tests/attacks/test_agent_guard.py -v``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

from kefu.handoff.auth import AgentStore
from kefu.tickets.store import TicketStore, TranscriptLine
from tests.handoff.conftest import login

PASSWORD = "correct horse battery staple"
PLATFORMS = ("pinduoduo", "taobao", "jd", "douyin")
SINGLE_EVASIONS = [
    "薇❤ abc123",
    "V❤：abc123",
    "\u202e321cba 信微我加",
    "详情戳 https://t.cn/A6xYz1Q",
    '<a href="https://wa.me/8613800000000">点这里</a>',
    "小绿书搜 abc123",
    "去拼夕夕外面买更便宜",
    "zfb转我",
    "我的电话 幺三八一二三四五六七八",
]
SPLIT = ["亲，我们这边可以加一下", "微", "信 abc123"]


@pytest.fixture(scope="module")
def console(web_env: Dict[str, Any]) -> Dict[str, Any]:
    AgentStore(web_env["settings"].db_path).add("mallory", PASSWORD)
    http, csrf = login(web_env["url"], "mallory", PASSWORD)
    return {**web_env, "http": http, "headers": {"X-CSRF-Token": csrf},
            "tickets": TicketStore(web_env["settings"].db_path)}


def claimed_ticket(console: Dict[str, Any], conv: str, platform: str) -> str:
    ticket, _ = console["tickets"].create(
        conversation_id=conv, platform=platform, reason="complain", priority=2,
        transcript=[TranscriptLine("buyer", "衣服开线了", time.time(), f"rasa:user:{time.time()!r}")])
    api = f"{console['url']}/api/tickets/{ticket.id}"
    assert console["http"].post(api + "/claim", headers=console["headers"], timeout=10).status_code == 200
    return api


def reply(console: Dict[str, Any], api: str, text: str) -> requests.Response:
    return console["http"].post(api + "/reply", json={"text": text, "accept_rewrite": True},
                                headers=console["headers"], timeout=30)


def pushed_texts(console: Dict[str, Any], conv: str) -> List[str]:
    return [e["text"] for p in console["fake"].pushed if p["conversation_id"] == conv
            for e in p["events"] if e.get("event") == "bot"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_single_message_evasion_is_blocked_and_nothing_reaches_the_buyer(console, platform) -> None:
    conv = f"atk-single-{platform}"
    api = claimed_ticket(console, conv, platform)
    answers = {text: reply(console, api, text) for text in SINGLE_EVASIONS}
    passed = [text for text, answer in answers.items() if answer.status_code != 422]
    assert passed == [], f"not blocked on {platform}: {passed}"
    assert all(a.json()["error"] == "blocked" for a in answers.values())
    assert pushed_texts(console, conv) == []
    # the same console still sends an ordinary reply (the agent is refused texts, not locked out)
    assert reply(console, api, "亲，您好，我是人工客服，马上为您处理").status_code == 200
    print(f"\n{platform}: {len(SINGLE_EVASIONS)} evasions sent, {len(SINGLE_EVASIONS) - len(passed)} blocked")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_contact_split_over_three_replies_is_blocked_at_the_reply_that_completes_it(console, platform) -> None:
    conv = f"atk-split-{platform}"
    api = claimed_ticket(console, conv, platform)
    first, second, third = (reply(console, api, text) for text in SPLIT)
    assert first.status_code == 200 and second.status_code == 200  # harmless alone, and alone so far
    assert third.status_code == 422, third.text
    body = third.json()
    assert body["error"] == "blocked" and body["check"]["across_messages"] is True
    assert "前几条" in body["message"]
    assert pushed_texts(console, conv) == SPLIT[:2]


def test_another_agents_earlier_replies_do_not_count_against_this_one(console) -> None:
    """History is per agent: 「加一下」 (mallory), 「微」 (a colleague), 「信息已经登记了」 (mallory) would read
    加一下微信息 joined across both, and is harmless as what mallory wrote: 加一下 / 信息已经登记了."""
    conv = "atk-two-agents"
    api = claimed_ticket(console, conv, "pinduoduo")
    assert reply(console, api, "亲，我们这边可以加一下").status_code == 200
    ticket_id = int(api.rsplit("/", 1)[1])
    console["tickets"].add_agent_reply(ticket_id, "someone-else", "微")  # on the ticket, but not mallory's
    assert reply(console, api, "信息已经登记了").status_code == 200


def test_bidi_controls_never_reach_the_buyer(console) -> None:
    conv = "atk-bidi-clean"
    api = claimed_ticket(console, conv, "jd")
    answer = reply(console, api, "亲，\u202a您好\u202c，马上\u2067为您\u2069处理")
    assert answer.status_code == 200, answer.text
    assert pushed_texts(console, conv) == ["亲，您好，马上为您处理"]


def test_a_link_on_the_shops_allow_list_is_sent(console, tmp_path: Path) -> None:
    """shop/links.yml names the hosts agents may link to; the stand-in shop dir of this web app is the
    project's shop/, whose list is empty: an allowed host is shown through the guard's own check."""
    from dataclasses import replace

    from kefu.guard.enforce import check_agent_reply

    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "links.yml").write_text("allowed_hosts: [help.example-shop.com]\n", encoding="utf-8")
    settings = replace(console["settings"], shop_dir=shop)
    ok = check_agent_reply("售后说明 https://help.example-shop.com/returns", platform="taobao",
                           conversation_id="c", agent="mallory", settings=settings)
    sub = check_agent_reply("售后说明 https://cdn.help.example-shop.com/a.png", platform="taobao",
                            conversation_id="c", agent="mallory", settings=settings)
    other = check_agent_reply("售后说明 https://example-shop.com.evil.cn/returns", platform="taobao",
                              conversation_id="c", agent="mallory", settings=settings)
    markup = check_agent_reply('<a href="https://help.example-shop.com/returns">售后</a>', platform="taobao",
                               conversation_id="c", agent="mallory", settings=settings)
    assert (ok["verdict"], sub["verdict"], other["verdict"], markup["verdict"]) == ("pass", "pass", "blocked", "blocked")
