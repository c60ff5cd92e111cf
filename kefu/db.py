"""Database connections shared by every kefu area (shop data, tickets, tasks, agents, audit).

SQLite is the embedded default: several processes (action server, NLG service, console)
use the same file, so connections use WAL journaling and a busy timeout, and the few
"database is locked" errors SQLite returns *without* waiting (a write lock taken by
another process during WAL recovery or a checkpoint, or a busy timeout that ran out
under load) are retried with a bounded backoff (:data:`RETRY_DELAYS_S`), but only where
retrying is safe: a statement outside a transaction, and ``BEGIN IMMEDIATE`` itself.

For several kefu replicas the same stores run on PostgreSQL, selected by ONE setting,
``KEFU_DATABASE_URL=postgresql://user:password@host:port/db`` (kefu.settings). The
stores keep their SQLite SQL: :class:`PgConnection` is a thin DB-API adapter with the
parts of the ``sqlite3.Connection`` API they use, translating as it goes (see
:func:`translate`): ``?`` parameters, ``AUTOINCREMENT``/``REAL`` DDL, ``INSERT OR
IGNORE``, two-argument ``MIN``/``MAX``, ``sqlite_master``, ``lastrowid`` through
``RETURNING``, and ``BEGIN IMMEDIATE`` as a transaction holding one advisory lock
(the same single-writer semantics as SQLite, so check-then-insert code stays correct).
Rows answer ``row["name"]``, ``row[0]``, ``row.keys()`` and ``dict(row)`` like
``sqlite3.Row``; errors are raised as the ``sqlite3`` exception of the same DB-API name.
"""

from __future__ import annotations

import decimal
import re
import sqlite3
import threading

import zlib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from kefu import retry

BUSY_TIMEOUT_MS = 10_000
# Extra attempts after SQLite reported busy/locked: ~3 s more at most, then the error stands.
RETRY_DELAYS_S: Tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg2://")

DbPath = Union[str, Path]


def is_postgres_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(POSTGRES_SCHEMES)


