"""kefu.db without PostgreSQL: SQLite lock retries against a real second process,
the PostgreSQL DDL and parameters SQLAlchemy produces from the same schema and SQL, and settings validation.
(The stores on a real PostgreSQL: tests/scale/test_db_postgres.py.)"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sqlalchemy.dialects import postgresql

from kefu import db
from kefu.settings import Settings


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen:
    """Another process takes SQLite's write lock on ``path`` for ``seconds``; returns once held."""
    script = textwrap.dedent(f"""
        import sqlite3, sys, time
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO notes (text) VALUES ('held')")
        print("locked", flush=True)
        time.sleep({seconds})
        conn.execute("COMMIT")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def notes_db(tmp_path: Path) -> Path:
    path = tmp_path / "kefu.db"
    conn = db.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT)")
    conn.close()
    return path


def test_locked_write_is_retried_until_the_other_process_commits(notes_db: Path) -> None:
    # busy timeout 0: SQLite gives up at once, so only kefu's bounded retry can succeed
    conn = db.connect(notes_db, busy_timeout_ms=0)
    holder = hold_write_lock(notes_db, 0.4)
    with db.transaction(conn):
        conn.execute("INSERT INTO notes (text) VALUES ('mine')")
    conn.execute("INSERT INTO notes (text) VALUES ('autocommit')")
    holder.wait(timeout=10)
    assert [r["text"] for r in conn.execute("SELECT text FROM notes ORDER BY id")] == ["held", "mine", "autocommit"]


def test_retry_is_bounded_and_the_error_stays_sqlites(notes_db: Path) -> None:
    conn = db.connect(notes_db, busy_timeout_ms=0)
    holder = hold_write_lock(notes_db, sum(db.RETRY_DELAYS_S) + 3)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            conn.execute("INSERT INTO notes (text) VALUES ('too late')")
        assert time.monotonic() - started < sum(db.RETRY_DELAYS_S) + 2
    finally:
        holder.kill()
        holder.wait()


def test_no_retry_inside_a_transaction_and_nothing_half_written(notes_db: Path) -> None:
    """Inside a transaction a retry could repeat work: the error surfaces and the transaction rolls back."""
    conn = db.connect(notes_db, busy_timeout_ms=0)
    conn.execute("BEGIN")  # deferred: the lock is taken by the first write
    conn.execute("SELECT count(*) FROM notes").fetchone()
    holder = hold_write_lock(notes_db, 0.3)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("INSERT INTO notes (text) VALUES ('x')")
    assert time.monotonic() - started < 0.2
    conn.execute("ROLLBACK")
    holder.wait(timeout=10)
    assert [r["text"] for r in conn.execute("SELECT text FROM notes")] == ["held"]


SCHEMA = """
CREATE TABLE IF NOT EXISTS owners (name TEXT PRIMARY KEY, since REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS notes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    owner   TEXT NOT NULL REFERENCES owners (name) ON DELETE CASCADE,
    n       INTEGER NOT NULL,
    at      REAL,
    state   TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
    UNIQUE (owner, n)
);
CREATE INDEX IF NOT EXISTS notes_state ON notes (state, at);
"""


def test_a_stores_sqlite_schema_becomes_postgres_ddl_through_sqlalchemy() -> None:
    """One schema source: SQLAlchemy's PostgreSQL dialect writes the DDL (64-bit keys and
    integers, 8-byte floats, defaults, checks, the cascade), parents before children."""
    owners, notes, index = db.postgres_ddl(SCHEMA)
    assert owners.startswith("CREATE TABLE IF NOT EXISTS owners") and "since DOUBLE PRECISION DEFAULT 0 NOT NULL" in owners
    assert notes.startswith("CREATE TABLE IF NOT EXISTS notes")
    for part in ("id BIGSERIAL", "n BIGINT NOT NULL", "at DOUBLE PRECISION", "state TEXT DEFAULT 'open' NOT NULL",
                 "FOREIGN KEY(owner) REFERENCES owners (name) ON DELETE CASCADE", "UNIQUE (owner, n)",
                 "CHECK (state IN ('open', 'done'))"):
        assert part in notes, (part, notes)
    assert index == "CREATE INDEX IF NOT EXISTS notes_state ON notes (state, at)"


def test_a_broken_schema_is_refused_by_sqlite_before_any_server_sees_it() -> None:
    with pytest.raises(sqlite3.OperationalError, match="syntax error"):
        db.postgres_ddl("CREATE TABLE broken (id INTEGER PRIMARY KEY,, x TEXT)")


def test_positional_parameters_are_bound_by_sqlalchemy_and_literals_stay_data() -> None:
    clause = db.bound("SELECT '?:x', \"we?ird\", a::text FROM t WHERE a LIKE 'x%' AND b = ? AND c = ?")
    assert str(clause.compile(dialect=postgresql.dialect())) == (
        "SELECT '?:x', \"we?ird\", a::text FROM t WHERE a LIKE 'x%%' AND b = %(p0)s AND c = %(p1)s")


def test_the_shared_sql_runs_on_sqlite_and_names_its_tables(tmp_path: Path) -> None:
    """The statements the stores write for both engines (ON CONFLICT, CASE) on the default engine."""
    conn = db.connect(tmp_path / "kefu.db")
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO owners (name) VALUES (?) ON CONFLICT DO NOTHING", ("a",))
    assert conn.execute("INSERT INTO owners (name) VALUES (?) ON CONFLICT DO NOTHING", ("a",)).rowcount == 0
    note = conn.execute("INSERT INTO notes (owner, n) VALUES (?, ?)", ("a", 5)).lastrowid
    conn.execute("UPDATE notes SET n = CASE WHEN ? < n THEN ? ELSE n END WHERE id = ?", (2, 2, note))
    conn.execute("UPDATE notes SET n = CASE WHEN ? < n THEN ? ELSE n END WHERE id = ?", (9, 9, note))
    assert conn.execute("SELECT n FROM notes").fetchone()[0] == 2
    assert {"owners", "notes"} <= db.table_names(conn)
    assert db.column_names(conn, "notes") == {"id", "owner", "n", "at", "state"}
    assert db.column_names(conn, "missing") == set()


def test_rows_answer_like_sqlite_rows() -> None:
    row = db.Row([7, "黑色"], ("id", "color"))
    assert (row["id"], row[1], row.keys(), dict(row)) == (7, "黑色", ["id", "color"], {"id": 7, "color": "黑色"})
    with pytest.raises(IndexError):
        row["size"]


def test_database_url_is_validated_in_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="KEFU_DATABASE_URL must be a postgresql://"):
        Settings.from_env({"KEFU_DATABASE_URL": "mysql://u:secret@h/db"})
    assert Settings.from_env({}).database_url is None
    # only the configured kefu database is routed to PostgreSQL; other SQLite files stay files
    monkeypatch.setenv("KEFU_DB_PATH", str(tmp_path / "kefu.db"))
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/unreachable")
    other = tmp_path / "other.db"
    conn = db.connect(other)
    assert isinstance(conn, sqlite3.Connection) and other.exists()
