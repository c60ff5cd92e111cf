"""kefu's Rasa channels: the one entrance that validates and the one exit that guards.

``credentials.yml`` names :class:`KefuRestInput` and :class:`KefuCallbackInput`.
They keep Rasa's channel names (``rest``, ``callback``), so every client
(``kefu chat``, ``kefu replay``, the web chat, ``output_channel=callback`` pushes)
reaches them at the same ``/webhooks/<name>/webhook`` as before.

Entrance, for every buyer message, before Rasa, a store or a log sees it
(:mod:`kefu.edge.validation`): body limit, strict JSON and UTF-8, field types,
text normalised once (a leading "/" is plain text: no ``/restart`` injection),
the sender mapped to a safe conversation id, the platform fixed at the
conversation's first message (:mod:`kefu.edge.platform_store`) and written into
``metadata["platform"]`` of every message. Refusals are 4xx with a JSON error; a
message over the length limit gets a polite Chinese note.

Exit: every message Rasa hands the output channels — responses, actions, returned
``BotUttered`` events, pushes through the HTTP API, agents' replies — passes
:func:`kefu.edge.outgoing.guard_message` for the conversation's fixed platform.

Degraded mode: when Rasa produced no reply for a buyer who is not in a handoff
pause (action server down, an exception, no answer within
:data:`TURN_TIMEOUT_S`), the buyer gets the holding answer and a ticket records
what failed (:mod:`kefu.inbox.degraded`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, TypeVar

from rasa.core.channels.callback import CallbackInput, CallbackOutput
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from kefu import httpclient
from kefu.edge.identity import accepted_metadata, check_sender, is_trusted, presented_token
from kefu.edge.validation import MAX_MESSAGE_CHARS, BuyerMessage, EdgeError, parse_buyer_message, parse_json_body
from kefu.settings import Settings
from kefu_rasa import inbox

logger = logging.getLogger("kefu_rasa.channels")
T = TypeVar("T")

# A buyer waits at most this long for an answer before the holding answer goes out
# (the turn itself goes on, so nothing it stores is lost).
TURN_TIMEOUT_S = 25.0
PROBE_TIMEOUT_S = 1.5


class Edge:
    """What both channels share: settings, the platform store, degraded tickets. Built on first use."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self._settings = settings
        self._platforms: Any = None
        self._degraded: Any = None
        self._outbox: Any = None
        self._api_token: Optional[str] = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    @property
    def platforms(self) -> Any:
        if self._platforms is None:
            from kefu.edge.platform_store import ConversationPlatformStore

            self._platforms = ConversationPlatformStore(self.settings.db_path)
        return self._platforms

    @property
    def api_token(self) -> Optional[str]:
        """The shop's API token (the Rasa HTTP API token): what makes a REST/callback caller trusted."""
        if self._api_token is None:
            from kefu_rasa.launch import api_token

            self._api_token = api_token()
        return self._api_token

    @property
    def outbox(self) -> Any:
        """Agent replies waiting for REST buyers (:mod:`kefu.handoff.outbox`)."""
        if self._outbox is None:
            from kefu.handoff.outbox import Outbox

            self._outbox = Outbox(self.settings.db_path)
        return self._outbox

    @property
    def degraded(self) -> Any:
        if self._degraded is None:
            from kefu.inbox.degraded import DegradedTickets

            self._degraded = DegradedTickets(self.settings)
        return self._degraded


EDGE = Edge()


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """SQLite may wait on a lock for seconds: never on the event loop every buyer shares."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))


def _source_of(message: Dict[str, Any], channel: str) -> str:
    agent = message.get("kefu_agent")
    return f"agent:{agent}" if isinstance(agent, str) and agent else f"channel:{channel}"


class _GuardedOutput:
    """Mixed into Rasa's collecting output channels: every persisted message is guarded first."""

    edge: Edge = EDGE
    _source: str = ""
    # The conversation's platform when the input channel already fixed it for this turn: every
    # bubble of the turn is guarded for it without reading the platform store again.
    platform: Optional[str] = None

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self._source = _source_of(message, self.name())  # type: ignore[attr-defined]
        await super().send_response(recipient_id, message)  # type: ignore[misc]

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        from kefu.edge.outgoing import guard_message

        conversation_id = str(message.get("recipient_id") or "")
        edge = self.edge
        platform = self.platform or await in_thread(edge.platforms.platform_of, conversation_id)
        guarded = await in_thread(guard_message, message, platform=platform, conversation_id=conversation_id,
                                  source=self._source or f"channel:{self.name()}",  # type: ignore[attr-defined]
                                  settings=edge.settings)
        await super()._persist_message(guarded)  # type: ignore[misc]


