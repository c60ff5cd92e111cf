"""Real faults for tests: a database file made read-only or locked, for root too.

Root ignores file modes, so read-only is ``chattr +i`` (the immutable flag) when
running as root and ``chmod 0444`` otherwise; "locked" is another connection
holding SQLite's exclusive lock, exactly what a long writer elsewhere does.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List


def _companions(path: Path) -> List[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (and its WAL files) cannot be written by anyone, root included, until the block ends."""
    files = _companions(path)
    if os.geteuid() == 0:
        try:
            subprocess.run(["chattr", "+i", *map(str, files)], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:  # no chattr, or a filesystem without the flag
            import pytest

            pytest.skip(f"cannot make {path.name} read-only for root here ({exc})")
    else:
        for file in files:
            file.chmod(0o444)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", *map(str, files)], check=True)
        else:
            for file in files:
                file.chmod(0o600)


@contextmanager
def locked(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's view: a connection holding the exclusive lock on ``path`` for the block."""
    conn = sqlite3.connect(str(path), timeout=5, isolation_level=None)
    conn.execute("PRAGMA journal_mode")  # open the file before locking
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def fill_until_full(path: Path, name: str = "filler.bin") -> Path:
    """Write zeros into ``path`` until its filesystem refuses more (ENOSPC), unbuffered so nothing
    is left to flush; returns the file, to delete when space should come back."""
    filler = path / name
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def wait_until(condition: Callable[[], object], timeout: float = 15.0, every: float = 0.1) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
