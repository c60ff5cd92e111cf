"""SQLite connections shared by every kefu area (shop data, tickets, agents, audit).

Several processes (action server, NLG service, console) use the same file, so
connections use WAL journaling and a busy timeout instead of failing on a lock.
Each area creates its own tables with ``CREATE TABLE IF NOT EXISTS``.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

BUSY_TIMEOUT_MS = 10_000


def connect(path: Union[str, Path]) -> sqlite3.Connection:
    """Open ``path`` (creating its folder), with rows addressable by column name."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SQLiteStore:
    """Base of every store that owns tables: one connection per thread, opened on first use.

    Subclasses set ``SCHEMA`` (``CREATE TABLE IF NOT EXISTS ...``); it is applied
    once per new connection, so a store works on a fresh file without a setup step.
    Sanic handlers and the action server's thread pool may share one instance.
    """

    SCHEMA: str = ""

    def __init__(self, db_path: Union[str, Path]) -> None:
        self.db_path = db_path
        self._local = threading.local()

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.db_path)
            if self.SCHEMA:
                conn.executescript(self.SCHEMA)
            self._local.conn = conn
        return conn

    def close_connection(self) -> None:
        """Close this thread's connection (the next use opens a new one)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
