"""Real engines for the scale tests: PostgreSQL and Redis from Debian's packages.

`make test-scale` installs them (apt-get) and runs these tests; each session starts its
own private cluster and Redis on free loopback ports under a temporary folder, so a
running `make scale` or another developer's engines are never touched.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from kefu.scale import LocalPostgres, LocalRedis


@pytest.fixture(scope="session")
def engines_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="kefu-scale-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(engines_dir: Path) -> Iterator[LocalPostgres]:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
        pytest.fail("PostgreSQL is not installed: `make test-scale` installs it (apt-get install postgresql)")
    pg = LocalPostgres("postgres", engines_dir / "pgdata").start()
    yield pg
    pg.stop()


@pytest.fixture(scope="session")
def redis(engines_dir: Path) -> Iterator[LocalRedis]:
    if not shutil.which("redis-server"):
        pytest.fail("Redis is not installed: `make test-scale` installs it (apt-get install redis-server)")
    server = LocalRedis("redis", engines_dir / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: LocalPostgres) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    import psycopg2

    name = f"t_{secrets.token_hex(6)}"
    server = postgres.url.rsplit("/", 1)[0]

    def admin(statement: str) -> None:  # a new connection each time: a test may restart the server
        conn = psycopg2.connect(server + "/postgres")
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(statement)
        conn.close()

    admin(f"CREATE DATABASE {name}")
    yield f"{server}/{name}"
    admin(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def kefu_on_postgres(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """KEFU_DATABASE_URL set: every store opened on the configured db_path lands in PostgreSQL.

    Returns that db_path; the test asserts no SQLite file appears there.
    """
    db_path = tmp_path / "kefu.db"
    monkeypatch.setenv("KEFU_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("KEFU_DB_PATH", str(db_path))
    monkeypatch.setenv("KEFU_DATABASE_URL", pg_url)
    return db_path
