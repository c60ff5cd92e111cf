"""kefu_rasa.patches: Rasa accepts and rejects action-server responses exactly as before.

Each response is validated twice, by Rasa's original method (kept in
``patches.ORIGINALS``) and by the patched one; both must accept the same
responses and reject the same ones with the same error (type, message, path).
A real action server (aiohttp on loopback) then drives ``RemoteAction.run``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

import pytest

pytest.importorskip("rasa")

from jsonschema import ValidationError  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.shared.exceptions import RasaException  # noqa: E402

from kefu_rasa import patches  # noqa: E402

VALID_ACTION_RESPONSES = [
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot", "name": "color", "value": "黑色", "timestamp": None}]},
    {"events": [{"event": "slot", "name": "size", "value": None}, {"event": "active_loop", "name": None}],
     "responses": [{"template": "utter_greet"}, {"text": "亲，在的"}]},
    {"events": [{"event": "followup", "name": "action_handoff"}, {"event": "pause"},
                {"event": "bot", "text": "已为您转接人工客服", "data": {}, "metadata": {}}]},
    {"events": [{"event": "reminder", "intent": "x", "entities": [], "date_time": "2026-12-01T10:00:00",
                 "name": "r", "kill_on_user_message": True}]},
]

INVALID_ACTION_RESPONSES = [
    {"events": "SlotSet(color)"},                         # events is not a list
    {"events": [{"name": "color", "value": "黑色"}]},       # an event without its type
    {"events": [{"event": "slot", "value": "黑色"}]},       # a slot event without a slot name
    {"events": [{"event": "made_up_event"}]},             # an unknown event type
    {"responses": "亲，在的"},                              # responses is not a list
    {"responses": ["亲，在的"]},                            # a response that is not an object
    {"events": [{"event": "user", "text": 42}]},          # a user event whose text is a number
    [],                                                    # not an object at all
]


@pytest.fixture
def patched() -> Iterator[None]:
    patches.apply_all()
    try:
        yield
    finally:
        patches.revert_all()


def _outcome(validate: Any, *args: Any) -> Tuple[str, Optional[str], Optional[list], Optional[list]]:
    try:
        validate(*args)
    except ValidationError as e:
        return type(e).__name__, e.message, list(e.path), list(e.schema_path)
    except RasaException as e:
        return type(e).__name__, str(e), None, None
    return "accepted", None, None, None


def _patched_then_original(validator: Callable[[], Any], instance: Any) -> Tuple[tuple, tuple]:
    """The outcome with the patches applied, then with Rasa's own method (looked up each time)."""
    patches.apply_all()
    try:
        after = _outcome(validator(), instance)
    finally:
        patches.revert_all()
    return after, _outcome(validator(), instance)


@pytest.mark.parametrize("response", VALID_ACTION_RESPONSES + INVALID_ACTION_RESPONSES,
                         ids=lambda r: json.dumps(r, ensure_ascii=False)[:60])
def test_action_response_validation_is_unchanged(response: Any) -> None:
    action = RemoteAction("action_check_stock", None)
    after, before = _patched_then_original(lambda: action._validate_action_result, response)
    assert after == before
    expected = "accepted" if response in VALID_ACTION_RESPONSES else "ValidationError"
    assert after[0] == expected
    if expected == "ValidationError":
        assert "Failed to validate Action server response from API" in after[1]


def test_apply_all_is_idempotent_and_reverts(patched: None) -> None:
    patches.apply_all()
    assert patches.applied() == list(patches.PATCHES)
    assert RemoteAction._validate_action_result is patches._validate_action_result
    patches.revert_all()
    assert RemoteAction._validate_action_result is patches.ORIGINALS["action"]


