"""The setup's Python 3.10 discovery (scripts/find-python310), run as `make` runs it."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "find-python310"


def fake_python(path: Path, version: str) -> Path:
    """An executable that answers the version probe like a real interpreter would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC | stat.S_IXGRP | stat.S_IXOTH)
    return path


def run(env: dict) -> subprocess.CompletedProcess:
    base = {"PATH": env.pop("PATH", "/usr/bin:/bin"), "HOME": env.pop("HOME", "/nonexistent")}
    return subprocess.run(["sh", str(SCRIPT)], env={**base, **env}, capture_output=True, text=True)


def test_finds_python310_on_path(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "bin" / "python3.10", "3.10")
    result = run({"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "PYENV_ROOT": str(tmp_path / "none")})
    assert result.returncode == 0
    assert result.stdout.strip() == str(exe)


def test_skips_a_python310_name_that_is_not_310(tmp_path: Path) -> None:
    # A pyenv shim named python3.10 that runs another version must not be taken.
    fake_python(tmp_path / "bin" / "python3.10", "3.11")
    real = fake_python(tmp_path / "pyenv" / "versions" / "3.10.13" / "bin" / "python3.10", "3.10")
    result = run({"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "PYENV_ROOT": str(tmp_path / "pyenv")})
    assert result.returncode == 0
    assert result.stdout.strip() == str(real)


def test_prefers_newest_pyenv_patch_release(tmp_path: Path) -> None:
    fake_python(tmp_path / "pyenv" / "versions" / "3.10.4" / "bin" / "python3.10", "3.10")
    newest = fake_python(tmp_path / "pyenv" / "versions" / "3.10.13" / "bin" / "python3.10", "3.10")
    fake_python(tmp_path / "pyenv" / "versions" / "3.11.7" / "bin" / "python3.11", "3.11")
    result = run({"PYENV_ROOT": str(tmp_path / "pyenv")})
    assert result.stdout.strip() == str(newest)


def test_uses_home_pyenv_when_pyenv_root_unset(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "home" / ".pyenv" / "versions" / "3.10.9" / "bin" / "python3", "3.10")
    result = run({"HOME": str(tmp_path / "home")})
    assert result.stdout.strip() == str(exe)


def test_kefu_python_override_must_be_310(tmp_path: Path) -> None:
    good = fake_python(tmp_path / "py310", "3.10")
    bad = fake_python(tmp_path / "py311", "3.11")
    assert run({"KEFU_PYTHON": str(good)}).stdout.strip() == str(good)
    result = run({"KEFU_PYTHON": str(bad)})
    assert result.returncode == 1
    assert "not a Python 3.10" in result.stderr


def test_clear_message_when_none_found(tmp_path: Path) -> None:
    result = run({"PYENV_ROOT": str(tmp_path / "empty")})
    assert result.returncode == 1
    assert result.stdout == ""
    assert "needs Python 3.10" in result.stderr
    assert "pyenv install 3.10" in result.stderr


@pytest.mark.skipif(not os.access("/bin/sh", os.X_OK), reason="needs a POSIX shell")
def test_finds_the_real_interpreter_of_this_machine() -> None:
    result = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0
    version = subprocess.run(
        [result.stdout.strip(), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "(3, 10)"
