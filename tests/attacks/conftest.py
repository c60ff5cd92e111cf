"""The attack suite (issue 18): every attack on identity, proofs, the edge, PII and the console,
through real HTTP on the real stack (``live_stack``: Rasa with the trained model, actions, the
guard, web app). Each test records how many attempts it made and how many got through; the
table is printed at the end of the run and written to ``results/attacks.txt``
(``make test-attacks``; part of ``make test``)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
import requests

from tests.handoff.conftest import web_env  # noqa: F401  (a fixture, re-exported for this folder)

RESULTS = Path(__file__).resolve().parents[2] / "results" / "attacks.txt"
_TABLE: List[Tuple[str, int, int, str]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _TABLE:
        return
    lines = [f"{'attack':66} {'attempts':>8} {'bypasses':>8}  command"]
    lines += [f"{name:66} {attempts:>8} {bypasses:>8}  {command}" for name, attempts, bypasses, command in _TABLE]
    total = sum(b for _, _, b, _ in _TABLE)
    lines.append(f"{'total':66} {sum(a for _, a, _, _ in _TABLE):>8} {total:>8}")
    terminalreporter.write_sep("=", "attack suite (issue 18): attempts and bypasses per attack")
    for line in lines:
        terminalreporter.write_line(line)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str, int, int], None]:
    """``report(name, attempts, bypasses)``: one row of the printed table (asserting is the test's job)."""
    command = f".venv/bin/python -m pytest {request.node.nodeid.split('[')[0]} -m attack"

    def add(name: str, attempts: int, bypasses: int) -> None:
        _TABLE.append((name, attempts, bypasses, command))

    return add


class Rest:
    """The REST channel as a public caller (no token) or as the shop's integration (``token=True``)."""

    def __init__(self, stack: Any) -> None:
        self.url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
        self.token = stack.token
        self.http = requests.Session()

    def post(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None, *,
             token: bool = False) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        return self.http.post(self.url, json={"sender": sender, "message": text, "metadata": metadata or {}},
                              headers=headers, timeout=120)

    def say(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None, *, token: bool = False) -> str:
        response = self.post(sender, text, metadata, token=token)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text") or "" for m in response.json())


@pytest.fixture(scope="session")
def rest(live_stack: Any) -> Rest:
    return Rest(live_stack)


def fresh(prefix: str) -> str:
    return f"atk-{prefix}-{uuid.uuid4().hex[:10]}"


def tracker(stack: Any, conversation_id: str) -> Dict[str, Any]:
    from urllib.parse import quote

    # Sanic does not unquote path segments: ':' stays as it is (kefu.edge.ids).
    return requests.get(f"{stack.settings.rasa_url}/conversations/{quote(conversation_id, safe=':')}/tracker",
                        params={"token": stack.token, "include_events": "ALL"}, timeout=30).json()


def wait_until(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)
