"""The web chat's inbox: a buyer's message is stored, acknowledged, and delivered to Rasa until it arrives.

``/chat/send`` used to forward the message and answer 503 「消息已保存…请稍后再发一次」
when Rasa did not answer, while the message was saved nowhere the shop could see. Now:

1. :meth:`WebChatInbox.accept` stores it in the inbox (channel ``webchat``; in memory
   when the disk refuses it) and the chat log, then tries one delivery;
2. a delivery goes to Rasa's callback channel with ``metadata.message_id`` =
   ``webchat-<id>``, so Rasa's own inbox answers a repeated delivery once
   (:mod:`kefu_rasa.inbox`); the replies reach the page through ``/chat/callback``;
3. when Rasa does not answer (down, restarting, frozen: its channel health does not
   answer within :data:`PROBE_TIMEOUT_S`), the buyer gets the holding answer once per
   outage, a ``degraded`` ticket holds the message for the shop, and the message waits
   (state ``waiting``); :meth:`WebChatInbox.run` delivers waiting messages in order
   every few seconds until Rasa takes them;
4. a message delivered after an outage is answered by the bot: the outage ticket, if no
   agent claimed it, is closed first (outcome ``bot_recovered``), so the bot is not held
   quiet by a ticket that only said "Rasa was down". A claimed ticket stays with its agent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable, Dict, List, Mapping, Optional

from kefu import httpclient

from kefu.inbox.degraded import REASON as DEGRADED, DegradedTickets
from kefu.tickets.store import TicketStore
from kefu.inbox.memory import Retrier
from kefu.inbox.store import Inbox, Receipt
from kefu.settings import Settings

logger = logging.getLogger("kefu.inbox")
CHANNEL = "webchat"
PROBE_TIMEOUT_S = 2.0
DELIVERY_TIMEOUT_S = 45.0  # Rasa answers within its own turn timeout (25 s) plus the holding answer
RETRY_S = 2.0
OUTAGE_DETAIL = "Rasa 未响应"  # the start of an outage ticket's detail: how it is recognised
RECOVERED = "bot_recovered"


class WebChatInbox:
    """Accept, deliver, hold, redeliver: the web chat's half of "no accepted message is lost"."""

    def __init__(self, settings: Settings, *, chat: Any, tickets: TicketStore, holding: Callable[[str], str],
                 inbox: Optional[Inbox] = None) -> None:
        self.settings = settings
        self.inbox = inbox or Inbox(settings.db_path, state_dir=settings.state_dir)
        self.chat = chat
        self.tickets = tickets
        self.holding = holding  # conversation id -> the guarded holding answer for its platform
        self.degraded = DegradedTickets(settings, tickets)
        self.lines = Retrier("webchat-lines")  # chat-log lines the disk refused, written later
        self.http = httpclient.session()
        self._held: Dict[str, float] = {}  # conversation -> when its buyer got the holding answer (this outage)

    # -- the request path -------------------------------------------------------------------------
    def accept(self, conversation_id: str, text: str, metadata: Mapping[str, Any]) -> Receipt:
        """Store the message (inbox and chat log) before anything is acknowledged."""
        platform = str(metadata.get("platform") or "")
        receipt = self.inbox.receive(CHANNEL, None, conversation_id=conversation_id, platform=platform,
                                     text=text, metadata=dict(metadata))
        self.add_line(conversation_id, "buyer", text)
        return receipt

    def add_line(self, conversation_id: str, sender: str, text: str) -> None:
        """A line for the buyer's page; kept in memory and written later when the disk refuses it."""
        self.lines.run(f"{sender} line for {conversation_id}",
                       lambda: self.chat.add(conversation_id, sender, text))

    def deliver_now(self, receipt: Receipt) -> str:
        """One delivery attempt for a new message; returns its inbox state (``answered`` or ``waiting``)."""
        row = self.inbox.message(CHANNEL, receipt.message_id) or {}
        conversation = str(row.get("conversation_id", ""))
        earlier = [r for r in self._waiting() if r["conversation_id"] == conversation
                   and r["message_id"] != receipt.message_id]
        if earlier:  # keep the buyer's order: this one waits behind the earlier ones
            self._hold(row, "earlier messages of this conversation are still waiting for Rasa")
            return "waiting"
        return self._deliver(row)

    # -- the background loop ----------------------------------------------------------------------
    async def run(self, interval_s: float = RETRY_S) -> None:
        """Deliver waiting messages, oldest first, until the web app stops."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.deliver_waiting)
            except Exception:  # never let the loop die: log it, try again next round
                logger.exception("web chat redelivery round failed")

    def deliver_waiting(self) -> int:
        """One round: deliver waiting messages in order; stop at the first Rasa does not take."""
        self.lines.flush()
        delivered = 0
        stuck = set()
        for row in self._waiting():
            if row["conversation_id"] in stuck:
                continue
            if not self.inbox.claim(CHANNEL, row["message_id"]):
                continue
            if self._deliver(row, claimed=True) == "answered":
                delivered += 1
            else:
                stuck.add(row["conversation_id"])
                break  # Rasa is still away: the rest waits for the next round
        return delivered

    # -- steps --------------------------------------------------------------------------------------
    def _waiting(self) -> List[Dict[str, Any]]:
        return self.inbox.unhandled(CHANNEL)

    def _deliver(self, row: Dict[str, Any], claimed: bool = False) -> str:
        message_id = str(row.get("message_id", ""))
        problem = self._rasa_problem()
        if problem is None:
            if row.get("state") == "waiting":
                self._close_outage_ticket(str(row["conversation_id"]))
            metadata = {**json.loads(row.get("metadata") or "{}"), "message_id": f"{CHANNEL}-{message_id}"}
            payload = {"sender": row["conversation_id"], "message": row["text"], "metadata": metadata}
            try:
                # With the shop's API token: ``web-…`` ids are the web app's alone (kefu.edge.identity).
                answer = self.http.post(f"{self.settings.rasa_url}/webhooks/callback/webhook", json=payload,
                                        params=self._token_param(), timeout=DELIVERY_TIMEOUT_S)
                problem = None if answer.status_code < 400 else f"Rasa answered HTTP {answer.status_code}"
            except httpclient.HttpError as exc:
                problem = f"Rasa not reachable ({type(exc).__name__})"
        if problem is None:
            self.inbox.finish(CHANNEL, message_id, "answered")
            self._held.pop(str(row["conversation_id"]), None)
            return "answered"
        self._hold(row, problem)
        return "waiting"

    def _hold(self, row: Dict[str, Any], problem: str) -> None:
        """The holding answer (once per outage and conversation) and the message on a ticket; it waits."""
        conversation = str(row["conversation_id"])
        first = row.get("state") != "waiting"
        if first:
            if conversation not in self._held:
                self.add_line(conversation, "bot", self.holding(conversation))
                self._held[conversation] = time.time()
            self.degraded.open(conversation_id=conversation, platform=str(row.get("platform") or "pinduoduo"),
                               failure=f"{OUTAGE_DETAIL}: {problem}", buyer_text=str(row.get("text", "")))
            logger.warning("web chat message %s of %s waits for Rasa: %s", row.get("message_id"), conversation, problem)
        self.inbox.finish(CHANNEL, str(row["message_id"]), "waiting", detail=problem)

    def _token_param(self) -> Dict[str, str]:
        """``?token=`` from the file ``kefu up`` writes (read each time: it may appear after start-up)."""
        try:
            token = self.settings.token_file.read_text().strip()
        except OSError:
            return {}
        return {"token": token} if token else {}

    def _rasa_problem(self) -> Optional[str]:
        try:
            status = self.http.get(f"{self.settings.rasa_url}/webhooks/callback/", timeout=PROBE_TIMEOUT_S).status_code
        except httpclient.HttpError as exc:
            return f"Rasa not reachable ({type(exc).__name__})"
        # 503 = Rasa answers but a store is degraded: it still takes messages (and keeps them in memory)
        return None if status in (200, 503) else f"Rasa channel health HTTP {status}"

    def _close_outage_ticket(self, conversation_id: str) -> None:
        """Rasa is back: an unclaimed ticket opened only because Rasa was away is closed, the bot answers."""
        try:
            ticket = self.tickets.active_for(conversation_id)
            if ticket is not None and ticket.reason == DEGRADED and ticket.status == "open" \
                    and (ticket.detail or "").startswith(f"没有自动回复：{OUTAGE_DETAIL}"):
                self.tickets.close_unclaimed(ticket.id, RECOVERED)
                logger.info("ticket %s closed: Rasa is back and answers %s", ticket.id, conversation_id)
        except Exception:  # the ticket stays open: a person answers instead of the bot, nothing is lost
            logger.exception("could not close the outage ticket of %s", conversation_id)
