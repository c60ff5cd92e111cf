"""Fixtures of the edge tests: a private state folder per test module."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kefu.settings import Settings


@pytest.fixture()
def settings(tmp_path) -> Settings:
    state = tmp_path / "state"
    state.mkdir()
    return replace(Settings(), state_dir=state, db_path=state / "kefu.db")
