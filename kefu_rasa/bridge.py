"""The signed bridge channel: ``POST /webhooks/kefu_bridge/webhook`` for a sidecar's buyer messages.

Order of checks (as Rasa's Slack connector does, before anything else runs):
size, timestamp freshness, HMAC signature, nonce never used, payload, message id
never seen. Then the request is acknowledged at once (202) and the message runs
through Rasa in a background task; the replies, each passed through the guard
for the conversation's platform (from the signed payload), are posted to the
configured callback URL with retries (:mod:`kefu.bridge.delivery`). Without a
callback URL the bridge answers synchronously (200 with the replies), which is
what the reference client uses against ``make run``.

Nothing accepted is lost (:mod:`kefu_rasa.inbox`): the message is in the inbox
before the 202; a message id counts as a duplicate only once it was handled, so a
sidecar's retry of a message that was never answered is processed; when Rasa gives
no reply (a frozen or dead action server, a turn over :data:`TURN_TIMEOUT_S`, an
exception) the buyer gets the holding answer and a ticket; and messages a killed
Rasa had acknowledged are run again when it is back (callback mode).

Protocol, storage and delivery are plain Python in :mod:`kefu.bridge`; this
module only adapts them to Rasa's InputChannel/OutputChannel API.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from kefu.bridge.delivery import deliver
from kefu.bridge.protocol import METADATA_KEYS, BridgeRefused, InboundMessage, RatingMessage, bridge_secret, \
    parse_message, parse_rating, verify
from kefu.bridge.store import BridgeStore
from kefu.inbox.degraded import DegradedTickets
from kefu.edge.texts import reply as edge_reply
from kefu.edge.validation import MAX_MESSAGE_CHARS
from kefu.guard.enforce import guard_outgoing
from kefu.handoff.replies import reply as handoff_reply
from kefu.handoff.satisfaction import SatisfactionStore
from kefu.tickets.store import TicketError
from kefu.tickets.store import TicketStore
from kefu.inbox.store import Receipt
from kefu.settings import Settings
from kefu_rasa import inbox

logger = logging.getLogger("kefu.bridge")
CHANNEL = "kefu_bridge"
# As the REST and callback channels: the buyer waits at most this long before the holding answer.
TURN_TIMEOUT_S = 25.0


def inbox_key(inbound: InboundMessage) -> str:
    """Message ids are the sidecar's, unique per platform and shop: the inbox keys them by all three."""
    return f"{inbound.platform}/{inbound.shop_id}/{inbound.message_id}"


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
        self.inbox = inbox.inbox_for(settings)
        self.degraded = DegradedTickets(settings)
        self._tasks: Set[asyncio.Task] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bridge = Blueprint("kefu_bridge_webhook", __name__)

        @bridge.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": "callback" if self.callback_url else "sync"})

        @bridge.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                inbound, receipt = self.accept(request.headers, request.body or b"")
            except BridgeRefused as refused:
                logger.warning("bridge request refused: %s (%s)", refused.code, refused.detail)
                return response.json(refused.as_json(), status=refused.status)
            if receipt.status == "handled":
                return response.json({"status": "duplicate"}, status=200)
            if receipt.status == "in_flight":  # the first copy is being answered: no second turn
                return response.json({"status": "accepted", "message_id": inbound.message_id,
                                      "conversation_id": inbound.conversation_id}, status=202)
            if not self.callback_url:
                replies, state = await self.run(inbound, on_new_message, receipt)
                # "quiet" with no messages: the bot stays silent (a person has the conversation).
                return response.json({"status": state, **self.reply_payload(inbound, replies)}, status=200)
            self._spawn(self.run_and_deliver(inbound, on_new_message, receipt))
            return response.json({"status": "accepted", "message_id": inbound.message_id,
                                  "conversation_id": inbound.conversation_id}, status=202)

        @bridge.route("/rating", methods=["POST"])
        async def rating(request: Request) -> HTTPResponse:
            """满意度 from a bridge buyer: the answer to a ``rating_invite`` message, signed like a message."""
            try:
                rated = await inbox.in_thread(self.rate, request.headers, request.body or b"")
            except BridgeRefused as refused:
                logger.warning("bridge rating refused: %s (%s)", refused.code, refused.detail)
                return response.json(refused.as_json(), status=refused.status)
            return response.json(rated)

        if self.callback_url:  # acknowledged with 202, so a message a killed Rasa never ran is ours to run
            async def recover(row: Dict[str, Any]) -> None:
                inbound = self.inbound_from(row)
                receipt = Receipt("retry", CHANNEL, row["message_id"], row.get("state", "received"))
                await self.run_and_deliver(inbound, on_new_message, receipt)

            inbox.register_recovery(bridge, self.settings, CHANNEL, recover)
        return bridge

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- steps (plain methods, so tests and other channels can drive them) ---------------------------
    def accept(self, headers: Any, body: bytes) -> "tuple[InboundMessage, Receipt]":
        """The verified message and what the inbox says about its id; raises BridgeRefused."""
        skew = self.settings.bridge_max_skew_s
        nonce = verify(self.secret, headers, body, max_skew_s=skew)
        if not self.store.use_nonce(nonce, keep_s=2 * skew):
            raise BridgeRefused(401, "replayed_nonce", "this nonce was already used")
        inbound = parse_message(body)
        receipt = self.inbox.receive(CHANNEL, inbox_key(inbound), conversation_id=inbound.conversation_id,
                                     platform=inbound.platform, text=inbound.text, metadata=inbound.rasa_metadata())
        if not receipt.process:
            logger.info("bridge message %s from %s: %s", inbound.message_id, inbound.conversation_id, receipt.status)
            return inbound, receipt
        try:  # the bridge's own record (delivery outcomes, who a conversation belongs to)
            self.store.accept_message(inbound.platform, inbound.shop_id, inbound.message_id, inbound.conversation_id)
            self.store.remember_conversation(inbound.conversation_id, inbound.platform, inbound.shop_id,
                                             inbound.buyer_id)
        except Exception as exc:  # the inbox has the message; these rows are bookkeeping
            logger.error("bridge bookkeeping for %s failed (%s)", inbound.message_id, type(exc).__name__)
        return inbound, receipt

    def rate(self, headers: Any, body: bytes) -> Dict[str, Any]:
        """Verify (signature, freshness, nonce) and record one rating; the thanks line comes back guarded.
        Raises BridgeRefused: 401 as for messages, 400 a bad payload, 409 no open invitation for this buyer."""
        skew = self.settings.bridge_max_skew_s
        nonce = verify(self.secret, headers, body, max_skew_s=skew)
        if not self.store.use_nonce(nonce, keep_s=2 * skew):
            raise BridgeRefused(401, "replayed_nonce", "this nonce was already used")
        rating: RatingMessage = parse_rating(body)
        try:
            rated = SatisfactionStore(self.settings.db_path).rate(rating.conversation_id, rating.ticket_id,
                                                                  rating.score, rating.comment, channel="bridge")
        except TicketError as refused:  # no such invitation for this buyer, already rated, expired
            raise BridgeRefused(refused.status_code, "rating_closed", str(refused)) from None
        thanks = guard_outgoing(handoff_reply("satisfaction.thanks"), platform=rating.platform,
                                conversation_id=rating.conversation_id, source="bridge", settings=self.settings).text
        return {"status": "rated", **rated, "conversation_id": rating.conversation_id, "messages": [{"text": thanks}]}

    @staticmethod
    def inbound_from(row: Dict[str, Any]) -> InboundMessage:
        """The message again from its inbox row (recovery after a restart)."""
        metadata = json.loads(row.get("metadata") or "{}")
        return InboundMessage(str(metadata.get("message_id", "")), row["platform"], str(metadata.get("shop_id", "")),
                              str(metadata.get("buyer_id", "")), row["text"],
                              {k: str(metadata[k]) for k in METADATA_KEYS if k in metadata})

    async def run(self, inbound: InboundMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                  receipt: Optional[Receipt] = None) -> "tuple[List[Dict], str]":
        """Rasa's replies to ``inbound``, each guarded for the conversation's platform, and the inbox state.
        No reply and nobody on the way: the holding answer, and a ticket says what failed."""
        if inbound.too_long:  # the same polite length note as every channel, not 2,000 characters for the NLU
            replies = [self.guarded({"text": too_long_note()}, inbound)]
            await inbox.finish(self.settings, receipt or Receipt("new", CHANNEL, inbox_key(inbound)), "answered", replies, "")
            try:
                self.store.finish(inbound.platform, inbound.shop_id, inbound.message_id, state="answered", replies=1)
            except Exception as exc:
                logger.error("bridge bookkeeping for %s failed (%s)", inbound.message_id, type(exc).__name__)
            return replies, "answered"
        collector = BridgeOutput()
        task = asyncio.ensure_future(on_new_message(UserMessage(
            inbound.text, collector, inbound.conversation_id, input_channel=CHANNEL,
            metadata=inbound.rasa_metadata())))
        failure: Optional[str] = None
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=TURN_TIMEOUT_S)
        except asyncio.TimeoutError:
            failure = f"no reply within {TURN_TIMEOUT_S:.0f}s"
        except Exception as exc:
            logger.error("bridge message %s: processing failed (%s)", inbound.message_id, type(exc).__name__)
            failure = f"Rasa failed ({type(exc).__name__})"
        replies = [self.guarded(message, inbound) for message in collector.messages]
        replies = [reply for reply in replies if reply.get("text")]
        state = "answered"
        if not replies:
            if failure is None and await inbox.in_thread(self._waiting_for_a_person, inbound.conversation_id):
                state = "quiet"
            else:
                state = "held"
                replies = [self.guarded({"text": edge_reply("holding")}, inbound)]
                await inbox.in_thread(self.degraded.open, conversation_id=inbound.conversation_id,
                                      platform=inbound.platform, failure=failure or "Rasa returned no message",
                                      buyer_text=inbound.text)
        receipt = receipt or Receipt("new", CHANNEL, inbox_key(inbound))
        await inbox.finish(self.settings, receipt, state, replies, failure or "")
        try:
            self.store.finish(inbound.platform, inbound.shop_id, inbound.message_id, state=state, replies=len(replies))
        except Exception as exc:
            logger.error("bridge bookkeeping for %s failed (%s)", inbound.message_id, type(exc).__name__)
        return replies, state

    def _waiting_for_a_person(self, conversation_id: str) -> bool:
        try:
            return TicketStore(self.settings.db_path).active_for(conversation_id) is not None
        except Exception:  # an unreadable ticket store is a failure, not a wait
            return False

    async def run_and_deliver(self, inbound: InboundMessage,
                              on_new_message: Callable[[UserMessage], Awaitable[Any]],
                              receipt: Optional[Receipt] = None) -> None:
        replies, state = await self.run(inbound, on_new_message, receipt)
        if not replies:
            return  # a person has taken over: their replies do not come from the bot
        outcome = await deliver(str(self.callback_url), self.reply_payload(inbound, replies), self.secret)
        try:
            self.store.finish(inbound.platform, inbound.shop_id, inbound.message_id, state=state,
                              replies=len(replies), delivery=outcome)
        except Exception as exc:
            logger.error("bridge bookkeeping for %s failed (%s)", inbound.message_id, type(exc).__name__)

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
