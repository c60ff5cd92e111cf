"""The signed bridge channel: ``POST /webhooks/kefu_bridge/webhook`` for a sidecar's buyer messages.

Order of checks (as Rasa's Slack connector does, before anything else runs):
size, timestamp freshness, HMAC signature, nonce never used, payload, message id
never seen. Then the request is acknowledged at once (202) and the message runs
through Rasa in a background task; the replies, each passed through the guard
for the conversation's platform (from the signed payload), are posted to the
configured callback URL with retries (:mod:`kefu.bridge.delivery`). Without a
callback URL the bridge answers synchronously (200 with the replies), which is
what the reference client uses against ``make run``.

Protocol, storage and delivery are plain Python in :mod:`kefu.bridge`; this
module only adapts them to Rasa's InputChannel/OutputChannel API.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from kefu.bridge.delivery import deliver
from kefu.bridge.protocol import BridgeRefused, InboundMessage, bridge_secret, parse_message, verify
from kefu.bridge.store import BridgeStore
from kefu.edge.texts import reply as edge_reply
from kefu.edge.validation import MAX_MESSAGE_CHARS
from kefu.guard.enforce import guard_outgoing
from kefu.settings import Settings

logger = logging.getLogger("kefu.bridge")
CHANNEL = "kefu_bridge"


def too_long_note() -> str:
    return edge_reply("too_long", limit=MAX_MESSAGE_CHARS)


class BridgeOutput(CollectingOutputChannel):
    """Collects the bot's replies to one buyer message (delivered together once Rasa is done)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL


class BridgeInput(InputChannel):
    """Rasa input channel for signed sidecar messages (credentials.yml: ``kefu_rasa.bridge.BridgeInput:``)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "BridgeInput":
        return cls(Settings.from_env())

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = bridge_secret(settings)
        self.store = BridgeStore(settings.db_path)
        self.callback_url = settings.bridge_callback_url
        self._tasks: Set[asyncio.Task] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bridge = Blueprint("kefu_bridge_webhook", __name__)

        @bridge.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": "callback" if self.callback_url else "sync"})

        @bridge.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                inbound = self.accept(request.headers, request.body or b"")
            except BridgeRefused as refused:
                logger.warning("bridge request refused: %s (%s)", refused.code, refused.detail)
                return response.json(refused.as_json(), status=refused.status)
            if inbound is None:
                return response.json({"status": "duplicate"}, status=200)
            if not self.callback_url:
                replies = await self.run(inbound, on_new_message)
                record = self.store.message(inbound.platform, inbound.shop_id, inbound.message_id) or {}
                # "answered" with no messages: the bot stays silent (a person has the conversation).
                return response.json({"status": record.get("state", "answered"),
                                      **self.reply_payload(inbound, replies)}, status=200)
            task = asyncio.ensure_future(self.run_and_deliver(inbound, on_new_message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return response.json({"status": "accepted", "message_id": inbound.message_id,
                                  "conversation_id": inbound.conversation_id}, status=202)

        return bridge

    # -- steps (plain methods, so tests and other channels can drive them) ---------------------------
    def accept(self, headers: Any, body: bytes) -> Optional[InboundMessage]:
        """The verified message, or None for a duplicate message id; raises BridgeRefused."""
        skew = self.settings.bridge_max_skew_s
        nonce = verify(self.secret, headers, body, max_skew_s=skew)
        if not self.store.use_nonce(nonce, keep_s=2 * skew):
            raise BridgeRefused(401, "replayed_nonce", "this nonce was already used")
        inbound = parse_message(body)
        if not self.store.accept_message(inbound.platform, inbound.shop_id, inbound.message_id,
                                         inbound.conversation_id):
            logger.info("bridge message %s from %s already handled", inbound.message_id, inbound.conversation_id)
            return None
        self.store.remember_conversation(inbound.conversation_id, inbound.platform, inbound.shop_id, inbound.buyer_id)
        return inbound

    async def run(self, inbound: InboundMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> List[Dict]:
        """Rasa's replies to ``inbound``, each guarded for the conversation's platform."""
        if inbound.too_long:  # the same polite length note as every channel, not 2,000 characters for the NLU
            reply = self.guarded({"text": too_long_note()}, inbound)
            self.store.finish(inbound.platform, inbound.shop_id, inbound.message_id, state="answered", replies=1)
            return [reply]
        collector = BridgeOutput()
        try:
            await on_new_message(UserMessage(inbound.text, collector, inbound.conversation_id, input_channel=CHANNEL,
                                             metadata=inbound.rasa_metadata()))
        except Exception:
            logger.exception("bridge message %s: processing failed", inbound.message_id)
            self.store.finish(inbound.platform, inbound.shop_id, inbound.message_id, state="failed")
            return []
        replies = [self.guarded(message, inbound) for message in collector.messages]
        replies = [reply for reply in replies if reply.get("text")]
        self.store.finish(inbound.platform, inbound.shop_id, inbound.message_id, state="answered",
                          replies=len(replies))
        return replies

    async def run_and_deliver(self, inbound: InboundMessage,
                              on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        replies = await self.run(inbound, on_new_message)
        if not replies:
            return  # e.g. a person has taken over: their replies do not come from the bot
        outcome = await deliver(str(self.callback_url), self.reply_payload(inbound, replies), self.secret)
        self.store.finish(inbound.platform, inbound.shop_id, inbound.message_id, state="answered",
                          replies=len(replies), delivery=outcome)

    def guarded(self, message: Dict[str, Any], inbound: InboundMessage) -> Dict[str, Any]:
        """The single exit: text and button titles checked for the platform the payload named."""
        def check(text: Any) -> str:
            return guard_outgoing(str(text or ""), platform=inbound.platform, conversation_id=inbound.conversation_id,
                                  source="bridge", settings=self.settings).text

        reply: Dict[str, Any] = {"text": check(message.get("text")) if message.get("text") else ""}
        buttons = message.get("buttons") or []
        if buttons:
            reply["buttons"] = [{"title": check(b.get("title")), "payload": b.get("payload", "")} for b in buttons]
            if not reply["text"]:
                reply["text"] = "、".join(b["title"] for b in reply["buttons"])
        return reply

    def reply_payload(self, inbound: InboundMessage, replies: List[Dict[str, Any]]) -> Dict[str, Any]:
        return {"in_reply_to": inbound.message_id, "conversation_id": inbound.conversation_id,
                "platform": inbound.platform, "shop_id": inbound.shop_id, "buyer_id": inbound.buyer_id,
                "messages": replies}
