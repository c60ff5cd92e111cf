"""`kefu up`'s supervisor against real processes: killed, frozen, degraded, crash-looping.

The services are tiny real HTTP servers (a few lines of Python each), so the test
kills and freezes real processes in seconds instead of loading Rasa.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from typing import Iterator, List

import pytest

from kefu.settings import Settings
from kefu.stack import CrashLoop, Service, Stack, Supervisor
from tests.conftest import free_port

SERVER = """
import http.server, sys
status = int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(status); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def service(name: str, status: int = 200, command: List[str] = ()) -> Service:
    port = free_port()
    return Service(name, list(command) or [sys.executable, "-c", SERVER, str(port), str(status)],
                   f"http://127.0.0.1:{port}/health", port, timeout_s=10)


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture()
def stack(settings: Settings) -> Iterator[Stack]:
    stack = Stack(settings)
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    yield stack
    stack.stop()


def start(stack: Stack, *services: Service) -> Supervisor:
    stack.services = list(services)
    stack._env = dict(os.environ)
    for svc in services:
        stack.respawn(svc)
    from kefu.stack import http_status

    wait_until(lambda: all(http_status(s.health_url, 0.5) is not None for s in services if s.running))
    return Supervisor(stack, io.StringIO(), interval_s=0.2, health_timeout_s=0.5)


def supervise_until(supervisor: Supervisor, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.check_once()
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not reached; supervisor said: {supervisor.events}")


def test_a_killed_service_is_restarted_and_the_others_keep_their_process(stack: Stack) -> None:
    actions, web = service("actions"), service("web")
    supervisor = start(stack, actions, web)
    web_pid, old_pid = web.pid, actions.pid
    os.kill(actions.pid, signal.SIGKILL)
    supervise_until(supervisor, lambda: actions.running and actions.pid != old_pid and actions.failures == 0
                    and actions.restart_at is None and actions.starting_until is None)
    assert web.pid == web_pid and web.running
    assert any("actions exited (code -9); restarting it in 1s" in line for line in supervisor.events)
    log = (stack.log_dir / "supervisor.log").read_text()
    assert "actions exited" in log and "started again" in log


def test_a_frozen_service_is_restarted_after_three_unanswered_checks(stack: Stack) -> None:
    """A process that is alive but answers nothing (a frozen event loop) is what liveness misses."""
    rasa = service("rasa")
    supervisor = start(stack, rasa)
    frozen_pid = rasa.pid
    os.kill(frozen_pid, signal.SIGSTOP)
    supervise_until(supervisor, lambda: rasa.pid != frozen_pid and rasa.running)
    assert any("did not answer" in line and "3 checks in a row" in line for line in supervisor.events)


def test_a_degraded_service_is_reported_not_restarted(stack: Stack) -> None:
    actions = service("actions", status=503)
    supervisor = start(stack, actions)
    pid = actions.pid
    for _ in range(5):
        supervisor.check_once()
    assert actions.pid == pid and not actions.restarts
    assert sum("HTTP 503 (degraded" in line for line in supervisor.events) == 1  # said once, not every check


def test_a_crash_loop_stops_with_a_clear_reason(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    import kefu.stack as stack_module

    monkeypatch.setattr(stack_module, "BACKOFF_FIRST_S", 0.01)
    crasher = service("actions", command=[sys.executable, "-c", "import sys; sys.exit(3)"])
    supervisor = start(stack, crasher)
    with pytest.raises(CrashLoop, match="actions exited \\(code 3\\) after 5 restarts"):
        supervise_until(supervisor, lambda: False, timeout=30)
