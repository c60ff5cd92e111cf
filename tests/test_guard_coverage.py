"""No path sends unguarded text.

One path reaches a buyer: text that actions send (guarded by the dispatcher
wrapper in actions/base.py, then again by the output channels in
kefu_rasa/channels.py). There is no NLG service: the domain has no ``utter_*``
responses, so nothing can be sent by name around the guard. These tests fail if
that path is bypassed or a second one appears.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Type

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.base import GUARDED_BASES, KefuAction
from kefu.guard.enforce import audit_rows, safe_reply
from kefu.settings import PROJECT_ROOT, Settings


def unguarded_actions(executor: ActionExecutor, package_prefix: str) -> List[str]:
    """Names of registered actions from ``package_prefix`` that do not derive from a guarded base."""
    found = []
    for name, run in executor.actions.items():
        action = getattr(run, "__self__", None)
        module = type(action).__module__ if action is not None else getattr(run, "__module__", "")
        if not module.startswith(package_prefix):
            continue
        if action is None or not isinstance(action, GUARDED_BASES):
            found.append(name)
    return found


def test_every_action_the_executor_registers_is_guarded() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    ours = [name for name, run in executor.actions.items()
            if type(getattr(run, "__self__", None)).__module__.startswith("actions.")]
    assert ours, "the actions package registered no action at all"
    assert unguarded_actions(executor, "actions.") == []


class RogueAction(Action):
    """Sends text straight through rasa-sdk's dispatcher: what the check above must catch."""

    def name(self) -> str:
        return "action_rogue"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> list:
        dispatcher.utter_message(text="加我微信")
        return []


def test_the_check_catches_an_action_that_bypasses_the_bases() -> None:
    executor = ActionExecutor()
    executor.register_action(RogueAction)
    assert unguarded_actions(executor, __name__) == ["action_rogue"]


class SaysWhatItIsTold(KefuAction):
    """A guarded action used to push texts through the real GuardedDispatcher."""

    def __init__(self, texts: List[str] = (), buttons: List[Dict[str, str]] = ()) -> None:  # rasa-sdk instantiates it too
        self.texts = list(texts)
        self.buttons = list(buttons)

    def name(self) -> str:
        return "action_test_says"

    async def respond(self, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        for text in self.texts:
            dispatcher.utter_message(text=text, buttons=self.buttons or None)
        dispatcher.utter_message(json_message={"card": {"title": "全网最低价"}})
        return []


def tracker(platform: str) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "buyer-9", "slots": {}, "latest_message": {"metadata": {"platform": platform}},
        "events": [], "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None,
    })


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("KEFU_STATE_DIR", str(tmp_path))
    return Settings.from_env()


def test_non_compliant_action_text_comes_out_rewritten_or_replaced(state: Settings) -> None:
    dispatcher = CollectingDispatcher()
    action = SaysWhatItIsTold(["宝贝今天发货", "加我V信，全网最低价", "亲，您好"],
                              buttons=[{"title": "宝贝详情", "payload": "/ask_stock"}])
    asyncio.run(action.run(dispatcher, tracker("pinduoduo"), {}))
    texts = [m.get("text") for m in dispatcher.messages]
    assert texts[:3] == ["商品今天发货", safe_reply(), "亲，您好"]
    assert dispatcher.messages[0]["buttons"] == [{"title": "商品详情", "payload": "/ask_stock"}]
    assert dispatcher.messages[3]["custom"] == {"card": {"title": safe_reply()}}
    originals = {row["original"] for row in audit_rows(state)}
    assert {"宝贝今天发货", "加我V信，全网最低价"} <= originals
    assert all(row["source"] == "action_test_says" and row["conversation_id"] == "buyer-9"
               for row in audit_rows(state))


def test_the_same_text_is_left_alone_where_the_platform_allows_it(state: Settings) -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(SaysWhatItIsTold(["宝贝今天发货，可以用支付宝付款"]).run(dispatcher, tracker("taobao"), {}))
    assert dispatcher.messages[0]["text"] == "宝贝今天发货，可以用支付宝付款"


def test_no_response_can_be_sent_by_name_around_the_guard() -> None:
    """Rasa renders domain responses itself when there is no NLG endpoint, unguarded: so none may exist."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert not domain.get("responses"), "domain responses would reach buyers without the guard"
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert "nlg" not in endpoints


def test_the_safe_reply_itself_is_compliant_everywhere() -> None:
    from kefu.guard import Guard

    for platform in ("pinduoduo", "taobao", "jd", "douyin"):
        assert Guard.for_platform(platform).check(safe_reply()).passed
