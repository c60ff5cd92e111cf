"""The NLG service through its real HTTP interface (sanic_testing is not installed, so the app
runs on a free localhost port in a background thread and is called with requests)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
import requests
import yaml

from sanic import Sanic

from kefu.servers.nlg import create_app
from kefu.servers.auth import read_service_token
from tests.running_app import RunningApp
from kefu.settings import PLATFORMS, PROJECT_ROOT, Settings

# Several apps start in one process: sanic 21.12 needs test mode for that (TouchUp, app registry).
Sanic.test_mode = True

TEST_DOMAIN = {
    "version": "3.1",
    "responses": {
        "utter_greet": [{"text": "亲，您好，很高兴为您服务"}],
        "utter_item_shipped": [
            {"text": "宝贝已经发货了", "condition": [{"type": "slot", "name": "platform", "value": "taobao"}]},
            {"text": "宝贝已经发货了"},
        ],
        "utter_size": [{"text": "建议您选{size}码，订单{order_id}已备注，{unknown}保持原样"}],
        "utter_bad": [{"text": "全网最低价，加我微信", "buttons": [{"title": "宝贝详情", "payload": "/ask_stock"}]}],
        "utter_phone": [{"text": "收件人手机{phone}"}],
        "utter_two": [{"text": "请您稍等"}, {"text": "我帮您查询一下"}],
    },
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("state")
    return replace(Settings(), state_dir=state, db_path=state / "kefu.db")


@pytest.fixture(scope="module")
def nlg(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[RunningApp]:
    domain = tmp_path_factory.mktemp("domain") / "domain.yml"
    domain.write_text(yaml.safe_dump(TEST_DOMAIN, allow_unicode=True), encoding="utf-8")
    with RunningApp(create_app(settings=settings, domain_path=domain, name="kefu_nlg_test")) as running:
        yield running


def token_of(app: RunningApp) -> dict:
    """The shared service token, as Rasa sends it (``?token=`` from endpoints.yml)."""
    return {"token": read_service_token(app.app.ctx.settings)}


def ask(nlg: RunningApp, response: str, platform: str = "pinduoduo", **extra: object) -> requests.Response:
    body = {
        "response": response,
        "arguments": extra.pop("arguments", {}),
        "tracker": {"sender_id": "buyer-1", "slots": {"platform": platform, **extra.pop("slots", {})},
                    "latest_message": {"metadata": {}}},
        "channel": {"name": "rest"},
    }
    return requests.post(nlg.url + "/nlg", params=token_of(nlg), json=body, timeout=10)


def test_health_is_ok_once_loaded(nlg: RunningApp) -> None:
    answer = requests.get(nlg.url + "/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_renders_the_rasa_response_shape(nlg: RunningApp) -> None:
    answer = ask(nlg, "utter_greet")
    assert answer.status_code == 200
    assert answer.json() == {"text": "亲，您好，很高兴为您服务", "buttons": [], "image": None, "elements": [],
                             "attachments": [], "custom": {}}


def test_platform_vocabulary_is_rewritten_per_platform(nlg: RunningApp) -> None:
    assert ask(nlg, "utter_item_shipped", "pinduoduo").json()["text"] == "商品已经发货了"
    assert ask(nlg, "utter_item_shipped", "jd").json()["text"] == "商品已经发货了"
    assert ask(nlg, "utter_item_shipped", "taobao").json()["text"] == "宝贝已经发货了"


def test_platform_comes_from_metadata_when_the_slot_is_empty(nlg: RunningApp) -> None:
    body = {"response": "utter_item_shipped", "arguments": {},
            "tracker": {"sender_id": "b", "slots": {"platform": None},
                        "latest_message": {"metadata": {"platform": "tmall"}}}}
    assert requests.post(nlg.url + "/nlg", params=token_of(nlg), json=body, timeout=10).json()["text"] == "宝贝已经发货了"


def test_platform_fixed_by_the_channel_outranks_the_slot(nlg: RunningApp) -> None:
    """The buyer's words can set the slot (「我是在淘宝买的」); the channel's metadata decides."""
    body = {"response": "utter_item_shipped", "arguments": {},
            "tracker": {"sender_id": "b", "slots": {"platform": "taobao"},
                        "latest_message": {"metadata": {"platform": "pinduoduo"}}}}
    answer = requests.post(nlg.url + "/nlg", params=token_of(nlg), json=body, timeout=10).json()
    assert answer["text"] == "商品已经发货了"


def test_rendering_requires_the_shared_token(nlg: RunningApp) -> None:
    body = {"response": "utter_greet", "tracker": {"sender_id": "b"}}
    assert requests.post(nlg.url + "/nlg", json=body, timeout=10).status_code == 401
    wrong = requests.post(nlg.url + "/nlg", params={"token": "guess"}, json=body, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    assert requests.get(nlg.url + "/health", timeout=10).status_code == 200


def test_health_goes_red_when_kefu_db_is_read_only(nlg: RunningApp, settings: Settings) -> None:
    """The guard audits into kefu.db: a service that cannot write there is not healthy."""
    from tests.faults import read_only

    assert requests.get(nlg.url + "/health", timeout=10).status_code == 200
    with read_only(settings.db_path):
        health = requests.get(nlg.url + "/health", timeout=10)
        assert health.status_code == 503 and "kefu.db" in health.json()["detail"]
    assert requests.get(nlg.url + "/health", timeout=10).status_code == 200


def test_placeholders_from_arguments_then_slots(nlg: RunningApp) -> None:
    answer = ask(nlg, "utter_size", slots={"size": "M", "order_id": "202310121234567890"},
                 arguments={"size": "L"}).json()
    assert answer["text"] == "建议您选L码，订单202310121234567890已备注，{unknown}保持原样"


def test_blocked_text_and_button_titles_are_replaced(nlg: RunningApp, settings: Settings) -> None:
    from kefu.guard.enforce import audit_rows, safe_reply

    answer = ask(nlg, "utter_bad").json()
    assert answer["text"] == safe_reply()
    assert answer["buttons"] == [{"title": "商品详情", "payload": "/ask_stock"}]
    rows = audit_rows(settings)
    assert any(r["original"] == "全网最低价，加我微信" and r["source"] == "nlg:utter_bad"
               and r["conversation_id"] == "buyer-1" for r in rows)


def test_buyer_phone_in_a_slot_is_masked(nlg: RunningApp) -> None:
    answer = ask(nlg, "utter_phone", "taobao", slots={"phone": "13812345678"}).json()
    assert answer["text"] == "收件人手机138****5678"


def test_unconditioned_variations_are_all_used(nlg: RunningApp) -> None:
    texts = {ask(nlg, "utter_two").json()["text"] for _ in range(30)}
    assert texts == {"请您稍等", "我帮您查询一下"}


def test_unknown_response_is_a_clear_404(nlg: RunningApp) -> None:
    answer = ask(nlg, "utter_nope")
    assert answer.status_code == 404
    assert answer.json()["error"] == "UnknownResponse"
    assert "utter_nope" in answer.json()["message"]


def test_malformed_json_is_400_without_traceback(nlg: RunningApp) -> None:
    answer = requests.post(nlg.url + "/nlg", params=token_of(nlg), data=b"{not json", headers={"Content-Type": "application/json"},
                           timeout=10)
    assert answer.status_code == 400
    assert "Traceback" not in answer.text
    assert answer.json()["message"].startswith("malformed JSON")
    missing = requests.post(nlg.url + "/nlg", params=token_of(nlg), json={"tracker": {}}, timeout=10)
    assert missing.status_code == 400


def test_health_reports_a_missing_domain(tmp_path: Path, settings: Settings) -> None:
    with RunningApp(create_app(settings=settings, domain_path=tmp_path / "absent.yml", name="kefu_nlg_missing")) as app:
        health = requests.get(app.url + "/health", timeout=10)
        assert health.status_code == 503
        assert "absent.yml" in health.json()["detail"]
        assert ask(app, "utter_greet").status_code == 503


REAL_DOMAIN = PROJECT_ROOT / "domain.yml"


@pytest.mark.skipif(not REAL_DOMAIN.exists(), reason="domain.yml not written yet")
def test_every_real_response_passes_on_every_platform(settings: Settings) -> None:
    """Every variation of every response in the real domain passes the guard unchanged."""
    from kefu.guard import Guard
    from kefu.servers.nlg import load_responses

    failures = []
    for name, variations in load_responses(REAL_DOMAIN).items():
        for variation in variations:
            texts = [variation.get("text")] + [b.get("title") for b in variation.get("buttons") or []]
            for platform in PLATFORMS:
                for text in filter(None, texts):
                    result = Guard.for_platform(platform).check(text)
                    if not result.passed:
                        failures.append((name, platform, text, [v.as_dict() for v in result.violations]))
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
