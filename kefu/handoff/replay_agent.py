"""A console agent driven by ``kefu replay``'s ``agent:`` steps, through the real console HTTP API.

``step(conversation_id, {"reply": text})`` logs in (once), claims the
conversation's ticket, sends the reply (accepting a suggested rewrite) and
returns what Rasa delivered to the buyer through the callback channel;
``{"close": outcome}`` closes the ticket and returns the hand-back message.
"""

from __future__ import annotations

import re
import time
from typing import Any, Dict, List, Optional

from kefu import httpclient

DELIVERY_WAIT_S = 10.0


class ConsoleAgent:
    def __init__(self, web_url: str, name: str, password: str, rasa_url: Optional[str] = None) -> None:
        self.web_url = web_url.rstrip("/")
        self.name = name
        self.password = password
        self.http = httpclient.session()
        self.csrf: Optional[str] = None

    def login(self) -> None:
        page = self.http.get(f"{self.web_url}/login", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if not token:
            raise RuntimeError("the login page has no CSRF token")
        response = self.http.post(
            f"{self.web_url}/login",
            data={"name": self.name, "password": self.password, "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302:
            raise RuntimeError(f"console login failed for {self.name} (HTTP {response.status_code})")
        console = self.http.get(f"{self.web_url}/console", timeout=10)
        meta = re.search(r'name="csrf-token" content="([^"]+)"', console.text)
        if not meta:
            raise RuntimeError("the console page has no CSRF token")
        self.csrf = meta.group(1)

    def _api(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        if self.csrf is None:
            self.login()
        response = self.http.request(
            method, f"{self.web_url}{path}", json=body, headers={"X-CSRF-Token": self.csrf or ""}, timeout=30
        )
        data = response.json()
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: {data.get('message')}")
        return data

    def ticket_for(self, conversation_id: str) -> Dict[str, Any]:
        for ticket in self._api("GET", "/api/tickets")["tickets"]:
            if ticket["conversation_id"] == conversation_id:
                return ticket
        raise RuntimeError(f"no open ticket for conversation {conversation_id}")

    def delivered_after(self, conversation_id: str, after: int) -> List[Dict[str, Any]]:
        return self._api("GET", f"/api/conversations/{conversation_id}/delivered?after={after}")["messages"]

    def step(self, conversation_id: str, action: Dict[str, Any]) -> List[str]:
        ticket = self.ticket_for(conversation_id)
        if ticket["status"] != "claimed" or ticket["agent"] != self.name:
            self._api("POST", f"/api/tickets/{ticket['id']}/claim", {})
        seen = self.delivered_after(conversation_id, 0)
        cursor = max((m["id"] for m in seen), default=0)
        if "reply" in action:
            self._api("POST", f"/api/tickets/{ticket['id']}/reply", {"text": action["reply"], "accept_rewrite": True})
        else:
            self._api("POST", f"/api/tickets/{ticket['id']}/close", {"outcome": str(action.get("close") or "resolved")})
        deadline = time.monotonic() + DELIVERY_WAIT_S
        while time.monotonic() < deadline:
            delivered = [m["text"] for m in self.delivered_after(conversation_id, cursor) if m.get("text")]
            if delivered:
                return delivered
            time.sleep(0.2)
        return []
