"""Database connections shared by every kefu area (shop data, tickets, tasks, agents, audit).

SQLite is the embedded default: several processes (action server, Rasa's channels, console)
use the same file, so connections use WAL journaling and a busy timeout, and the few
"database is locked" errors SQLite returns *without* waiting (a write lock taken by
another process during WAL recovery or a checkpoint, or a busy timeout that ran out
under load) are retried with a bounded backoff (:data:`RETRY_DELAYS_S`), but only where
retrying is safe: a statement outside a transaction, and ``BEGIN IMMEDIATE`` itself.

For several kefu replicas the same stores run on PostgreSQL, selected by ONE setting,
``KEFU_DATABASE_URL=postgresql://user:password@host:port/db`` (kefu.settings), through
SQLAlchemy Core (installed with Rasa). Nothing is translated by hand:

* **schema**: each store's ``CREATE TABLE``/``CREATE INDEX`` script is the one source; it is
  read into SQLAlchemy ``Table`` objects (:func:`schema_tables`) and SQLAlchemy's PostgreSQL
  dialect emits the DDL (``BIGSERIAL`` keys, ``DOUBLE PRECISION``, defaults, checks, keys);
* **queries** are written once in the SQL both engines speak (``ON CONFLICT``, ``CASE``,
  :func:`table_names`/:func:`column_names` instead of ``sqlite_master``/``PRAGMA``) and run
  on PostgreSQL as SQLAlchemy ``text()`` clauses, which bind the positional ``?`` values;
* ``lastrowid`` comes from ``RETURNING`` the table's serial column, and ``BEGIN IMMEDIATE``
  is a transaction holding one advisory lock (SQLite's single-writer semantics, so
  check-then-insert code stays correct).

:class:`PgConnection` offers the parts of the ``sqlite3.Connection`` API the stores use;
rows answer ``row["name"]``, ``row[0]``, ``row.keys()`` and ``dict(row)`` like
``sqlite3.Row``; errors are raised as the ``sqlite3`` exception of the same DB-API name.
"""

from __future__ import annotations

import decimal
import re
import sqlite3
import threading
import time
import zlib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import NullPool, StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable

from kefu import retry
from kefu.settings import Settings

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
    settings = Settings.from_env()
    if not settings.database_url:
        return None
    if Path(path).expanduser().resolve() != Path(settings.db_path).resolve():
        return None
    return settings.database_url


