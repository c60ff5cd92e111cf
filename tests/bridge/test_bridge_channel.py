"""The bridge channel through its real HTTP interface, in front of a stand-in for Rasa's agent.

The channel is what is under test: signature, freshness, replay and duplicate
checks, the platform taken from the signed payload, every reply guarded, and
asynchronous delivery to a real callback server with retries. Rasa's agent is
replaced by a small async function (the live test in tests/live runs the real one).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from typing import Any, Dict, Iterator, List

import pytest
from sanic import Sanic, response

from kefu.bridge.client import BridgeClient, verify_callback
from kefu.bridge.protocol import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers
from kefu.edge.texts import reply
from kefu.guard.enforce import audit_rows
from kefu.tickets.store import TicketStore
from kefu.settings import Settings
from kefu_rasa.bridge import BridgeInput
from tests.running_app import RunningApp

Sanic.test_mode = True
SECRET = "test-bridge-secret-0123456789"


class Assistant:
    """Stands in for Rasa: answers every message, remembering what it was given."""

    def __init__(self) -> None:
        self.seen: List[Any] = []

    async def __call__(self, message) -> None:
        self.seen.append(message)
        if message.text == "崩溃":
            raise RuntimeError("the agent failed")
        if "支付宝" in message.text:
            await message.output_channel.send_text_message(message.sender_id, "亲，可以用支付宝付款哦")
        elif "尺码" in message.text:
            await message.output_channel.send_text_with_buttons(
                message.sender_id, "亲，您平时穿哪个码？", [{"title": "M码", "payload": "/inform"},
                                                       {"title": "L码", "payload": "/inform"}])
        else:
            await message.output_channel.send_text_message(message.sender_id, f"亲，收到：{message.text}")


def bridge_app(settings: Settings, assistant: Assistant, name: str) -> Sanic:
    app = Sanic(name)
    channel = BridgeInput(settings)
    app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/kefu_bridge")
    app.ctx.channel = channel
    return app


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return replace(Settings(), state_dir=tmp_path, db_path=tmp_path / "kefu.db", bridge_secret=SECRET)


@pytest.fixture()
def sync_bridge(settings) -> Iterator[tuple]:
    assistant = Assistant()
    with RunningApp(bridge_app(settings, assistant, f"bridge_sync_{time.monotonic_ns()}")) as running:
        yield BridgeClient(running.url, SECRET, timeout_s=10), assistant


def message(**overrides: Any) -> Dict[str, Any]:
    body = {"platform": "douyin", "shop_id": "shop-1", "buyer_id": "小明🌸", "text": "你好", "message_id": "m-1"}
    body.update(overrides)
    return body


def test_signed_message_is_answered_with_the_platform_from_the_payload(sync_bridge):
    client, assistant = sync_bridge
    answer = client.send(**message(metadata={"product_id": "p1002", "platform": "taobao"}))
    assert answer["status"] == "answered" and answer["messages"] == [{"text": "亲，收到：你好"}]
    seen = assistant.seen[0]
    assert seen.metadata["platform"] == "douyin"          # the signed field, not metadata's
    assert seen.metadata["product_id"] == "p1002" and seen.input_channel == "kefu_bridge"
    assert seen.sender_id.startswith("bridge:b-") and "小明" not in seen.sender_id  # the bridge's namespace, hashed
    assert answer["conversation_id"] == seen.sender_id and answer["buyer_id"] == "小明🌸"


def test_every_reply_is_guarded_for_that_platform(sync_bridge, settings):
    client, _ = sync_bridge
    answer = client.send(**message(platform="pinduoduo", text="能用支付宝吗", message_id="m-pay"))
    text = answer["messages"][0]["text"]
    assert "支付宝" not in text and text
    assert any(row["source"] == "bridge" and row["platform"] == "pinduoduo" for row in audit_rows(settings))


def test_a_failure_inside_the_assistant_gives_the_holding_answer_and_a_ticket_not_a_500(sync_bridge, settings):
    client, _ = sync_bridge
    answer = client.send(**message(text="崩溃", message_id="m-crash"))
    assert answer["status"] == "held" and [m["text"] for m in answer["messages"]] == [reply("holding")]
    (ticket,) = [t for t in TicketStore(settings.db_path).queue() if t.conversation_id == answer["conversation_id"]]
    assert ticket.reason == "degraded" and "RuntimeError" in ticket.detail
    assert [line.text for line in TicketStore(settings.db_path).transcript(ticket.id)] == ["崩溃"]


def test_buttons_are_guarded_and_passed_on(sync_bridge):
    client, _ = sync_bridge
    answer = client.send(**message(text="尺码怎么选", message_id="m-size"))
    assert [b["title"] for b in answer["messages"][0]["buttons"]] == ["M码", "L码"]


def test_duplicate_message_id_is_answered_once(sync_bridge):
    client, assistant = sync_bridge
    first = client.send(**message(message_id="m-dup"))
    second = client.send(**message(message_id="m-dup"))  # a sidecar retry: new nonce, same message
    assert first["messages"] and second == {"status": "duplicate"}
    assert len(assistant.seen) == 1
    # The same id from another shop is another message.
    assert client.send(**message(message_id="m-dup", shop_id="shop-2"))["messages"]


def refusal(client: BridgeClient, body: bytes, headers: Dict[str, str]) -> tuple:
    reply = client.post(body, headers)
    return reply.status_code, reply.json().get("error")


def test_bad_signature_stale_timestamp_and_replayed_nonce_are_refused(sync_bridge):
    client, assistant = sync_bridge
    body = client.body(**message())
    good = signed_headers(SECRET, body)
    assert refusal(client, body, {**good, SIGNATURE_HEADER: "0" * 64}) == (401, "bad_signature")
    assert refusal(client, body, signed_headers("another-secret", body)) == (401, "bad_signature")
    assert refusal(client, body, signed_headers(SECRET, body, now=time.time() - 301)) == (401, "stale_timestamp")
    assert refusal(client, body, signed_headers(SECRET, body, now=time.time() + 301)) == (401, "stale_timestamp")
    assert refusal(client, body, {TIMESTAMP_HEADER: good[TIMESTAMP_HEADER]}) == (401, "missing_signature")
    tampered = body.replace(b"shop-1", b"shop-X")
    assert refusal(client, tampered, good) == (401, "bad_signature")
    assert client.post(body, good).status_code == 200
    assert refusal(client, body, good) == (401, "replayed_nonce")
    assert len(assistant.seen) == 1


@pytest.mark.parametrize("body,status,code", [
    (b"{not json", 400, "malformed_json"),
    (b"\xff\xfe", 400, "malformed_json"),
    (b"[]", 400, "invalid_payload"),
    (json.dumps(message(text="")).encode(), 400, "invalid_payload"),
    (json.dumps(message(text="啊" * 2001)).encode(), 400, "invalid_payload"),
    (json.dumps(message(platform="wechat")).encode(), 400, "invalid_payload"),
    (json.dumps(message(buyer_id="")).encode(), 400, "invalid_payload"),
    (json.dumps(message(shop_id="a\nb")).encode(), 400, "invalid_payload"),
    (json.dumps(message(metadata=["x"])).encode(), 400, "invalid_payload"),
    (b"x" * 70_000, 413, "body_too_large"),
])
def test_malformed_payloads_get_a_clear_error(sync_bridge, body, status, code):
    client, assistant = sync_bridge
    assert refusal(client, body, signed_headers(SECRET, body)) == (status, code)
    assert not assistant.seen


class CallbackReceiver:
    """A sidecar's callback endpoint: verifies kefu's signature, fails the first ``fail_first`` posts."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first, self.calls, self.received = fail_first, 0, []
        self.arrived = threading.Event()
        self.app = Sanic(f"callback_{time.monotonic_ns()}")
        self.app.add_route(self.handle, "/replies", methods=["POST"])

    async def handle(self, request):
        self.calls += 1
        if self.calls <= self.fail_first:
            return response.json({"busy": True}, status=503)
        self.received.append(verify_callback(request.headers, request.body, SECRET))
        self.arrived.set()
        return response.json({"ok": True})


