"""kefu.db without PostgreSQL: SQLite lock retries against a real second process,
the SQL translation the PostgreSQL adapter applies, and settings validation.
(The stores on a real PostgreSQL: tests/scale/test_db_postgres.py.)"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("sqlite_sql, postgres_sql", [
    ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
    ("SELECT '?' , \"we?ird\" FROM t WHERE a LIKE 'x%' AND b = ?",
     "SELECT '?' , \"we?ird\" FROM t WHERE a LIKE 'x%%' AND b = %s"),
    ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, at REAL)",
     "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL, at DOUBLE PRECISION)"),
    ("INSERT OR IGNORE INTO m (a, b) VALUES (?, ?)", "INSERT INTO m (a, b) VALUES (%s, %s) ON CONFLICT DO NOTHING"),
    ("UPDATE t SET p = MIN(p, ?) WHERE id = ?", "UPDATE t SET p = LEAST(p, %s) WHERE id = %s"),
    ("SELECT MIN(p), MAX(coalesce(a, b), ?) FROM t", "SELECT MIN(p), GREATEST(coalesce(a, b), %s) FROM t"),
    ("SELECT name FROM sqlite_master WHERE type = 'table'",
     "SELECT name FROM (SELECT table_name AS name, 'table' AS type FROM information_schema.tables"
     " WHERE table_schema = current_schema()) AS sqlite_master WHERE type = 'table'"),
    ("SELECT 'REAL INTEGER' AS label", "SELECT 'REAL INTEGER' AS label"),
])
def test_translation_to_postgres(sqlite_sql: str, postgres_sql: str) -> None:
    assert db.translate(sqlite_sql) == postgres_sql


def test_untranslatable_sql_is_refused_clearly() -> None:
    with pytest.raises(sqlite3.NotSupportedError, match="INSERT OR REPLACE"):
        db.translate("INSERT OR REPLACE INTO t VALUES (?)")


def test_schema_scripts_split_on_statements_not_quoted_semicolons() -> None:
    script = "CREATE TABLE a (x TEXT DEFAULT ';');\n-- a comment; with a semicolon\nCREATE INDEX i ON a (x);\n"
    assert db.split_script(script) == ["CREATE TABLE a (x TEXT DEFAULT ';')", "CREATE INDEX i ON a (x)"]


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
