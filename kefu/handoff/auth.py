"""Console agents and their sessions.

Passwords are stored as salted scrypt hashes (``scrypt$n$r$p$salt$hash``);
sessions are random tokens of which only the SHA-256 is stored, each with its
own CSRF token and an expiry. Nothing secret is ever logged.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from kefu.db import SQLiteStore, column_names, transaction
from kefu.tokens import same_secret

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_agents (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    REAL NOT NULL,
    last_login    REAL,
    role          TEXT NOT NULL DEFAULT 'agent',
    disabled      INTEGER NOT NULL DEFAULT 0
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
ROLES = ("agent", "supervisor")
ROLE_LABELS = {"agent": "客服", "supervisor": "主管"}
# Columns added after the first release: added to older files on first use.
_LATER_COLUMNS = (("role", "TEXT NOT NULL DEFAULT 'agent'"), ("disabled", "INTEGER NOT NULL DEFAULT 0"))


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
    return same_secret(digest.hex(), expected)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    agent: str
    csrf: str
    expires_at: float
    role: str = "agent"

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass(frozen=True)
class Agent:
    name: str
    role: str
    disabled: bool
    created_at: float
    last_login: Optional[float]

    def as_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "role": self.role, "role_label": ROLE_LABELS.get(self.role, self.role),
                "disabled": self.disabled, "created_at": self.created_at, "last_login": self.last_login}


class AgentStore(SQLiteStore):
    """Agents and sessions in the shared SQLite file (lazy connection, one per thread)."""

    SCHEMA = SCHEMA

    def __init__(self, db_path: Union[str, Path], session_seconds: int = SESSION_SECONDS) -> None:
        super().__init__(db_path)
        self.session_seconds = session_seconds

    @property
    def conn(self) -> sqlite3.Connection:
        conn = super().conn
        if not getattr(self._local, "migrated", False):
            present = column_names(conn, "handoff_agents")
            for column, spec in _LATER_COLUMNS:
                if column not in present:
                    try:
                        conn.execute(f"ALTER TABLE handoff_agents ADD COLUMN {column} {spec}")
                    except sqlite3.OperationalError:  # another process added it first
                        continue
                    if column == "role":  # a file from before roles: the first agent keeps running the shop
                        conn.execute("UPDATE handoff_agents SET role = 'supervisor' WHERE name = ?", (FIRST_AGENT,))
            self._local.migrated = True
        return conn

    # --- agents -----------------------------------------------------------------------------------

    def add(self, name: str, password: str, *, replace: bool = False, role: Optional[str] = None) -> None:
        if role is not None and role not in ROLES:
            raise AuthError(f"role must be one of {', '.join(ROLES)}")
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
                "INSERT INTO handoff_agents (name, password_hash, created_at, role) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
                (name, hashed, time.time(), role or "agent"),
            )
            if exists and role is not None:
                conn.execute("UPDATE handoff_agents SET role = ? WHERE name = ?", (role, name))
            if exists:  # a new password ends the agent's open sessions
                conn.execute("DELETE FROM handoff_sessions WHERE agent = ?", (name,))

    def names(self) -> List[Tuple[str, float, Optional[float]]]:
        rows = self.conn.execute("SELECT name, created_at, last_login FROM handoff_agents ORDER BY name")
        return [(row["name"], row["created_at"], row["last_login"]) for row in rows]

    def agents(self) -> List[Agent]:
        rows = self.conn.execute(
            "SELECT name, role, disabled, created_at, last_login FROM handoff_agents ORDER BY name").fetchall()
        return [Agent(r["name"], r["role"], bool(r["disabled"]), r["created_at"], r["last_login"]) for r in rows]

    def get(self, name: str) -> Optional[Agent]:
        return next((agent for agent in self.agents() if agent.name == name), None)

    def set_role(self, name: str, role: str) -> None:
        if role not in ROLES:
            raise AuthError(f"role must be one of {', '.join(ROLES)}")
        self._update(name, "UPDATE handoff_agents SET role = ? WHERE name = ?", (role, name))

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (ends the agent's sessions at once) or enable an account."""
        self._update(name, "UPDATE handoff_agents SET disabled = ? WHERE name = ?", (int(disabled), name))
        if disabled:
            self.conn.execute("DELETE FROM handoff_sessions WHERE agent = ?", (name,))

    def reset_password(self, name: str) -> str:
        """A new random password (returned once, never stored in clear); ends the agent's sessions."""
        if self.get(name) is None:
            raise AuthError(f"no agent {name!r}")
        password = secrets.token_urlsafe(12)
        self.add(name, password, replace=True)
        return password

    def _update(self, name: str, sql: str, params: tuple) -> None:
        if self.conn.execute(sql, params).rowcount == 0:
            raise AuthError(f"no agent {name!r}")

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
        row = self.conn.execute(
            "SELECT password_hash, disabled FROM handoff_agents WHERE name = ?", (name,)).fetchone()
        if row is None or row["disabled"]:
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
        role = self.conn.execute("SELECT role FROM handoff_agents WHERE name = ?", (name,)).fetchone()["role"]
        session = Session(name, csrf, now + self.session_seconds, role)
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
            "SELECT s.agent, s.csrf, s.expires_at, a.role, a.disabled FROM handoff_sessions s"
            " JOIN handoff_agents a ON a.name = s.agent WHERE s.token_hash = ?", (_token_hash(token),)
        ).fetchone()
        if row is None or row["disabled"] or row["expires_at"] <= (time.time() if now is None else now):
            return None
        return Session(row["agent"], row["csrf"], row["expires_at"], row["role"])

    def logout(self, token: Optional[str]) -> None:
        if token:
            self.conn.execute("DELETE FROM handoff_sessions WHERE token_hash = ?", (_token_hash(token),))


def ensure_first_agent(settings: "object") -> Optional[Tuple[str, str]]:
    """On first run (no agent yet), create ``admin`` (a supervisor) with a random password, returned once.

    Used by ``kefu up``, which prints it; the password is never stored in clear
    or logged.
    """
    store = AgentStore(getattr(settings, "db_path"))
    if store.count():
        return None
    password = secrets.token_urlsafe(12)
    store.add(FIRST_AGENT, password, role="supervisor")
    return FIRST_AGENT, password
