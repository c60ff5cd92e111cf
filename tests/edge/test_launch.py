"""The API token never on a command line (issue 9 #9): what `kefu up` runs, and what the launcher hands Rasa."""

from __future__ import annotations

import pytest

from kefu.settings import Settings
from kefu.stack import Stack
from kefu_rasa.launch import LOGGING_CONFIG, TOKEN_ENV, rasa_arguments


def test_the_rasa_command_kefu_up_runs_carries_no_token(settings: Settings) -> None:
    stack = Stack(settings)
    stack.token = "s3cret-token-value"
    rasa = next(svc for svc in stack.build_services() if svc.name == "rasa")
    assert rasa.command[1:4] == ["-m", "kefu_rasa.launch", "run"]
    assert "--enable-api" in rasa.command
    assert not any("s3cret" in part for part in rasa.command) and "--auth-token" not in rasa.command
    assert "token" not in rasa.health_url


def test_the_launcher_adds_token_and_log_redaction_in_process(monkeypatch: pytest.MonkeyPatch,
                                                              settings: Settings) -> None:
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    args = rasa_arguments(["run", "--enable-api", "--port", "5005"])
    assert "--auth-token=from-env" in args
    assert args[args.index("--logging-config-file") + 1] == str(LOGGING_CONFIG)
    monkeypatch.delenv(TOKEN_ENV)
    monkeypatch.setenv("KEFU_STATE_DIR", str(settings.state_dir))
    (settings.state_dir / "rasa-api-token").write_text("from-file\n")
    args = rasa_arguments(["run", "--enable-api"])
    assert "--auth-token=from-file" in args
    (settings.state_dir / "rasa-api-token").unlink()
    with pytest.raises(SystemExit, match="no API token"):
        rasa_arguments(["run", "--enable-api"])


def test_a_token_that_begins_with_a_dash_still_starts_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    """token_urlsafe() can begin with "-": as a separate argument argparse took it for an option
    and Rasa refused to start (seen once in a full live run)."""
    from rasa.cli.arguments.run import add_server_arguments
    import argparse

    monkeypatch.setenv(TOKEN_ENV, "-starts-with-a-dash")
    args = rasa_arguments(["run", "--enable-api"])
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    known, _ = parser.parse_known_args(args[1:])
    assert known.auth_token == "-starts-with-a-dash"
