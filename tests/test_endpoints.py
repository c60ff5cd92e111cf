"""endpoints.yml and credentials.yml, read by Rasa's own reader with the environment `kefu up` sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.settings import Settings
from kefu.stack import service_environment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def rasa_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    settings = Settings.from_env({"KEFU_STATE_DIR": str(tmp_path), "KEFU_ACTION_PORT": "15055", "KEFU_WEB_PORT": "18080"})
    for key, value in service_environment(settings).items():
        if key.startswith("KEFU_"):
            monkeypatch.setenv(key, value)
    # What kefu_rasa.launch adds in Rasa's own process (never on a command line).
    from kefu.servers.auth import TOKEN_ENV, read_service_token

    monkeypatch.setenv(TOKEN_ENV, read_service_token(settings))
    return settings


def test_endpoints_expand_to_the_configured_services(rasa_env: Settings) -> None:
    from rasa.shared.utils.io import read_config_file

    endpoints = read_config_file(ROOT / "endpoints.yml")
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:15055/webhook"
    assert "nlg" not in endpoints  # every reply is sent by the actions (docs/architecture.md)
    assert endpoints["tracker_store"]["db"] == str(rasa_env.state_dir / "conversations.db")
    assert endpoints["tracker_store"]["type"] == "kefu_rasa.tracker_store.ResilientSQLTrackerStore"
    token = (rasa_env.state_dir / "service-token").read_text().strip()
    assert endpoints["action_endpoint"]["token"] == token


def test_callback_channel_posts_to_the_web_app(rasa_env: Settings) -> None:
    from rasa.shared.utils.io import read_config_file

    from kefu_rasa.channels import KefuCallbackInput, KefuRestInput

    credentials = read_config_file(ROOT / "credentials.yml")
    assert {"kefu_rasa.channels.KefuRestInput", "kefu_rasa.channels.KefuCallbackInput"} <= set(credentials)
    from kefu.handoff.web.chat import callback_url

    # The web app refuses callbacks without its shared secret, so Rasa's URL carries it.
    url = credentials["kefu_rasa.channels.KefuCallbackInput"]["url"]
    assert url == callback_url(rasa_env) and url.startswith("http://127.0.0.1:18080/chat/callback?secret=")
    # Rasa's names, so /webhooks/rest/... and /webhooks/callback/... and output_channel=callback stay.
    assert (KefuRestInput.name(), KefuCallbackInput.name()) == ("rest", "callback")


@pytest.mark.parametrize("endpoints_file", ["endpoints.yml", "endpoints.scale.yml"])
def test_rasa_builds_kefus_event_broker_and_hands_it_to_the_tracker_store(rasa_env: Settings, endpoints_file: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's own loaders (rasa.core.agent does the same): the broker of endpoints.yml, given to the tracker
    store, which publishes what it saves into the feed in kefu's database (ticket sync and reports read it)."""
    import asyncio

    from rasa.core.brokers.broker import EventBroker
    from rasa.core.tracker_store import create_tracker_store
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from kefu.feed import EventFeed
    from kefu.scale import endpoint_environment
    from kefu_rasa.event_broker import KefuEventBroker

    for key, value in endpoint_environment("postgresql://kefu:pw@db-host:5432/kefu", "redis://r:6379/1").items():
        monkeypatch.setenv(key, value)  # what `kefu scale` sets for endpoints.scale.yml
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / endpoints_file))
    broker = asyncio.run(EventBroker.create(endpoints.event_broker))
    assert isinstance(broker, KefuEventBroker)
    if endpoints_file != "endpoints.yml":
        return  # the scale file's tracker store needs PostgreSQL: tests/scale/test_event_feed_postgres.py
    store = create_tracker_store(endpoints.tracker_store, Domain.empty(), broker)
    tracker = DialogueStateTracker("buyer-wired", [])
    tracker.update(UserUttered("在吗"))
    asyncio.run(store.save(tracker))
    assert broker.flush()
    assert [e.sender_id for e in EventFeed(rasa_env.db_path).read(0)] == ["buyer-wired"]
    asyncio.run(broker.close())
