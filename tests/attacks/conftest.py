"""Fixtures of the attack suite: the web app against a stand-in for Rasa's HTTP API (tests/handoff)."""

from tests.handoff.conftest import web_env  # noqa: F401  (a fixture, re-exported for this folder)
