"""Every outgoing path through kefu's output channels is guarded (issue 10 "one guarded exit").

The channels are Rasa's own collecting output channels with kefu's guard mixed in;
here they get the messages Rasa hands them (responses, BotUttered events, pushes),
through Rasa's ``send_response``, and what they deliver is checked.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from aiohttp import web

from kefu.guard.enforce import audit_rows, safe_reply
from kefu.settings import Settings
from kefu_rasa.channels import Edge, GuardedCallbackOutput, GuardedCollectingOutput

BAD = "加我微信领优惠"  # off-platform contact: never reaches a buyer on any platform


def deliver(settings: Settings, message: Dict[str, Any], platform: str = "pinduoduo") -> List[Dict[str, Any]]:
    edge = Edge(settings)
    edge.platforms.fix("buyer-1", platform)
    channel = GuardedCollectingOutput()
    channel.edge = edge
    asyncio.run(channel.send_response("buyer-1", dict(message)))
    return channel.messages


def every_string(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in every_string(v)]
    if isinstance(value, list):
        return [s for v in value for s in every_string(v)]
    return []


@pytest.mark.parametrize("message", [
    {"text": BAD},
    {"text": "请选择", "buttons": [{"title": BAD, "payload": "/affirm"}, {"title": "好的", "payload": BAD}]},
    {"text": "请选择", "quick_replies": [{"title": BAD, "payload": "/deny"}]},
    {"text": "推荐", "elements": [{"title": BAD, "subtitle": "宝贝", "buttons": [{"title": BAD, "payload": "/x"}]}]},
    {"custom": {"card": {"title": BAD, "lines": [BAD, {"note": BAD}]}, "count": 3}},
    {"attachment": {"caption": BAD, "url": "https://example.invalid/a.jpg"}},
    {"attachment": BAD},
    {"image": {"alt": BAD, "url": "https://example.invalid/a.jpg"}},
], ids=["text", "buttons", "quick_replies", "elements", "custom", "attachment_caption", "attachment_text",
        "image_alt"])
def test_no_field_carries_forbidden_text_to_the_buyer(settings: Settings, message: Dict[str, Any]) -> None:
    delivered = deliver(settings, message)
    assert delivered, "the message was dropped instead of guarded"
    strings = every_string(delivered)
    assert not any("微信" in s for s in strings), delivered
    assert safe_reply() in strings or all("加我" not in s for s in strings)


def test_intent_payloads_and_urls_pass_unchanged(settings: Settings) -> None:
    delivered = deliver(settings, {"text": "请选择", "buttons": [{"title": "要", "payload": "/affirm"}],
                                   "image": "https://example.invalid/taobao.jpg"})
    assert delivered[0]["buttons"] == [{"title": "要", "payload": "/affirm"}]
    assert delivered[1]["image"] == "https://example.invalid/taobao.jpg"


def test_the_conversations_fixed_platform_decides_and_agents_are_audited(settings: Settings) -> None:
    """宝贝 is Taobao's word and forbidden on Pinduoduo; an agent's reply is audited under its name."""
    agent_reply = {"text": "这款宝贝有现货", "kefu_agent": "xiaoli"}
    assert deliver(settings, agent_reply, "taobao")[0]["text"] == "这款宝贝有现货"
    edge = Edge(settings)
    edge.platforms.fix("buyer-pdd", "pinduoduo")
    channel = GuardedCollectingOutput()
    channel.edge = edge
    asyncio.run(channel.send_response("buyer-pdd", dict(agent_reply)))
    assert channel.messages[0]["text"] == "这款商品有现货"
    row = audit_rows(settings, limit=1)[0]
    assert (row["conversation_id"], row["source"], row["platform"]) == ("buyer-pdd", "agent:xiaoli", "pinduoduo")


def test_the_callback_channel_posts_only_guarded_text(settings: Settings) -> None:
    """Through a real HTTP receiver, as the web app gets Rasa's pushes."""
    from rasa.utils.endpoints import EndpointConfig

    received: List[Dict[str, Any]] = []

    async def run() -> None:
        async def callback(request: web.Request) -> web.Response:
            received.append(await request.json())
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/chat/callback", callback)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        edge = Edge(settings)
        edge.platforms.fix("buyer-cb", "jd")
        channel = GuardedCallbackOutput(EndpointConfig(f"http://127.0.0.1:{port}/chat/callback"))
        channel.edge = edge
        await channel.send_response("buyer-cb", {"text": BAD, "buttons": [{"title": "最低价", "payload": "/x"}]})
        await runner.cleanup()

    asyncio.run(run())
    assert len(received) == 1
    assert "微信" not in received[0]["text"] and "最低价" not in received[0]["buttons"][0]["title"]
