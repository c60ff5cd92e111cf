"""The action server through its real HTTP interface: private to Rasa (issue 9 #3)."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from kefu_rasa.action_server import create_app
from kefu.servers.auth import read_service_token
from kefu.settings import Settings
from tests.faults import read_only
from tests.running_app import RunningApp


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    from dataclasses import replace

    from kefu.shop.store import load_shop

    state = tmp_path_factory.mktemp("actions-state")
    settings = replace(Settings(), state_dir=state, db_path=state / "kefu.db")
    load_shop(settings.shop_dir, settings.db_path)
    with RunningApp(create_app(settings)) as running:
        running.settings = settings
        yield running


def call(order_id: str = "202311150001") -> dict:
    return {"next_action": "action_answer", "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": "attacker", "slots": {"dialogue_state": {"order_id": order_id}}, "events": [],
                        "latest_message": {"text": "我的快递到哪了", "intent": {"name": "ask_logistics"},
                                           "entities": [], "metadata": {"platform": "pinduoduo"}}}}


def test_without_the_token_nothing_is_run_or_revealed(server: RunningApp) -> None:
    for params in ({}, {"token": ""}, {"token": "guess"}, {"token": read_service_token(server.settings) + "x"}):
        answer = requests.post(server.url + "/webhook", params=params, json=call(), timeout=10)
        assert answer.status_code == 401, params
        assert answer.json() == {"error": "unauthorized", "message": "a valid service token is required"}
    assert requests.get(server.url + "/actions", timeout=10).status_code == 401


def test_rasa_with_the_token_gets_the_action_run(server: RunningApp) -> None:
    token = read_service_token(server.settings)
    answer = requests.post(server.url + "/webhook", params={"token": token}, json=call(), timeout=30)
    assert answer.status_code == 200
    assert "events" in answer.json() and "responses" in answer.json()
    header = requests.post(server.url + "/webhook", headers={"Authorization": f"Bearer {token}"},
                           json=call(), timeout=30)
    assert header.status_code == 200


@pytest.mark.parametrize("body", [
    b"{not json", b"[]", b'{"next_action": 5}', b'{"next_action": "action_stock"}',
    b'{"next_action": "action_stock", "tracker": {"sender_id": "a", "events": "x"}}',
    b'{"next_action": "action_stock", "tracker": {"sender_id": "a", "latest_message": {"entities": "x"}}}',
    b'{"next_action": "action_stock", "tracker": {"sender_id": "a", "latest_message": {"metadata": []}}}',
    b"[" * 5000 + b"]" * 5000,
], ids=["malformed", "list", "name-type", "no-tracker", "events-type", "entities-type", "metadata-type", "deep"])
def test_malformed_calls_are_4xx_without_echoing_anything(server: RunningApp, body: bytes) -> None:
    answer = requests.post(server.url + "/webhook", params={"token": read_service_token(server.settings)},
                           data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert 400 <= answer.status_code < 500
    assert "Traceback" not in answer.text and "request_body" not in answer.text


def test_health_writes_to_kefu_db(server: RunningApp) -> None:
    assert requests.get(server.url + "/health", timeout=10).json() == {"status": "ok"}
    with read_only(server.settings.db_path):
        sick = requests.get(server.url + "/health", timeout=10)
        assert sick.status_code == 503 and "kefu.db" in sick.json()["detail"]
