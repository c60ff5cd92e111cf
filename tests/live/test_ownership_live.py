"""SIGKILL of the real `kefu up`: its services die with it, and the next `kefu up` starts cleanly.

Issue 18 #5: SIGKILL of `kefu up` left all four services running unsupervised, and a new
`kefu up` refused to start ("port(s) already in use"). This runs `kefu up --no-web` as an
operator would (own state folder and ports, the trained model, the sample shop), kills it
with SIGKILL, checks every service it started is gone and its port free, then starts
`kefu up` again on the same state folder and stops it with SIGTERM.

Reproduce: ``.venv/bin/python -m pytest -m live tests/live/test_ownership_live.py -v -s``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator

import pytest

from kefu import pidfiles
from kefu.settings import Settings
from kefu.stack import port_is_free
from tests.conftest import PROJECT_ROOT, free_port
from tests.faults import wait_until

pytestmark = pytest.mark.live
READY = "kefu is running."



@pytest.fixture()
def operator_env(tmp_path: Path) -> Iterator[Dict[str, str]]:
    """An environment of its own (state folder, ports), the shop loaded, as `make run` would have it."""
    from kefu.shop.store import load_shop
    from kefu.stack import model_file

    state = tmp_path / "kefu-up-state"
    state.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEFU_")}
    env.update(KEFU_STATE_DIR=str(state), KEFU_RASA_PORT=str(free_port()), KEFU_ACTION_PORT=str(free_port()),
               KEFU_WEB_PORT=str(free_port()), PYTHONUNBUFFERED="1")
    settings = Settings.from_env(env)
    if not model_file(settings).exists():
        pytest.fail("no trained model at models/kefu.tar.gz: run `make train` (make test does it first)")
    load_shop(settings.shop_dir, state / "kefu.db")
    yield env


def start_kefu_up(env: Dict[str, str], log: Path) -> subprocess.Popen:
    out = log.open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "kefu", "up", "--no-web"], cwd=PROJECT_ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    out.close()
    if not wait_until(lambda: READY in log.read_text(errors="replace") or proc.poll() is not None, 400):
        proc.kill()
        pytest.fail("kefu up did not start in 400 s:\n" + log.read_text(errors="replace")[-3000:])
    if proc.poll() is not None:
        pytest.fail("kefu up exited:\n" + log.read_text(errors="replace")[-3000:])
    return proc


def test_sigkill_of_kefu_up_takes_its_services_down_and_a_new_kefu_up_starts(operator_env, tmp_path) -> None:
    settings = Settings.from_env(operator_env)
    log = tmp_path / "kefu-up.log"
    first = start_kefu_up(operator_env, log)
    services = {o.name: o.pid for o in pidfiles.recorded(settings.state_dir) if o.name != pidfiles.OWNER}
    assert set(services) == {"actions", "rasa"}
    ports = [settings.rasa_port, settings.action_port]
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    died = wait_until(lambda: not any(pidfiles.running(pid) for pid in services.values()), 30)
    left = [name for name, pid in services.items() if pidfiles.running(pid)]
    print(f"\nSIGKILL of kefu up (pid {first.pid}): {len(services)} services, {len(services) - len(left)} gone "
          f"within 30 s, left running: {left}")
    assert died, f"still running without their supervisor: {left}"
    assert wait_until(lambda: all(port_is_free(settings.host, port) for port in ports), 10)

    log.write_text("")
    second = start_kefu_up(operator_env, log)
    try:
        text = log.read_text(errors="replace")
        assert "port(s) already in use" not in text
        again = {o.name: o.pid for o in pidfiles.recorded(settings.state_dir) if o.name != pidfiles.OWNER}
        assert set(again) == set(services) and not set(again.values()) & set(services.values())
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(60)
    assert wait_until(lambda: not any(pidfiles.running(pid) for pid in again.values()), 30)
    assert pidfiles.recorded(settings.state_dir) == []  # a clean stop leaves no pid file behind
