"""The few Rasa HTTP API calls the console and web chat make.

- read a conversation's tracker (tools and tests; ticket sync follows the event feed, kefu/handoff/sync.py),
- push an agent's reply as a bot event through the ``callback`` output channel
  (the REST channel cannot receive pushes; Rasa POSTs the message to the web
  app's ``/chat/callback``),
- record an image or card an agent sent (tracker only),
- resume the bot,
- forward a web-chat buyer message to the callback input channel.

The API token comes from the file ``kefu up`` generates (``Settings.token_file``)
and is sent as ``?token=``; it is never logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

from kefu import httpclient

TIMEOUT_S = 10.0


class RasaError(Exception):
    """Rasa could not be reached or refused the call (HTTP 502 for the console)."""

    status_code = 502


class RasaClient:
    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = httpclient.session()

    @classmethod
    def from_settings(cls, settings: Any) -> "RasaClient":
        token_file: Path = settings.token_file
        token = token_file.read_text().strip() if token_file.exists() else None
        return cls(settings.rasa_url, token)

    def _params(self, **extra: str) -> Dict[str, str]:
        return {**({"token": self.token} if self.token else {}), **extra}

    def _call(self, method: str, path: str, **kwargs: Any) -> httpclient.Response:
        try:
            response = self.http.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        except httpclient.HttpError as exc:
            raise RasaError(f"Rasa is not reachable ({type(exc).__name__})") from None
        if response.status_code >= 400:
            raise RasaError(f"Rasa answered HTTP {response.status_code} to {method} {path.split('?')[0]}")
        return response

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        path = f"/conversations/{quote(conversation_id, safe='')}/tracker"
        return self._call("GET", path, params=self._params(include_events="ALL")).json()

    def events(self, conversation_id: str) -> List[Mapping[str, Any]]:
        return list(self.tracker(conversation_id).get("events") or [])

    def push_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> Dict[str, Any]:
        """Append events; bot events are sent to the buyer through the callback channel."""
        path = f"/conversations/{quote(conversation_id, safe='')}/tracker/events"
        params = self._params(execute_side_effects="true", output_channel="callback")
        return self._call("POST", path, params=params, json=events).json()

    def push_agent_reply(self, conversation_id: str, text: str, agent: str) -> None:
        self.push_events(conversation_id, [{"event": "bot", "text": text, "metadata": {"kefu_agent": agent}}])

    def record_agent_message(self, conversation_id: str, text: str, agent: str,
                             custom: Optional[Mapping[str, Any]] = None) -> None:
        """An image or card an agent sent, into the tracker only (no output channel is called: the web app
        delivers rich messages itself, and a text-only callback would show the buyer a second line)."""
        event: Dict[str, Any] = {"event": "bot", "text": text, "metadata": {"kefu_agent": agent}}
        if custom:
            event["data"] = {"custom": dict(custom)}
        path = f"/conversations/{quote(conversation_id, safe='')}/tracker/events"
        self._call("POST", path, params=self._params(execute_side_effects="false"), json=[event])

    def resume(self, conversation_id: str, handback_text: Optional[str] = None,
               then: Sequence[Tuple[str, str]] = ()) -> None:
        """Resume the bot so that the buyer's next message is handled as a fresh turn.

        While paused, Rasa logged the buyer's messages without running any action, so
        the tracker ends on user turns nobody answered. The ``action_listen`` marks
        them as handled: the next message is predicted from a normal
        "bot listened, buyer spoke" state and the dialogue rules apply again.
        """
        events: List[Dict[str, Any]] = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        if handback_text:
            events.append({"event": "bot", "text": handback_text, "metadata": {"kefu_agent": "handback"}})
        # ``then``: (text, source) sent right after, in the same push (the 满意度 invitation).
        events += [{"event": "bot", "text": text, "metadata": {"kefu_agent": source}} for text, source in then]
        self.push_events(conversation_id, events)

    def send_buyer_message(self, conversation_id: str, text: str, metadata: Mapping[str, Any]) -> None:
        """Forward a web-chat message to the callback input channel (answers arrive at /chat/callback)."""
        payload = {"sender": conversation_id, "message": text, "metadata": dict(metadata)}
        # With the token: the web chat's ``web-…`` ids are the web app's alone (kefu.edge.identity).
        self._call("POST", "/webhooks/callback/webhook", params=self._params(), json=payload)