def table_names(conn: Any) -> set:
    """The tables of the database behind ``conn`` (SQLite or PostgreSQL)."""
    if isinstance(conn, PgConnection):
        return set(conn.inspector().get_table_names())
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def column_names(conn: Any, table: str) -> set:
    """The columns of ``table`` (empty when it does not exist): for adding a later column once."""
    if isinstance(conn, PgConnection):
        inspector = conn.inspector()
        return {c["name"] for c in inspector.get_columns(table)} if inspector.has_table(table) else set()
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


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

        try:
            return run(sql, args)  # nearly always: no retry machinery on the hot path
        except sqlite3.OperationalError as exc:
            if not worth_again(exc):
                raise
        time.sleep(RETRY_DELAYS_S[0])
        return retry.run(lambda _: run(sql, args), attempts=len(RETRY_DELAYS_S),
                         wait=retry.schedule(RETRY_DELAYS_S[1:]), retry_exception=worth_again)


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
_QUOTED_OR_MARK = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|:")
_INSERT_TABLE = re.compile(r"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
_DDL = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)\b", re.I)
_BEGIN = ("BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "BEGIN DEFERRED", "BEGIN TRANSACTION")


@lru_cache(maxsize=64)
def schema_tables(script: str) -> sa.MetaData:
    """A store's SQLite schema script as SQLAlchemy ``Table`` objects, typed for any dialect.

    SQLite reads the script (so it is checked exactly as the default database checks it) and
    SQLAlchemy reflects it; integers become 64-bit (SQLite's are) and ``REAL`` double precision
    (SQLite's REAL is 8 bytes); ``ON DELETE``/``ON UPDATE`` actions are copied from SQLite's
    foreign-key list. The PostgreSQL DDL is then SQLAlchemy's, not ours.
    """
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.executescript(script)
        metadata = sa.MetaData()
        metadata.reflect(bind=sa.create_engine("sqlite://", creator=lambda: scratch, poolclass=StaticPool),
                         only=lambda name, _: not name.startswith("sqlite_"))
        for table in metadata.tables.values():
            for column in table.columns:
                if isinstance(column.type, sa.Integer):
                    column.type = sa.BigInteger()
                elif isinstance(column.type, sa.Float):
                    column.type = postgresql.DOUBLE_PRECISION()
            actions = {(row[2], row[3]): (row[6], row[5])  # (parent, from) -> (on delete, on update)
                       for row in scratch.execute(f"PRAGMA foreign_key_list({table.name})")}
            for constraint in table.foreign_key_constraints:
                on_delete, on_update = actions.get((constraint.referred_table.name, constraint.column_keys[0]),
                                                   ("NO ACTION", "NO ACTION"))
                constraint.ondelete = None if on_delete == "NO ACTION" else on_delete
                constraint.onupdate = None if on_update == "NO ACTION" else on_update
    finally:
        scratch.close()
    return metadata


def schema_ddl(script: str) -> List[Any]:
    """The DDL elements that create ``script``'s tables and indexes when missing (any dialect)."""
    tables = schema_tables(script).sorted_tables
    return ([CreateTable(table, if_not_exists=True) for table in tables]
            + [CreateIndex(index, if_not_exists=True)
               for table in tables for index in sorted(table.indexes, key=lambda i: i.name)])


def postgres_ddl(script: str) -> List[str]:
    """What :func:`schema_ddl` says to PostgreSQL, as text (for reading and for tests)."""
    return [str(ddl.compile(dialect=postgresql.dialect())).strip() for ddl in schema_ddl(script)]


@lru_cache(maxsize=2048)
def bound(sql: str) -> sa.sql.elements.TextClause:
    """``sql`` as a SQLAlchemy ``text()`` clause: each ``?`` outside quotes becomes a bind
    parameter (``:p0``, ``:p1``...), which the dialect renders in its own style; every other
    colon is escaped, so ``'09:00'`` or ``::text`` stay what they are."""
    count = 0

    def mark(match: "re.Match[str]") -> str:
        nonlocal count
        token = match.group(0)
        if token != "?":
            return token.replace(":", "\\:")
        count += 1
        return f":p{count - 1}"

    return sa.text(_QUOTED_OR_MARK.sub(mark, sql))


@lru_cache(maxsize=8)
def _engine(url: str) -> sa.engine.Engine:
    """One engine per URL; no pool of our own: every store thread keeps its connection open."""
    return sa.create_engine(url.replace("postgres://", "postgresql://", 1), poolclass=NullPool,
                            connect_args={"connect_timeout": 10})


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


def _params(parameters: Sequence[Any]) -> Dict[str, Any]:
    return {f"p{i}": _param(value) for i, value in enumerate(parameters)}


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
    """A SQLAlchemy connection to PostgreSQL with the ``sqlite3.Connection`` surface kefu's stores use.

    Autocommit like kefu's SQLite connections (``isolation_level=None``); explicit
    ``BEGIN IMMEDIATE`` starts a transaction that holds :data:`WRITE_LOCK_KEY`, so
    writers queue as on SQLite while readers never wait. A connection lost to a
    PostgreSQL restart fails the statement that found it; the next one reconnects.
    """

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+psycopg2://", "postgresql://", 1)
        self.row_factory: Any = None  # accepted for sqlite3 compatibility; rows are always Row
        self._serial_columns: Dict[str, Optional[str]] = {}
        self._conn = self._open()

    def _open(self) -> sa.engine.Connection:
        try:
            return _engine(self.url).connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.DBAPIError as exc:
            raise _as_sqlite_error(exc) from exc

    @property
    def in_transaction(self) -> bool:
        import psycopg2.extensions as ext  # the driver SQLAlchemy uses; only PostgreSQL users load it

        raw = self._conn.connection.dbapi_connection
        return raw is not None and raw.info.transaction_status != ext.TRANSACTION_STATUS_IDLE

    def inspector(self) -> Any:
        """SQLAlchemy's view of the catalog (tables, columns), read afresh."""
        return sa.inspect(self._live())

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        command = sql.strip().rstrip(";").upper()
        if command.startswith("PRAGMA"):
            return PgCursor([], -1, None)
        if command in _BEGIN:
            self._run(sa.text("BEGIN"))
            if command != "BEGIN DEFERRED":
                self._run(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            return PgCursor([], -1, None)
        if _DDL.match(sql):
            self.executescript(sql)
            return PgCursor([], -1, None)
        serial = self._returning_column(sql)
        text = f"{sql.strip().rstrip(';')} RETURNING {serial}" if serial else sql
        rows, rowcount = self._run(bound(text), _params(parameters))
        lastrowid = rows[0][0] if serial and rows else None
        return PgCursor([] if serial else rows, rowcount, lastrowid)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        clause = bound(sql)
        total = 0
        for parameters in seq:
            total += max(self._run(clause, _params(parameters))[1], 0)
        return PgCursor([], total, None)

    def executescript(self, script: str) -> None:
        """Create a schema script's tables and indexes (:func:`schema_ddl`) in one transaction
        holding the write lock (so two processes creating them at once do not collide)."""
        own = not self.in_transaction
        if own:
            self.execute("BEGIN IMMEDIATE")
        try:
            for ddl in schema_ddl(script):
                self._run(ddl)
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
    def _live(self) -> sa.engine.Connection:
        if self._conn.closed or self._conn.invalidated:
            # Lost earlier (PostgreSQL restarted): that statement raised, so whatever
            # transaction it was in has already failed for its caller; start afresh.
            self._conn.close()
            self._conn = self._open()
        return self._conn

    def _run(self, clause: Any, parameters: Optional[Dict[str, Any]] = None) -> Tuple[List[Row], int]:
        try:
            result = self._live().execute(clause, parameters or {})
            if not result.returns_rows:
                return [], result.rowcount
            columns = tuple(result.keys())
            return [Row([_value(v) for v in r], columns) for r in result.fetchall()], result.rowcount
        except sa.exc.DBAPIError as exc:
            raise _as_sqlite_error(exc) from exc
        except sa.exc.StatementError as exc:  # a bind parameter the SQL does not have, and the like
            raise sqlite3.ProgrammingError(f"PostgreSQL: {exc}") from exc

    def _returning_column(self, sql: str) -> Optional[str]:
        """The serial column of the table an INSERT writes to (for ``lastrowid``)."""
        match = _INSERT_TABLE.match(sql)
        if not match:
            return None
        table = match.group(1).lower()
        if table not in self._serial_columns:
            columns = self.inspector().get_columns(table)
            self._serial_columns[table] = next(
                (c["name"] for c in columns if str(c.get("default") or "").startswith("nextval(")), None)
        return self._serial_columns[table]


def _as_sqlite_error(exc: Exception) -> Exception:
    """The ``sqlite3`` exception with the same DB-API name (IntegrityError, OperationalError...).

    Bad SQL is a ``ProgrammingError`` in psycopg2 but an ``OperationalError`` in sqlite3
    (whose ProgrammingError means misuse of the API): it is raised as SQLite would.
    """
    original = getattr(exc, "orig", None) or exc
    text = f"PostgreSQL: {str(original).strip()}"
    for cls in type(original).__mro__:
        if cls.__name__ == "ProgrammingError":
            return sqlite3.OperationalError(text)
        target = getattr(sqlite3, cls.__name__, None)
        if isinstance(target, type) and issubclass(target, sqlite3.Error):
            return target(text)
    return sqlite3.DatabaseError(text)