def connect(path: DbPath, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Any:
    """Open kefu's database at ``path``: SQLite, or PostgreSQL when configured.

    PostgreSQL is used when ``path`` is itself a ``postgresql://`` URL, or when it is
    the configured ``db_path`` and ``KEFU_DATABASE_URL`` is set. The result is a
    ``sqlite3.Connection`` (autocommit, rows by column name) or a :class:`PgConnection`
    with the same surface.
    """
    url = path if is_postgres_url(path) else _configured_url_for(path)
    if url:
        return PgConnection(str(url))
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, factory=RetryingConnection
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    return conn


def _configured_url_for(path: DbPath) -> Optional[str]:
    """``KEFU_DATABASE_URL`` when ``path`` is the configured kefu database, else None."""
    if str(path) == ":memory:":
        return None
    from kefu.settings import Settings

    settings = Settings.from_env()
    if not settings.database_url:
        return None
    if Path(path).expanduser().resolve() != Path(settings.db_path).resolve():
        return None
    return settings.database_url


@contextmanager
def transaction(conn: Any) -> Iterator[Any]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- SQLite ---------------------------------------------------------------------------------------

def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


class RetryingConnection(sqlite3.Connection):
    """``sqlite3.Connection`` that retries busy/locked where a retry cannot change the result:
    a statement in autocommit mode (it did nothing) or ``BEGIN`` (nothing started yet)."""

    def execute(self, sql: str, parameters: Iterable[Any] = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        return self._retrying(super().execute, sql, parameters)

    def executemany(self, sql: str, seq: Iterable[Iterable[Any]], /) -> sqlite3.Cursor:  # type: ignore[override]
        if not self.in_transaction:
            seq = list(seq)  # a retry needs the parameters again
        return self._retrying(super().executemany, sql, seq)

    def _retrying(self, run: Any, sql: str, args: Any) -> sqlite3.Cursor:
        safe = not self.in_transaction or sql.lstrip().upper().startswith("BEGIN")

        def worth_again(exc: BaseException) -> bool:
            return (safe and isinstance(exc, sqlite3.OperationalError) and _is_busy(exc)
                    and not self.in_transaction)

        return retry.run(lambda _: run(sql, args), attempts=len(RETRY_DELAYS_S) + 1,
                         wait=retry.schedule(RETRY_DELAYS_S), retry_exception=worth_again)


class SQLiteStore:
    """Base of every store that owns tables: one connection per thread, opened on first use.

    Subclasses set ``SCHEMA`` (``CREATE TABLE IF NOT EXISTS ...``); it is applied
    once per new connection, so a store works on a fresh file without a setup step.
    Sanic handlers and the action server's thread pool may share one instance.
    (On PostgreSQL, see :func:`connect`, the same class works unchanged.)
    """

    SCHEMA: str = ""

    def __init__(self, db_path: DbPath) -> None:
        self.db_path = db_path
        self._local = threading.local()

    @property
    def conn(self) -> Any:
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


# -- PostgreSQL -----------------------------------------------------------------------------------

# One advisory lock key per database: BEGIN IMMEDIATE takes it for the transaction.
WRITE_LOCK_KEY = zlib.crc32(b"kefu.db.write-lock")
_SQLITE_MASTER = (
    "(SELECT table_name AS name, 'table' AS type FROM information_schema.tables"
    " WHERE table_schema = current_schema()) AS sqlite_master"
)
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?|%|[^'\"?%-]+|-")
_INSERT_TABLE = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite SQL as kefu's stores write it -> PostgreSQL SQL with ``%s`` parameters.

    String literals and quoted names are kept (``%`` doubled); everything else is rewritten:
    ``?`` -> ``%s``, ``%`` -> ``%%``, ``INTEGER PRIMARY KEY [AUTOINCREMENT]`` -> ``BIGSERIAL
    PRIMARY KEY``, ``INTEGER`` -> ``BIGINT``, ``REAL`` -> ``DOUBLE PRECISION`` (SQLite's REAL
    is 8 bytes, PostgreSQL's 4), ``INSERT OR IGNORE`` -> ``... ON CONFLICT DO NOTHING``,
    ``MIN(a, b)``/``MAX(a, b)`` -> ``LEAST``/``GREATEST``, ``sqlite_master`` -> the catalog.
    """
    out: List[str] = []
    for token in _TOKEN.findall(sql):
        if token[0] in "'\"" or token.startswith("--"):
            out.append(token.replace("%", "%%"))  # psycopg2 formats the whole text
        elif token == "?":
            out.append("%s")
        elif token == "%":
            out.append("%%")
        else:
            token = re.sub(r"\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b", "BIGSERIAL PRIMARY KEY", token, flags=re.I)
            token = re.sub(r"\bINTEGER\b", "BIGINT", token, flags=re.I)
            token = re.sub(r"\bREAL\b", "DOUBLE PRECISION", token, flags=re.I)
            token = re.sub(r"\bFROM\s+sqlite_master\b", "FROM " + _SQLITE_MASTER, token, flags=re.I)
            out.append(token)
    text = "".join(out)
    if re.match(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", text, re.I):
        text = re.sub(r"^(\s*INSERT)\s+OR\s+IGNORE(\s+INTO)", r"\1\2", text, flags=re.I).rstrip().rstrip(";")
        text += " ON CONFLICT DO NOTHING"
    elif re.match(r"^\s*INSERT\s+OR\s+", text, re.I):
        raise sqlite3.NotSupportedError(f"kefu.db: no PostgreSQL translation for {sql.split('(')[0]!r}")
    return _scalar_min_max(text)


def _scalar_min_max(text: str) -> str:
    """``MIN(a, b)`` (SQLite's scalar form, two or more arguments) -> ``LEAST(a, b)``."""
    result, pos = [], 0
    for match in re.finditer(r"\b(MIN|MAX)\s*\(", text, re.I):
        if match.start() < pos:
            continue
        depth, i, commas = 1, match.end(), 0
        while i < len(text) and depth:
            char = text[i]
            depth += char == "("
            depth -= char == ")"
            commas += char == "," and depth == 1
            i += 1
        if commas:
            result.append(text[pos:match.start()])
            result.append("LEAST(" if match.group(1).upper() == "MIN" else "GREATEST(")
            pos = match.end()
    result.append(text[pos:])
    return "".join(result)


def split_script(script: str) -> List[str]:
    """Statements of an ``executescript`` script (semicolons inside quotes kept)."""
    statements, current = [], []
    for token in re.findall(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|;|[^'\";-]+|-", script):
        if token == ";":
            statements.append("".join(current))
            current = []
        elif not token.startswith("--"):
            current.append(token)
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


class Row(tuple):
    """A result row addressable like ``sqlite3.Row``: by index, by column name, ``keys()``."""

    _columns: Tuple[str, ...] = ()

    def __new__(cls, values: Sequence[Any], columns: Tuple[str, ...]) -> "Row":
        row = super().__new__(cls, values)
        row._columns = columns
        return row

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._columns.index(key))
            except ValueError:
                raise IndexError(f"No item with that key: {key!r}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> List[str]:
        return list(self._columns)


def _value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # SUM/AVG of integers come back as numeric
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _param(value: Any) -> Any:
    if isinstance(value, bool):  # SQLite stores booleans as 0/1 in INTEGER columns
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


class PgCursor:
    """The cursor surface the stores use: fetchone/fetchall/iteration, lastrowid, rowcount."""

    def __init__(self, rows: List[Row], rowcount: int, lastrowid: Optional[int]) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def fetchone(self) -> Optional[Row]:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> List[Row]:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Row]:
        while True:
            row = self.fetchone()
            if row is None:
                return
            yield row

    def close(self) -> None:
        self._rows = []


class PgConnection:
    """A psycopg2 connection with the ``sqlite3.Connection`` surface kefu's stores use.

    Autocommit like kefu's SQLite connections (``isolation_level=None``); explicit
    ``BEGIN IMMEDIATE`` starts a transaction that holds :data:`WRITE_LOCK_KEY`, so
    writers queue as on SQLite while readers never wait. A connection lost to a
    PostgreSQL restart fails the statement that found it; the next one reconnects.
    """

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+psycopg2://", "postgresql://", 1)
        self.row_factory: Any = None  # accepted for sqlite3 compatibility; rows are always Row
        self._serial_columns: Optional[dict] = None
        self._conn = self._open()

    def _open(self) -> Any:
        import psycopg2  # deferred: SQLite users never import it

        try:
            conn = psycopg2.connect(self.url, connect_timeout=10)
        except psycopg2.Error as exc:
            raise _as_sqlite_error(exc) from exc
        conn.autocommit = True
        return conn

    @property
    def in_transaction(self) -> bool:
        import psycopg2.extensions as ext

        return self._conn.info.transaction_status != ext.TRANSACTION_STATUS_IDLE

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        command = sql.strip().rstrip(";").upper()
        if command.startswith("PRAGMA"):
            return PgCursor([], -1, None)
        if command in ("BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "BEGIN DEFERRED", "BEGIN TRANSACTION"):
            self._run("BEGIN", ())
            if command != "BEGIN DEFERRED":
                self._run("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            return PgCursor([], -1, None)
        text = translate(sql)
        serial = self._returning_column(sql)
        if serial:
            text = f"{text} RETURNING {serial}"
        rows, rowcount = self._run(text, tuple(_param(p) for p in parameters))
        lastrowid = rows[0][0] if serial and rows else None
        return PgCursor([] if serial else rows, rowcount, lastrowid)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        text = translate(sql)
        total = 0
        for parameters in seq:
            total += max(self._run(text, tuple(_param(p) for p in parameters))[1], 0)
        return PgCursor([], total, None)

    def executescript(self, script: str) -> None:
        """Run a schema script in one transaction holding the write lock (so two processes
        creating the same tables at once do not collide in PostgreSQL's catalog)."""
        own = not self.in_transaction
        if own:
            self.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_script(script):
                self.execute(statement)
        except BaseException:
            if own:
                self.execute("ROLLBACK")
            raise
        if own:
            self.execute("COMMIT")

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "PgConnection":
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type:
            self.rollback()
        else:
            self.commit()

    # -- internals ---------------------------------------------------------------------------
    def _run(self, text: str, parameters: Tuple[Any, ...]) -> Tuple[List[Row], int]:
        import psycopg2

        if self._conn.closed:
            # Lost earlier (PostgreSQL restarted): that statement raised, so whatever
            # transaction it was in has already failed for its caller; start afresh.
            self._conn = self._open()
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(text, parameters)
                columns = tuple(d.name for d in cursor.description or ())
                rows = [Row([_value(v) for v in r], columns) for r in cursor.fetchall()] if columns else []
                return rows, cursor.rowcount
        except psycopg2.Error as exc:
            raise _as_sqlite_error(exc) from exc

    def _returning_column(self, sql: str) -> Optional[str]:
        """The serial column of the table an INSERT writes to (for ``lastrowid``)."""
        match = _INSERT_TABLE.match(sql)
        if not match:
            return None
        table = match.group(1).lower()
        if self._serial_columns is None or table not in self._serial_columns:
            rows, _ = self._run(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%%'", ())
            self._serial_columns = {r[0]: r[1] for r in rows}
            self._serial_columns.setdefault(table, None)
        return self._serial_columns.get(table)


def _as_sqlite_error(exc: Exception) -> Exception:
    """The ``sqlite3`` exception with the same DB-API name (IntegrityError, OperationalError...).

    Bad SQL is a ``ProgrammingError`` in psycopg2 but an ``OperationalError`` in sqlite3
    (whose ProgrammingError means misuse of the API): it is raised as SQLite would.
    """
    for cls in type(exc).__mro__:
        if cls.__name__ == "ProgrammingError":
            return sqlite3.OperationalError(f"PostgreSQL: {str(exc).strip()}")
        target = getattr(sqlite3, cls.__name__, None)
        if isinstance(target, type) and issubclass(target, sqlite3.Error):
            return target(f"PostgreSQL: {str(exc).strip()}")
    return sqlite3.DatabaseError(f"PostgreSQL: {str(exc).strip()}")