class GuardedCollectingOutput(_GuardedOutput, CollectingOutputChannel):
    """The REST channel's collector (replies returned in the HTTP response), guarded."""

    @classmethod
    def name(cls) -> Text:
        return "rest"


class GuardedCallbackOutput(_GuardedOutput, CallbackOutput):
    """Posts each guarded message to the callback URL (the web app's /chat/callback)."""


def _error(exc: EdgeError) -> HTTPResponse:
    return response.json(exc.as_json(), status=exc.status_code)


async def _probe(url: str) -> str:
    try:
        reply = await httpclient.request_async("GET", url, timeout=PROBE_TIMEOUT_S)
        return "ok" if reply.status_code == 200 else f"HTTP {reply.status_code}"
    except Exception as exc:  # any failure to answer is what we report
        return f"down ({type(exc).__name__})"


async def describe_failure(settings: Settings, failure: Optional[str]) -> str:
    """What failed, for the ticket: the turn's own error, and which dependency does not answer."""
    actions = await _probe(f"http://{settings.host}:{settings.action_port}/health")
    parts = [failure or "Rasa returned no message", f"action server: {actions}"]
    return "; ".join(parts)


def _waiting_for_a_person(settings: Settings, conversation_id: str) -> bool:
    """An open ticket: the bot acknowledged once and now stays quiet on purpose (actions/waiting.py)."""
    from kefu.tickets.store import TicketStore

    try:
        return TicketStore(settings.db_path).active_for(conversation_id) is not None
    except Exception:  # an unreadable ticket store is a failure, not a wait
        logger.warning("tickets unreadable while checking whether %s waits for a person", conversation_id)
        return False


async def _is_paused(request: Request, conversation_id: str, settings: Settings) -> bool:
    """Quiet on purpose: a person is on the way (kefu's way), or Rasa's tracker is paused."""
    if await in_thread(_waiting_for_a_person, settings, conversation_id):
        return True
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return False
    try:
        tracker = await store.retrieve(conversation_id)
    except Exception:  # an unreadable tracker store is a failure, not a pause
        logger.warning("tracker of %s unreadable while checking for a pause", conversation_id)
        return False
    return bool(tracker is not None and tracker.is_paused())


