"""Configuration from the environment, and the train-only-when-changed fingerprint."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kefu.devtools import training
from kefu.settings import Settings


def test_defaults_point_into_the_project() -> None:
    settings = Settings.from_env({})
    assert settings.db_path == settings.root / ".kefu" / "kefu.db"
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.action_url == "http://127.0.0.1:5055/webhook"


def test_a_retired_setting_in_an_old_deployment_is_ignored_like_any_unknown_key() -> None:
    """KEFU_NLG_PORT (the NLG service is gone) must not stop an existing deployment from starting."""
    assert Settings.from_env({"KEFU_NLG_PORT": "5056"}) == Settings.from_env({})


def test_env_overrides_are_converted(tmp_path: Path) -> None:
    settings = Settings.from_env({"KEFU_RASA_PORT": "15005", "KEFU_STATE_DIR": str(tmp_path)})
    assert settings.rasa_port == 15005
    assert settings.db_path == tmp_path / "kefu.db"  # follows the state dir
    assert settings.token_file.parent == tmp_path


def test_bad_values_are_named() -> None:
    with pytest.raises(ValueError, match="KEFU_RASA_PORT"):
        Settings.from_env({"KEFU_RASA_PORT": "http"})
    with pytest.raises(ValueError, match="KEFU_DEFAULT_PLATFORM"):
        Settings.from_env({"KEFU_DEFAULT_PLATFORM": "amazon"})


def make_project(root: Path) -> None:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("language: zh\n")
    (root / "domain.yml").write_text("version: '3.1'\n")
    (root / "data" / "nlu" / "greet.yml").write_text("nlu: []\n")


def test_fingerprint_changes_with_any_input(tmp_path: Path) -> None:
    make_project(tmp_path)
    before = training.fingerprint(training.training_inputs(tmp_path), tmp_path)
    assert before == training.fingerprint(training.training_inputs(tmp_path), tmp_path)
    (tmp_path / "data" / "nlu" / "greet.yml").write_text("nlu: [x]\n")
    changed = training.fingerprint(training.training_inputs(tmp_path), tmp_path)
    assert changed != before
    (tmp_path / "data" / "nlu" / "new.yml").write_text("nlu: [x]\n")
    assert training.fingerprint(training.training_inputs(tmp_path), tmp_path) != changed


def test_needs_training_until_fingerprint_matches(tmp_path: Path) -> None:
    make_project(tmp_path)
    assert training.needs_training(tmp_path)  # no model yet
    (tmp_path / "models").mkdir()
    training.model_path(tmp_path).write_bytes(b"model")
    current = training.fingerprint(training.training_inputs(tmp_path), tmp_path)
    (tmp_path / "models" / training.FINGERPRINT_FILE).write_text(current + "\n")
    assert not training.needs_training(tmp_path)
    (tmp_path / "domain.yml").write_text("version: '3.1'\nintents: [greet]\n")
    assert training.needs_training(tmp_path)


def test_up_to_date_model_is_not_retrained(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    make_project(tmp_path)
    (tmp_path / "models").mkdir()
    training.model_path(tmp_path).write_bytes(b"model")
    current = training.fingerprint(training.training_inputs(tmp_path), tmp_path)
    (tmp_path / "models" / training.FINGERPRINT_FILE).write_text(current)
    assert training.run(argparse.Namespace(force=False), root=tmp_path) == 0
    assert "not training" in capsys.readouterr().out