def test_remote_action_against_a_real_server(patched: None) -> None:
    """RemoteAction.run over HTTP: a valid reply becomes events, an invalid one is refused."""
    from aiohttp import web
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    replies: Dict[str, Any] = {
        "good": {"events": [{"event": "slot", "name": "color", "value": "黑色"}], "responses": []},
        "bad": {"events": [{"event": "slot", "value": "黑色"}]},
    }

    async def handler(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(replies[body["next_action"].split("_")[-1]])

    async def scenario() -> Tuple[list, Optional[Exception]]:
        app = web.Application()
        app.router.add_post("/webhook", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        domain = Domain.from_yaml("slots:\n  color:\n    type: text\n    mappings: [{type: custom}]\n")
        tracker = DialogueStateTracker("buyer-1", domain.slots)
        nlg = TemplatedNaturalLanguageGenerator(domain.responses)
        try:
            events = await RemoteAction("action_good", endpoint).run(
                CollectingOutputChannel(), nlg, tracker, domain)
            error: Optional[Exception] = None
            try:
                await RemoteAction("action_bad", endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                error = exc
        finally:
            await runner.cleanup()
        return events, error

    events, error = asyncio.run(scenario())
    assert events == [SlotSet("color", "黑色")]
    assert isinstance(error, ValidationError)
    assert error.message.startswith("{'event': 'slot', 'value': '黑色'} is not valid under any of the given schemas")


OTHER_RASA_VERSIONS = ["3.6.20", "3.6.22", "3.6.21rc1", "3.7.0", "3.10.21", "4.0.0"]


def test_the_pinned_rasa_is_the_one_installed_and_the_one_the_patches_were_written_for() -> None:
    """Fails on any other installed Rasa: the patches are re-checked before the pin moves."""
    import rasa

    from kefu.settings import PROJECT_ROOT

    pins = [line.strip() for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines()]
    assert f"rasa=={patches.RASA_VERSION}" in pins
    assert rasa.__version__ == patches.RASA_VERSION == "3.6.21"


@pytest.mark.parametrize("name", list(patches.PATCHES))
def test_each_patch_replaces_exactly_the_code_it_was_written_against(name: str) -> None:
    """Each patched or re-implemented function has, in the installed Rasa (and jsonschema), the very source
    the patch was written against: a change there, even within one version, fails here and at start-up."""
    found = {target: patches.source_hash(target) for target, _ in patches.PATCHES[name].replaces}
    assert found == dict(patches.PATCHES[name].replaces)
    patches.check(name, patches.PATCHES[name])


@pytest.mark.parametrize("version", OTHER_RASA_VERSIONS)
@pytest.mark.parametrize("name", list(patches.PATCHES))
def test_each_patch_refuses_any_other_rasa_version(name: str, version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa

    monkeypatch.setattr(rasa, "__version__", version)
    with pytest.raises(RuntimeError, match=f"patch '{name}' was written for Rasa 3.6.21, found {version}"):
        patches.check(name, patches.PATCHES[name])
    with pytest.raises(RuntimeError):
        patches.apply_all()
    assert patches.applied() == []  # nothing half-applied
    assert RemoteAction._validate_action_result is not patches._validate_action_result


def test_a_patch_refuses_a_changed_function_of_the_same_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.shared.core.events import Event

    def resolve_by_type(type_name: str, default: Any = None) -> Any:  # an edited Rasa, same version string
        return None

    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(resolve_by_type))
    with pytest.raises(RuntimeError, match="Event.resolve_by_type is not the code it was written for"):
        patches.apply_all()
    assert patches.applied() == []


def test_rasas_own_sql_tracker_store_is_no_longer_patched(tmp_path: Any, patched: None) -> None:
    """The pooled SQLite connection is kefu's tracker store's (tests/edge/test_tracker_store.py), not a patch."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "plain.db"))
    assert isinstance(store.engine.pool, sa.pool.NullPool)  # SQLAlchemy 1.4's default for a file, as Rasa has it


def test_event_type_lookup_resolves_exactly_as_rasa() -> None:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event, SlotSet

    names = sorted({cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)})
    assert {"user", "bot", "slot", "action", "session_started", "active_loop"} <= set(names)
    cases = [(name, None) for name in names] + [("topic", None), ("no_such_event", SlotSet)]
    before = [Event.resolve_by_type(name, default) for name, default in cases]
    patches.apply_all()
    try:
        after = [Event.resolve_by_type(name, default) for name, default in cases]
        with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
            Event.resolve_by_type("no_such_event")
    finally:
        patches.revert_all()
    assert after == before
    # and a stored tracker's events deserialise to the same objects
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    dumped = [e.as_dict() for e in (UserUttered("有货吗"), ActionExecuted("action_stock"), BotUttered("亲，有现货"),
                                    SlotSet("color", "黑色"))]
    original = [Event.from_parameters(d) for d in dumped]
    patches.apply_all()
    try:
        assert [Event.from_parameters(d) for d in dumped] == original
    finally:
        patches.revert_all()