class _KefuInput:
    """The validated entrance shared by both input channels."""

    edge: Edge = EDGE

    def name(self) -> Text:  # pragma: no cover - provided by the Rasa base class
        raise NotImplementedError

    def output_for_request(self) -> CollectingOutputChannel:
        raise NotImplementedError

    def answer(self, collector: CollectingOutputChannel) -> HTTPResponse:
        """The HTTP answer to an accepted message."""
        raise NotImplementedError

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /`` (health with store writes) and ``POST /webhook``, at ``/webhooks/<name>/``."""
        webhook = Blueprint(f"kefu_{self.name()}_webhook", __name__)
        _health_route(webhook, self.edge)
        if self.name() == "rest":  # callback senders retry themselves (kefu_rasa.inbox)
            inbox.register_recovery(webhook, self.edge.settings, self.name(), self._recover)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            outcome = await self.handle(request, on_new_message)
            return outcome if isinstance(outcome, HTTPResponse) else self.answer(outcome)

        return webhook

    async def handle(self, request: Request,
                     on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> "HTTPResponse | CollectingOutputChannel":
        """Validate, fix the platform, run the turn; an :class:`HTTPResponse` means refused."""
        edge = self.edge
        trusted = caller_is_trusted(request, edge)
        try:
            message = parse_buyer_message(parse_json_body(request.body))
            check_sender(message.conversation_id, trusted=trusted)
        except EdgeError as exc:
            return _error(exc)
        platform = await in_thread(edge.platforms.fix, message.conversation_id, message.requested_platform)
        collector = self.output_for_request()
        collector.platform = platform  # type: ignore[attr-defined]  # one resolution per turn
        if message.too_long:
            logger.info("message of %d characters from %s answered with the length note",
                        message.raw_length, message.conversation_id)
            await collector.send_response(message.conversation_id, {
                "text": _reply("too_long", limit=MAX_MESSAGE_CHARS)})
            await self._hand_out(collector, message.conversation_id)
            return collector
        metadata = {**accepted_metadata(message.metadata, trusted=trusted), "platform": platform}
        # Stored before anything is acknowledged; a retry of a handled message is not run twice.
        receipt = await inbox.receive(edge.settings, self.name(), inbox.client_message_id(message.metadata),
                                      conversation_id=message.conversation_id, platform=platform,
                                      text=message.text, metadata=metadata)
        if not receipt.process:
            return await self._duplicate(receipt, collector)
        user_message = UserMessage(message.text, collector, message.conversation_id,
                                   input_channel=self.name(), metadata=metadata)
        failure = await self._run_turn(on_new_message, user_message)
        if not collector.messages:
            if failure is None and await _is_paused(request, message.conversation_id, edge.settings):
                await self._hand_out(collector, message.conversation_id)
                await inbox.finish(edge.settings, receipt, "quiet", collector.messages)
                return collector
            await self._degrade(collector, message, platform, failure)
            await self._hand_out(collector, message.conversation_id)
            await inbox.finish(edge.settings, receipt, "held", collector.messages, failure or "")
            return collector
        await self._hand_out(collector, message.conversation_id)
        await inbox.finish(edge.settings, receipt, "answered", collector.messages)
        if edge.degraded.has_pending():  # the store is back for this turn: file what waited
            await in_thread(edge.degraded.flush)
        return collector

    async def _hand_out(self, collector: CollectingOutputChannel, conversation_id: str) -> None:
        """What a person sent this buyer since their last message, before this turn's answer
        (the REST channel only: the channel contract in docs/workbench.md)."""

    async def _duplicate(self, receipt: inbox.Receipt, collector: CollectingOutputChannel) -> CollectingOutputChannel:
        """A message id already answered (its replies again, for REST) or being answered here right now."""
        replies = receipt.replies
        if receipt.status == "in_flight" and self.name() == "rest":
            replies = await inbox.wait_handled(self.edge.settings, receipt, TURN_TIMEOUT_S + 5) or \
                [{"recipient_id": "", "text": _reply("holding")}]
        if self.name() == "rest":
            collector.messages = list(replies)
        logger.info("%s message %s is a %s; not run again", self.name(), receipt.message_id, receipt.status)
        return collector

    async def _recover(self, row: Dict[str, Any]) -> None:
        """A REST message a dead Rasa stored but never answered: its connection is gone, so the holding
        answer is kept for the client's retry and a ticket brings it to a person."""
        edge = self.edge
        holding = [{"recipient_id": row["conversation_id"], "text": _reply("holding")}]
        await in_thread(edge.degraded.open, conversation_id=row["conversation_id"], platform=row["platform"],
                        failure="Rasa stopped before answering (restarted)", buyer_text=row["text"])
        await in_thread(inbox.inbox_for(edge.settings).finish, row["channel"], row["message_id"], "held", holding,
                        "Rasa stopped before answering")

    async def _run_turn(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                        user_message: UserMessage) -> Optional[str]:
        """None when the turn finished; else what went wrong (the turn itself is never cancelled)."""
        task = asyncio.ensure_future(on_new_message(user_message))
        task.add_done_callback(_log_late_failure)
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=TURN_TIMEOUT_S)
        except asyncio.TimeoutError:
            return f"no reply within {TURN_TIMEOUT_S:.0f}s"
        except Exception as exc:  # logged without the buyer's text
            logger.error("turn of %s failed: %s", user_message.sender_id, type(exc).__name__)
            return f"Rasa failed ({type(exc).__name__})"
        return None

    async def _degrade(self, collector: CollectingOutputChannel, message: BuyerMessage, platform: str,
                       failure: Optional[str]) -> None:
        edge = self.edge
        detail = await describe_failure(edge.settings, failure)
        logger.error("no reply for %s: %s; sending the holding answer", message.conversation_id, detail)
        await collector.send_response(message.conversation_id, {"text": _reply("holding")})
        await in_thread(edge.degraded.open, conversation_id=message.conversation_id, platform=platform,
                        failure=detail, buyer_text=message.text)


