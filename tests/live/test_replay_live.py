"""Replay every scripted conversation in tests/replay/ against the live stack.

What is checked is what a buyer reads: the text Rasa returns after running the
real actions and the real guard on the trained model.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from kefu import replay

REPLAY_DIR = Path(__file__).resolve().parent.parent / "replay"
SCRIPTS: List[Path] = sorted(REPLAY_DIR.glob("*.yml"))

pytestmark = pytest.mark.live


def test_there_are_enough_replayed_conversations() -> None:
    conversations = [c for path in SCRIPTS for c in replay.load_conversations(path)]
    assert len(conversations) >= 20, f"only {len(conversations)} replay conversations in {REPLAY_DIR}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_replay(script: Path, live_stack, console_agent) -> None:
    send_user = replay.rest_sender(live_stack.settings.rasa_url)
    failures = []
    for conversation in replay.load_conversations(script):
        result = replay.replay_conversation(conversation, send_user, console_agent.step)
        if not result.ok:
            failures.append(replay.format_result(result))
    assert not failures, "\n\n".join(failures)


def test_replay_command_line_against_the_running_stack(live_stack) -> None:
    """`kefu replay --url` as a person runs it: exit 0 and the summary line."""
    plain = [p for p in SCRIPTS if "agent:" not in p.read_text(encoding="utf-8")][:2]
    result = subprocess.run(
        [sys.executable, "-m", "kefu", "replay", "--url", live_stack.settings.rasa_url, *map(str, plain)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    conversations = sum(len(replay.load_conversations(p)) for p in plain)
    assert f"replay: {conversations} passed, 0 failed" in result.stdout
