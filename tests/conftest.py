"""Shared fixtures. `live_stack` starts the real assistant once per test session.

Live tests get their own ports and a temporary state folder (SQLite files, token,
logs), so they never touch a running `make run` instance or its data.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from kefu.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """KEFU_* for the live stack, exported to this process too (clients read Settings.from_env())."""
    state = tmp_path_factory.mktemp("kefu-state")
    mounted = _own_tmpfs(state)
    overrides = {
        "KEFU_STATE_DIR": str(state),
        "KEFU_RASA_PORT": str(free_port()),
        "KEFU_ACTION_PORT": str(free_port()),
        "KEFU_WEB_PORT": str(free_port()),
        # The shop clock of every replayed conversation: Tuesday 1 Dec 2026, 10:00 in Shanghai
        # (before the 16:00 cut-off, in service hours), so expected dates are fixed facts.
        "KEFU_CLOCK": "2026-12-01T10:00:00+08:00",
        # The signed bridge channel (tests/live/test_bridge_live.py serves the callback).
        "KEFU_BRIDGE_SECRET": secrets.token_urlsafe(24),
        "KEFU_BRIDGE_CALLBACK_URL": f"http://127.0.0.1:{free_port()}/bridge-replies",
        # The 抖店 order-event webhook (tests/attacks/test_edge.py signs pushes with these).
        "KEFU_DOUDIAN_APP_KEY": "atk-app-key",
        "KEFU_DOUDIAN_APP_SECRET": secrets.token_urlsafe(24),
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield Settings.from_env()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if mounted:
            subprocess.run(["umount", "-l", str(state)], check=False)


# The live state folder is a small filesystem of its own when we may mount one (root): the fault
# suite fills it to show a full state disk (tests/live/test_inbox_faults_live.py) without touching
# the machine's disk. 512 MiB holds a whole `make test` session; tmpfs uses only what is written.
STATE_TMPFS_SIZE = "512m"


def _own_tmpfs(path: Path) -> bool:
    if os.geteuid() != 0 or os.environ.get("KEFU_TEST_TMPFS") == "0":
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={STATE_TMPFS_SIZE},mode=0700", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture(scope="session")
def live_stack(live_settings: Settings) -> Iterator["object"]:
    """The whole assistant (actions, web app, Rasa) on the trained model."""
    from kefu.shop.store import load_shop
    from kefu.stack import Stack, model_file

    if not model_file(live_settings).exists():
        pytest.fail("no trained model at models/kefu.tar.gz: run `make train` (make test does it first)")
    load_shop(live_settings.shop_dir, live_settings.db_path)
    stack = Stack(live_settings)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def console_agent(live_stack):
    """A console agent account on the live stack, driven through the console's HTTP API."""
    import secrets

    from kefu.handoff.auth import AgentStore
    from kefu.handoff.replay_agent import ConsoleAgent

    password = secrets.token_urlsafe(16)
    AgentStore(live_stack.settings.db_path).add("replay-agent", password, replace=True)
    return ConsoleAgent(live_stack.settings.web_url, "replay-agent", password, rasa_url=live_stack.settings.rasa_url)