def caller_is_trusted(request: Request, edge: Edge) -> bool:
    """A caller with the shop's API token may pass trusted metadata (kefu.edge.identity)."""
    return is_trusted(presented_token(request.headers, request.args), edge.api_token)


def _log_late_failure(task: "asyncio.Future[Any]") -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("a turn failed after its buyer got the holding answer: %s", type(task.exception()).__name__)


def _reply(name: str, **values: object) -> str:
    from kefu.edge.texts import reply

    return reply(name, **values)


def _health_route(blueprint: Blueprint, edge: Edge) -> None:
    """``GET /webhooks/<name>/``: 200 only when both stores take a write (the supervisor's check)."""

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        import os

        from kefu.servers.health import probe_write

        stores = {"kefu.db": edge.settings.db_path}
        tracker_db = os.environ.get("KEFU_TRACKER_DB")
        if tracker_db:
            stores["conversations.db"] = tracker_db
        problems = [p for p in await asyncio.gather(
            *(in_thread(probe_write, path, "rasa") for path in stores.values())) if p]
        inbox_problem = inbox.inbox_for(edge.settings).degraded  # a full disk, writes kept in memory
        if inbox_problem:
            problems.append(inbox_problem)
        if problems:
            return response.json({"status": "degraded", "detail": "; ".join(problems)}, status=503)
        return response.json({"status": "ok"})


class KefuRestInput(_KefuInput, RestInput):
    """REST: the replies come back in the HTTP response (``kefu chat``, ``kefu replay``, curl)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def output_for_request(self) -> CollectingOutputChannel:
        return GuardedCollectingOutput()

    def get_output_channel(self) -> Optional[CollectingOutputChannel]:
        return GuardedCollectingOutput()

    def answer(self, collector: CollectingOutputChannel) -> HTTPResponse:
        return response.json(collector.messages)

    async def _hand_out(self, collector: CollectingOutputChannel, conversation_id: str) -> None:
        """Agent replies queued for this conversation (:mod:`kefu.handoff.outbox`), each once, oldest first,
        ahead of the bot's answer; stored with the answer, so a retry of the same message gets them again."""
        try:
            waiting = await in_thread(self.edge.outbox.take, conversation_id)
        except Exception as exc:  # the queue keeps them for the next message
            logger.warning("agent replies for %s not handed out now (%s)", conversation_id, type(exc).__name__)
            return
        collector.messages[:0] = waiting


class KefuCallbackInput(_KefuInput, CallbackInput):
    """Callback: replies are POSTed to the web app, which also pushes agents' replies through here."""

    @classmethod
    def name(cls) -> Text:
        return "callback"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from rasa.utils.endpoints import EndpointConfig

        return cls(EndpointConfig.from_dict(credentials or {}))

    def output_for_request(self) -> CollectingOutputChannel:
        return GuardedCallbackOutput(self.callback_endpoint)

    def get_output_channel(self) -> CollectingOutputChannel:
        return GuardedCallbackOutput(self.callback_endpoint)

    def answer(self, collector: CollectingOutputChannel) -> HTTPResponse:
        return response.text("success")  # the messages went to the callback URL


__all__: List[str] = ["KefuRestInput", "KefuCallbackInput", "GuardedCollectingOutput", "GuardedCallbackOutput"]
