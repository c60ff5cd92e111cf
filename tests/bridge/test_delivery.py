"""Bridge replies to a sidecar's callback URL over real HTTP: retried with backoff on 5xx and
refused connections, each attempt signed afresh, never retried when the receiver refuses (4xx)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, List, Tuple

import pytest

from kefu.bridge.delivery import deliver
from kefu.bridge.protocol import NONCE_HEADER, verify

SECRET = "bridge-test-secret"
PAYLOAD = {"conversation_id": "c-1", "messages": [{"text": "亲，有现货"}]}


@pytest.fixture
def sidecar() -> Iterator[Tuple[str, List[int], List[Tuple[dict, str]]]]:
    """A callback receiver answering the statuses listed (then 200); records each checked request."""
    statuses: List[int] = []
    received: List[Tuple[dict, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            verify(SECRET, dict(self.headers), body, max_skew_s=300)  # a bad signature would fail the test
            received.append((json.loads(body), self.headers[NONCE_HEADER]))
            self.send_response(statuses.pop(0) if statuses else 200)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/callback", statuses, received
    server.shutdown()


def test_a_reply_is_retried_through_5xx_until_delivered_each_attempt_signed_afresh(sidecar: Any) -> None:
    url, statuses, received = sidecar
    statuses += [503, 502]
    started = time.monotonic()
    assert asyncio.run(deliver(url, PAYLOAD, SECRET, backoff_s=0.05)) == "delivered"
    assert [body for body, _ in received] == [PAYLOAD] * 3
    assert len({nonce for _, nonce in received}) == 3  # the receiver's replay check accepts every retry
    assert time.monotonic() - started >= 0.05 + 0.1  # waited 0.05 s, then 0.1 s


def test_a_refusing_receiver_is_not_asked_again(sidecar: Any) -> None:
    url, statuses, received = sidecar
    statuses += [400]
    assert asyncio.run(deliver(url, PAYLOAD, SECRET, backoff_s=0.01)) == "failed: HTTP 400"
    assert len(received) == 1


def test_an_unreachable_receiver_gets_the_bounded_attempts_then_fails_clearly() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    outcome = asyncio.run(deliver(f"http://127.0.0.1:{port}/callback", PAYLOAD, SECRET, attempts=3, backoff_s=0.05))
    assert outcome == "failed: ConnectionError"
    assert 0.15 <= time.monotonic() - started < 5  # two waits (0.05 s, 0.1 s), then it stops