def test_callback_mode_acknowledges_at_once_and_delivers_with_retries(settings):
    receiver = CallbackReceiver(fail_first=1)
    assistant = Assistant()
    with RunningApp(receiver.app) as callback:
        configured = replace(settings, bridge_callback_url=f"{callback.url}/replies")
        with RunningApp(bridge_app(configured, assistant, f"bridge_cb_{time.monotonic_ns()}")) as bridge:
            client = BridgeClient(bridge.url, SECRET, timeout_s=10)
            ack = client.send(**message(message_id="m-async", text="这件有货吗"))
            assert ack["status"] == "accepted" and ack["message_id"] == "m-async"
            assert receiver.arrived.wait(15), "reply never delivered"
            store = bridge.app.ctx.channel.store
            deadline = time.monotonic() + 5
            while store.message("douyin", "shop-1", "m-async")["delivery"] is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert store.message("douyin", "shop-1", "m-async")["delivery"] == "delivered"
    reply = receiver.received[0]
    assert receiver.calls == 2  # the first attempt got a 503 and was retried
    assert reply["in_reply_to"] == "m-async" and reply["messages"] == [{"text": "亲，收到：这件有货吗"}]
    assert (reply["platform"], reply["shop_id"], reply["buyer_id"]) == ("douyin", "shop-1", "小明🌸")


