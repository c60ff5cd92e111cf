"""Console agents and their sessions.

Passwords are stored as salted scrypt hashes (``scrypt$n$r$p$salt$hash``);
sessions are random tokens of which only the SHA-256 is stored, each with its
own CSRF token and an expiry. Nothing secret is ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple, Union

from kefu.db import SQLiteStore, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_agents (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    REAL NOT NULL,
    last_login    REAL
);
CREATE TABLE IF NOT EXISTS handoff_sessions (
    token_hash TEXT PRIMARY KEY,
    agent      TEXT NOT NULL REFERENCES handoff_agents (name) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
"""

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_SECONDS = 8 * 3600
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 256
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
FIRST_AGENT = "admin"


class AuthError(ValueError):
    """A user-facing problem with an agent name or password."""


def hash_password(password: str, *, salt: Optional[bytes] = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected) // 2
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    agent: str
    csrf: str
    expires_at: float


class AgentStore(SQLiteStore):
    """Agents and sessions in the shared SQLite file (lazy connection, one per thread)."""

    SCHEMA = SCHEMA

    def __init__(self, db_path: Union[str, Path], session_seconds: int = SESSION_SECONDS) -> None:
        super().__init__(db_path)
        self.session_seconds = session_seconds


    # --- agents -----------------------------------------------------------------------------------

    def add(self, name: str, password: str, *, replace: bool = False) -> None:
        if not name or len(name) > 64 or not set(name) <= NAME_CHARS:
            raise AuthError("agent names use 1-64 letters, digits, '_', '.', '-'")
        if not (MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS):
            raise AuthError(f"passwords have {MIN_PASSWORD_CHARS}-{MAX_PASSWORD_CHARS} characters")
        hashed = hash_password(password)
        with transaction(self.conn) as conn:
            exists = conn.execute("SELECT 1 FROM handoff_agents WHERE name = ?", (name,)).fetchone()
            if exists and not replace:
                raise AuthError(f"agent {name!r} exists already")
            conn.execute(
                "INSERT INTO handoff_agents (name, password_hash, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
                (name, hashed, time.time()),
            )
            if exists:  # a new password ends the agent's open sessions
                conn.execute("DELETE FROM handoff_sessions WHERE agent = ?", (name,))

    def names(self) -> List[Tuple[str, float, Optional[float]]]:
        rows = self.conn.execute("SELECT name, created_at, last_login FROM handoff_agents ORDER BY name")
        return [(row["name"], row["created_at"], row["last_login"]) for row in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM handoff_agents").fetchone()[0])

    def active_agents(self, now: Optional[float] = None) -> int:
        """Agents with a live console session (at least 1, for wait estimates)."""
        row = self.conn.execute(
            "SELECT COUNT(DISTINCT agent) FROM handoff_sessions WHERE expires_at > ?",
            (time.time() if now is None else now,),
        ).fetchone()
        return max(1, int(row[0]))

    def verify(self, name: str, password: str) -> bool:
        row = self.conn.execute("SELECT password_hash FROM handoff_agents WHERE name = ?", (name,)).fetchone()
        if row is None:
            verify_password(password, hash_password("timing-equaliser"))  # same cost for unknown names
            return False
        return verify_password(password, row["password_hash"])

    # --- sessions ---------------------------------------------------------------------------------

    def login(self, name: str, password: str, now: Optional[float] = None) -> Optional[Tuple[str, Session]]:
        """(cookie token, session) for valid credentials, else None."""
        if not isinstance(name, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
            return None
        if not self.verify(name, password):
            return None
        now = time.time() if now is None else now
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session = Session(name, csrf, now + self.session_seconds)
        with transaction(self.conn) as conn:
            conn.execute("DELETE FROM handoff_sessions WHERE expires_at < ?", (now,))
            conn.execute(
                "INSERT INTO handoff_sessions (token_hash, agent, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (_token_hash(token), name, csrf, now, session.expires_at),
            )
            conn.execute("UPDATE handoff_agents SET last_login = ? WHERE name = ?", (now, name))
        return token, session

    def session(self, token: Optional[str], now: Optional[float] = None) -> Optional[Session]:
        if not token or len(token) > 200:
            return None
        row = self.conn.execute(
            "SELECT agent, csrf, expires_at FROM handoff_sessions WHERE token_hash = ?", (_token_hash(token),)
        ).fetchone()
        if row is None or row["expires_at"] <= (time.time() if now is None else now):
            return None
        return Session(row["agent"], row["csrf"], row["expires_at"])

    def logout(self, token: Optional[str]) -> None:
        if token:
            self.conn.execute("DELETE FROM handoff_sessions WHERE token_hash = ?", (_token_hash(token),))


def ensure_first_agent(settings: "object") -> Optional[Tuple[str, str]]:
    """On first run (no agent yet), create ``admin`` with a random password and return it once.

    Used by ``kefu up``, which prints it; the password is never stored in clear
    or logged.
    """
    store = AgentStore(getattr(settings, "db_path"))
    if store.count():
        return None
    password = secrets.token_urlsafe(12)
    store.add(FIRST_AGENT, password)
    return FIRST_AGENT, password
