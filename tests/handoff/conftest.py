"""Fixtures for the handoff tests: a fake Rasa HTTP server and the real web app in a subprocess.

The fake Rasa is a test double of a *dependency* (Rasa's HTTP API): it serves
trackers, records pushed events, and, like Rasa's callback channel, POSTs bot
messages to the web app's ``/chat/callback``. The web app itself runs exactly
as ``kefu up`` starts it (``kefu serve web``), on a free localhost port.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests

from kefu.settings import PROJECT_ROOT, Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeRasa:
    """Records what the web app asks of Rasa; answers like Rasa's HTTP API and callback channel."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.trackers: Dict[str, List[Dict[str, Any]]] = {}
        self.pushed: List[Dict[str, Any]] = []
        self.forwarded: List[Dict[str, Any]] = []
        self.callback_url: str = ""
        self.rest: List[Dict[str, Any]] = []
        self.rest_answer = "亲，加绒连帽卫衣黑色L码有货，现在下单今天就能发出哦。"
        self.port = free_port()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/webhooks/callback/":  # the channel's health, as kefu's channels answer it
                    return self._reply(200, {"status": "ok"})
                match = re.fullmatch(r"/conversations/(.+)/tracker", url.path)
                if not match or parse_qs(url.query).get("token") != [fake.token]:
                    return self._reply(401 if match else 404, {"error": "no"})
                conv = unquote(match.group(1))
                self._reply(200, {"sender_id": conv, "slots": {}, "events": fake.trackers.get(conv, [])})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                match = re.fullmatch(r"/conversations/(.+)/tracker/events", url.path)
                if match:
                    query = parse_qs(url.query)
                    if query.get("token") != [fake.token]:
                        return self._reply(401, {"error": "token"})
                    conv = unquote(match.group(1))
                    events = body if isinstance(body, list) else [body]
                    fake.pushed.append({"conversation_id": conv, "events": events, "query": query})
                    for event in events:
                        fake.trackers.setdefault(conv, []).append({**event, "timestamp": time.time()})
                        if event.get("event") == "bot" and query.get("output_channel") == ["callback"]:
                            requests.post(fake.callback_url, json={"recipient_id": conv, "text": event["text"]}, timeout=5)
                    return self._reply(200, {"sender_id": conv})
                if url.path == "/webhooks/rest/webhook":  # REST buyers (agent-assist no longer calls it)
                    fake.rest.append(body)
                    return self._reply(200, [{"recipient_id": body["sender"], "text": fake.rest_answer}])
                if url.path == "/webhooks/callback/webhook":
                    fake.forwarded.append(body)
                    conv = body["sender"]
                    fake.trackers.setdefault(conv, []).append(
                        {"event": "user", "text": body["message"], "timestamp": time.time(), "parse_data": {}}
                    )
                    requests.post(fake.callback_url, json={"recipient_id": conv, "text": "亲，您好，请问有什么可以帮您？"}, timeout=5)
                    return self._reply(200, {"ok": True})
                self._reply(404, {"error": "unknown"})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeRasa":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def web_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    """The web app (`kefu serve web`) against a fake Rasa, with its own state folder."""
    yield from started_web_app(tmp_path_factory.mktemp("handoff-web"))


def started_web_app(state: Path, extra_env: "Dict[str, str] | None" = None) -> Iterator[Dict[str, Any]]:
    """Start `kefu serve web` on ``state`` (with ``extra_env``, e.g. a bridge callback URL); yield its env."""
    token = "test-token-" + os.urandom(6).hex()
    (state / "rasa-api-token").write_text(token + "\n")
    fake = FakeRasa(token).start()
    settings = replace(
        Settings.from_env({}), state_dir=state, db_path=state / "kefu.db", rasa_port=fake.port, web_port=free_port()
    )
    from kefu.handoff.web.chat import callback_url

    # As kefu up does: Rasa's callback URL carries the web app's shared secret (generated here first).
    fake.callback_url = callback_url(settings)
    env = dict(os.environ)
    env.update(
        KEFU_STATE_DIR=str(state),
        KEFU_DB_PATH=str(settings.db_path),
        KEFU_RASA_PORT=str(fake.port),
        KEFU_WEB_PORT=str(settings.web_port),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra_env or {})
    log = (state / "web.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "kefu", "serve", "web"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{settings.web_url}/health", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    else:
        process.kill()
    if process.poll() is not None:
        fake.stop()
        pytest.fail("web app did not start:\n" + (state / "web.log").read_text()[-3000:])
    try:
        yield {"settings": settings, "fake": fake, "url": settings.web_url, "state": state, "log": state / "web.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        fake.stop()


def login(url: str, name: str, password: str) -> "tuple[requests.Session, str]":
    """A logged-in requests session and its CSRF token, through the real login form."""
    http = requests.Session()
    page = http.get(f"{url}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = http.post(f"{url}/login", data={"name": name, "password": password, "csrf_token": token},
                         allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    console = http.get(f"{url}/console", timeout=10)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', console.text).group(1)
    return http, csrf