def test_generated_secret_when_none_is_configured(tmp_path):
    from kefu.bridge.protocol import bridge_secret

    settings = replace(Settings(), state_dir=tmp_path, db_path=tmp_path / "kefu.db")
    secret = bridge_secret(settings)
    assert len(secret) >= 32 and bridge_secret(settings) == secret
    assert (tmp_path / "bridge-secret").stat().st_mode & 0o077 == 0


def test_an_agents_reply_reaches_the_bridge_buyer_guarded(sync_bridge, settings):
    from kefu.bridge.push import push_to_bridge_sync

    client, _ = sync_bridge
    conversation = client.send(**message(platform="pinduoduo", message_id="m-agent"))["conversation_id"]
    receiver = CallbackReceiver()
    with RunningApp(receiver.app) as callback:
        configured = replace(settings, bridge_callback_url=f"{callback.url}/replies")
        outcome = push_to_bridge_sync(conversation, "亲，退款已处理，有问题加我微信", settings=configured)
    assert outcome == "delivered"
    [pushed] = receiver.received
    assert pushed["source"] == "agent" and pushed["in_reply_to"] is None
    assert (pushed["platform"], pushed["shop_id"], pushed["buyer_id"]) == ("pinduoduo", "shop-1", "小明🌸")
    assert pushed["messages"][0]["text"] and "微信" not in pushed["messages"][0]["text"]


def test_push_to_a_conversation_that_did_not_come_through_the_bridge(settings):
    from kefu.bridge.push import push_to_bridge_sync

    configured = replace(settings, bridge_callback_url="http://127.0.0.1:9/never")
    assert push_to_bridge_sync("web-buyer-1", "亲，您好", settings=configured) == "not a bridge conversation"


@pytest.mark.parametrize("env,fragment", [
    ({"KEFU_BRIDGE_SECRET": "short"}, "at least 16"),
    ({"KEFU_BRIDGE_CALLBACK_URL": "ftp://sidecar/replies"}, "http(s) URL"),
    ({"KEFU_BRIDGE_MAX_SKEW_S": "5"}, "30 to 3600"),
    ({"KEFU_BRIDGE_MAX_SKEW_S": "soon"}, "whole number"),
])
def test_bridge_settings_are_checked_where_all_settings_are(env, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)
