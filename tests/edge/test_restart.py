"""Rasa restarts that refuse nobody: the shared socket of `kefu up` and the warm replacement.

The "Rasa" here is a tiny real HTTP server that serves on the socket `kefu up` hands down
(``KEFU_RASA_LISTEN_FD``), takes a while to "load its model" before it accepts, writes the
ready file, answers each request with its pid, and on SIGTERM finishes the requests it is
serving before it exits, as Sanic does. Clients open a new connection per request, so any
moment without a listener would show as a refused connection.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from kefu.settings import Settings
from kefu.stack import Service, Stack, StackError, Supervisor, listen_socket, model_file
from tests.conftest import free_port

FAKE_RASA = r"""
import http.server, os, signal, socket, sys, threading, time
time.sleep(float(sys.argv[1]))  # loading the model: nothing is accepted meanwhile
if sys.argv[2] == "fail":
    sys.exit(3)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.05)  # a turn
        body = str(os.getpid()).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() waits for the requests being served
server = S(("127.0.0.1", 0), H, bind_and_activate=False)
server.socket.close()
server.socket = socket.socket(fileno=int(os.environ["KEFU_RASA_LISTEN_FD"]))
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
ready = os.environ["KEFU_RASA_READY_FILE"]
with open(ready + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(ready + ".tmp", ready)
server.serve_forever(poll_interval=0.05)
server.server_close()
"""


def fake_rasa(port: int, load_s: float = 1.5, mode: str = "ok") -> Service:
    return Service("rasa", [sys.executable, "-c", FAKE_RASA, str(load_s), mode], f"http://127.0.0.1:{port}/health",
                   port, timeout_s=20)


class Traffic:
    """Clients asking all the time, each request on a new connection; every outcome recorded."""

    def __init__(self, url: str, clients: int = 10) -> None:
        self.url = url
        self.pids: List[str] = []
        self.failures: List[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def _client(self) -> None:
        while not self._stop.is_set():
            try:
                answer = requests.get(self.url, timeout=30, headers={"Connection": "close"})
                self.pids.append(answer.text) if answer.status_code == 200 else \
                    self.failures.append(f"HTTP {answer.status_code}")
            except requests.RequestException as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.02)

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(35)


@pytest.fixture()
def stack(settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    root = tmp_path / "root"
    (root / "models").mkdir(parents=True)
    model_file(replace(settings, root=root)).write_bytes(b"model v1")
    stack = Stack(replace(settings, root=root))
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    stack._env = dict(os.environ)
    yield stack
    stack.stop()


def start(stack: Stack, service: Service) -> Service:
    service.listener = listen_socket("127.0.0.1", service.port)
    stack.services = [service]
    stack.respawn(service)
    stack._wait_ready(service, 20)
    return service


def test_a_warm_replacement_refuses_no_request_and_the_old_process_finishes_its_own(stack: Stack) -> None:
    rasa = start(stack, fake_rasa(free_port()))
    old = rasa.process
    with Traffic(rasa.health_url) as traffic:
        time.sleep(0.5)
        stack.replace_warm(rasa)
        assert old.poll() is not None  # the old one is gone once replace_warm returns
        time.sleep(0.5)
    assert traffic.failures == []
    assert {str(old.pid), str(rasa.pid)} <= set(traffic.pids)  # both served: no gap between them
    assert old.returncode == 0  # it stopped by itself after its requests, not killed


def test_a_replacement_that_fails_to_start_leaves_the_old_one_serving(stack: Stack) -> None:
    rasa = start(stack, fake_rasa(free_port()))
    old_pid = rasa.pid
    rasa.command[-1] = "fail"
    with Traffic(rasa.health_url) as traffic:
        with pytest.raises(StackError, match="exited during start-up"):
            stack.replace_warm(rasa)
    assert rasa.pid == old_pid and rasa.running
    assert traffic.failures == [] and set(traffic.pids) == {str(old_pid)}


def test_a_new_model_file_makes_the_supervisor_replace_rasa_without_a_gap(stack: Stack) -> None:
    rasa = start(stack, fake_rasa(free_port()))
    old_pid = rasa.pid
    supervisor = Supervisor(stack, io.StringIO(), interval_s=0.2, health_timeout_s=2)
    supervisor.check_once()
    assert rasa.pid == old_pid  # nothing changed, nothing restarted
    with Traffic(rasa.health_url) as traffic:
        model_file(stack.settings).write_bytes(b"model v2, as make train writes it")
        deadline = time.monotonic() + 30
        while rasa.pid == old_pid and time.monotonic() < deadline:
            supervisor.check_once()
            time.sleep(0.2)
        time.sleep(0.5)
    assert rasa.pid != old_pid, supervisor.events
    assert any("the model changed" in line for line in supervisor.events)
    assert traffic.failures == []
    for _ in range(3):
        supervisor.check_once()
    assert sum("the model changed" in line for line in supervisor.events) == 1  # once per new model


def test_sighup_asks_for_the_same_replacement(stack: Stack) -> None:
    rasa = start(stack, fake_rasa(free_port()))
    old_pid = rasa.pid
    supervisor = Supervisor(stack, io.StringIO(), interval_s=0.2, health_timeout_s=2)
    supervisor.reload_requested = True  # what cmd_up's SIGHUP handler sets
    supervisor.check_once()
    assert rasa.pid != old_pid and rasa.running
    assert any("SIGHUP" in line for line in supervisor.events)


def test_while_no_rasa_runs_at_all_a_connection_waits_instead_of_being_refused(stack: Stack) -> None:
    rasa = start(stack, fake_rasa(free_port(), load_s=3.0))
    stack.kill(rasa)  # a crash: for a while nothing accepts on the port
    answers: List[str] = []
    asking = threading.Thread(target=lambda: answers.append(requests.get(rasa.health_url, timeout=60).text))
    asking.start()
    time.sleep(0.5)
    stack.respawn(rasa)  # the supervisor's restart: the new one loads for 3 s before accepting
    asking.join(60)
    assert answers == [str(rasa.pid)]
