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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningApp:
    """Runs a sanic app in a thread with its own event loop; ``url`` is its base URL."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True,
                                   access_log=False)
        )
        self.loop.run_until_complete(server.startup())
        self.loop.run_until_complete(server.before_start())
        self.loop.run_until_complete(server.after_start())
        self.server = server
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> "RunningApp":
        self.thread.start()
        assert self.ready.wait(30), "NLG app did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self.server.before_stop()
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


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


def ask(nlg: RunningApp, response: str, platform: str = "pinduoduo", **extra: object) -> requests.Response:
    body = {
        "response": response,
        "arguments": extra.pop("arguments", {}),
        "tracker": {"sender_id": "buyer-1", "slots": {"platform": platform, **extra.pop("slots", {})},
                    "latest_message": {"metadata": {}}},
        "channel": {"name": "rest"},
    }
    return requests.post(nlg.url + "/nlg", json=body, timeout=10)


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
    assert requests.post(nlg.url + "/nlg", json=body, timeout=10).json()["text"] == "宝贝已经发货了"


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
    answer = requests.post(nlg.url + "/nlg", data=b"{not json", headers={"Content-Type": "application/json"},
                           timeout=10)
    assert answer.status_code == 400
    assert "Traceback" not in answer.text
    assert answer.json()["message"] == "the body must be JSON"
    missing = requests.post(nlg.url + "/nlg", json={"tracker": {}}, timeout=10)
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
