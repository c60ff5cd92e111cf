"""A supervisor that owns its children: they die with it, and the next one reclaims what survived.

The supervisor is a real process running kefu's :class:`~kefu.stack.Stack` and
:class:`~kefu.stack.Supervisor` over tiny real HTTP services (seconds instead of a
Rasa load); it is killed with SIGKILL, as an operator's ``kill -9`` or the OOM killer
would. ``tests/live/test_ownership_live.py`` does the same to a real `kefu up`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict, List

import pytest

from kefu import pidfiles
from kefu.settings import Settings
from kefu.stack import Stack, StackError, port_is_free
from tests.conftest import PROJECT_ROOT, free_port
from tests.faults import wait_until

SERVER = """
import http.server, signal, sys
if len(sys.argv) > 2:  # a service that does not act on SIGTERM/SIGHUP (stuck in its shutdown, say)
    signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGHUP, signal.SIG_IGN)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""

SUPERVISOR = """
import io, json, sys
from dataclasses import replace
from pathlib import Path
from kefu.settings import Settings
from kefu.stack import Service, Stack, Supervisor
state = Path(sys.argv[1]); ports = json.loads(sys.argv[2]); server = sys.argv[3]; stubborn = sys.argv[4:]
stack = Stack(replace(Settings(), state_dir=state, db_path=state / "kefu.db"))
stack._claim_state_dir()
stack.log_dir.mkdir(parents=True, exist_ok=True)
stack._env = {"PATH": "/usr/bin:/bin"}
stack.services = [Service(name, [sys.executable, "-c", server, str(port)] + (["stubborn"] if name in stubborn else []),
                          f"http://127.0.0.1:{port}/", port) for name, port in ports.items()]
for service in stack.services:
    stack.respawn(service)
print("ready", flush=True)
Supervisor(stack, io.StringIO(), interval_s=0.5).run(lambda: False)
"""



@pytest.fixture()
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


def start_supervisor(state: Path, names: List[str], stubborn: List[str] = ()) -> "tuple[subprocess.Popen, Dict[str, int]]":
    ports = {name: free_port() for name in names}
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SUPERVISOR, str(state), json.dumps(ports), SERVER, *stubborn],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout.readline().strip() == "ready"
    assert wait_until(lambda: all(not port_is_free("127.0.0.1", p) for p in ports.values()))
    pids = {o.name: o.pid for o in pidfiles.recorded(state) if o.name != pidfiles.OWNER}
    assert set(pids) == set(names)
    return proc, pids


def test_services_die_when_the_supervisor_is_killed_with_sigkill(state: Path) -> None:
    proc, pids = start_supervisor(state, ["actions", "web", "rasa"])
    proc.kill()
    proc.wait(10)
    assert wait_until(lambda: not any(pidfiles.running(pid) for pid in pids.values()), 10), \
        f"still running after the supervisor's SIGKILL: {[n for n, p in pids.items() if pidfiles.running(p)]}"


def test_a_frozen_service_left_behind_is_reclaimed_by_the_next_start(state: Path) -> None:
    """SIGSTOP keeps the parent-death SIGTERM pending: the frozen service may outlive its supervisor,
    holding its port. The next start continues and stops it through its pid file."""
    proc, pids = start_supervisor(state, ["actions", "web"])
    os.kill(pids["web"], signal.SIGSTOP)
    proc.kill()
    proc.wait(10)
    assert wait_until(lambda: not pidfiles.running(pids["actions"]), 10)
    Stack(replace(Settings(), state_dir=state, db_path=state / "kefu.db"))._claim_state_dir(lambda line: None)
    assert not pidfiles.running(pids["web"])


def test_a_new_stack_reclaims_a_service_that_survived_its_supervisor(state: Path, monkeypatch) -> None:
    """A service that does not act on SIGTERM outlives its supervisor and keeps its port. The next start
    finds it through its pid file, stops it (SIGKILL after the wait), and starts where it said "port in use"."""
    monkeypatch.setattr(pidfiles, "STOP_WAIT_S", 1.0)
    proc, pids = start_supervisor(state, ["actions", "web"], stubborn=["web"])
    web_port = next(o for o in pidfiles.recorded(state) if o.name == "web").command.split()[-2]
    proc.kill()
    proc.wait(10)
    assert wait_until(lambda: not pidfiles.running(pids["actions"]), 10)
    time.sleep(1)
    assert pidfiles.running(pids["web"]) and not port_is_free("127.0.0.1", int(web_port)), "the stubborn service should survive"
    said: List[str] = []
    stack = Stack(replace(Settings(), state_dir=state, db_path=state / "kefu.db"))
    stack._claim_state_dir(said.append)
    assert not pidfiles.running(pids["web"]) and port_is_free("127.0.0.1", int(web_port))
    assert any(f"web (pid {pids['web']}) was left running" in line for line in said), said
    assert {o.name for o in pidfiles.recorded(state)} == {pidfiles.OWNER}
    assert pidfiles.live_owner(state) is None  # we own it now (our own pid is not "another" owner)


def test_a_second_start_is_refused_while_the_first_supervisor_lives(state: Path) -> None:
    proc, pids = start_supervisor(state, ["web"])
    try:
        stack = Stack(replace(Settings(), state_dir=state, db_path=state / "kefu.db"))
        with pytest.raises(StackError, match=f"already running .*pid {proc.pid}"):
            stack._claim_state_dir(lambda line: None)
        assert pidfiles.running(pids["web"]), "refusing must not touch the running services"
    finally:
        proc.kill()
        proc.wait(10)
    assert wait_until(lambda: not pidfiles.running(pids["web"]), 10)


def test_a_recycled_pid_is_never_killed(state: Path) -> None:
    """A pid file whose pid now belongs to another process (other start time) is removed, not acted on."""
    other = subprocess.Popen(["sleep", "60"])
    try:
        pidfiles.record(state, "rasa", other.pid, ["sleep", "60"])
        path = pidfiles.run_dir(state) / "rasa.pid"
        data = json.loads(path.read_text())
        data["start_time"] -= 1
        path.write_text(json.dumps(data))
        assert pidfiles.reclaim(state, lambda line: None) == []
        assert other.poll() is None
        assert not path.exists()
    finally:
        other.kill()
        other.wait()
