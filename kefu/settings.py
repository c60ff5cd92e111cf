"""Configuration in one place.

Every path, port and switch kefu uses is read here from ``KEFU_*`` environment
variables (converted to their types, as sanic's config does), with defaults that
work from a fresh clone: state under ``.kefu/`` in the project root, sample shop
data under ``shop/``, rule packs under ``rules/``.
"""

from __future__ import annotations

import os
from ipaddress import ip_address
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("pinduoduo", "taobao", "jd", "douyin")
ENV_PREFIX = "KEFU_"


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. Build with :meth:`from_env`; pass it down explicitly."""

    root: Path = PROJECT_ROOT
    state_dir: Path = PROJECT_ROOT / ".kefu"
    shop_dir: Path = PROJECT_ROOT / "shop"
    rules_dir: Path = PROJECT_ROOT / "rules"
    # One SQLite file for shop data, tickets, agents and the guard's audit log.
    db_path: Path = PROJECT_ROOT / ".kefu" / "kefu.db"
    # The same stores on PostgreSQL instead (several replicas): postgresql://user:pw@host:port/db.
    # `kefu scale` (kefu/scale.py) also keeps Rasa's trackers there, and needs a Redis lock
    # store for its replicas: redis://host:port/db (both started locally when unset).
    database_url: Optional[str] = None
    redis_url: Optional[str] = None
    # action_answer starts a new Rasa session (each slot carried once) after this many buyer
    # messages, never during a hand-off or between two misses; 0 = only Rasa's clock ends
    # sessions. Keeps turn 300 as cheap as turn 1 (actions/session.py, docs/scale.md).
    session_max_turns: int = 10
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8080
    # Default platform when neither metadata nor the shop config names one.
    default_platform: Optional[str] = None
    # Secret used to sign console sessions; generated into state_dir when unset.
    secret_key: Optional[str] = None
    # Optional webhook receiving each new handoff ticket as JSON.
    handoff_webhook_url: Optional[str] = None
    log_level: str = "INFO"
    # Platform order API credentials (shop.yml order_source; kefu/shop/order_source.py). Never in git.
    order_app_key: Optional[str] = None
    order_app_secret: Optional[str] = None
    order_access_token: Optional[str] = None
    # 抖店 message push (kefu/orders/doudian_webhook.py): the app whose events are verified.
    doudian_app_key: Optional[str] = None
    doudian_app_secret: Optional[str] = None
    # Signed bridge channel (kefu_rasa/bridge.py): shared HMAC secret (generated into state_dir
    # when unset), where replies are posted, and how old a signed request may be.
    bridge_secret: Optional[str] = None
    bridge_callback_url: Optional[str] = None
    bridge_max_skew_s: int = 300
    # PIPL retention: `kefu purge` removes buyers' personal data from conversations and tickets
    # older than this many days (kefu/retention.py, docs/privacy.md).
    retention_days: int = 180
    # Proxies whose X-Forwarded-Proto the web app believes (comma-separated addresses).
    trusted_proxies: str = "127.0.0.1,::1"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def token_file(self) -> Path:
        """Where the Rasa HTTP API token is kept (generated on first run, never in git)."""
        return self.state_dir / "rasa-api-token"

    @property
    def trusted_proxy_set(self) -> frozenset:
        return frozenset(part.strip() for part in self.trusted_proxies.split(",") if part.strip())

    @property
    def tracker_db_path(self) -> Path:
        """Rasa's SQL tracker store (KEFU_TRACKER_DB, set by kefu up); the console reads its events."""
        return self.state_dir / "conversations.db"

    @property
    def phrases_path(self) -> Path:
        """The agents' quick phrases (快捷短语)."""
        return self.shop_dir / "phrases.yml"

    @property
    def shop_config_path(self) -> Path:
        return self.shop_dir / "shop.yml"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Read ``KEFU_<FIELD>`` variables, e.g. ``KEFU_DB_PATH``, ``KEFU_RASA_PORT``."""
        env = os.environ if env is None else env
        values = {}
        for spec in fields(cls):
            raw = env.get(ENV_PREFIX + spec.name.upper())
            if raw is None or raw == "":
                continue
            values[spec.name] = _convert(spec.name, raw, spec.type)
        settings = cls(**values)
        # Paths derived from state_dir follow it unless set explicitly.
        if "state_dir" in values and "db_path" not in values:
            settings = _replace(settings, db_path=settings.state_dir / "kefu.db")
        for address in settings.trusted_proxy_set:
            try:
                ip_address(address)
            except ValueError:
                raise ValueError(f"KEFU_TRUSTED_PROXIES: {address!r} is not an IP address") from None
        if settings.database_url and not settings.database_url.startswith(
            ("postgresql://", "postgres://", "postgresql+psycopg2://")
        ):
            raise ValueError(
                f"KEFU_DATABASE_URL must be a postgresql://user:password@host:port/db URL "
                f"(unset it for the embedded SQLite default), got {settings.database_url.split('@')[-1]!r}"
            )
        if settings.default_platform and settings.default_platform not in PLATFORMS:
            raise ValueError(
                f"KEFU_DEFAULT_PLATFORM={settings.default_platform!r} is not one of {', '.join(PLATFORMS)}"
            )
        if settings.session_max_turns < 0:
            raise ValueError(f"KEFU_SESSION_MAX_TURNS must be 0 (sessions end only by time) or more, "
                             f"got {settings.session_max_turns}")
        _check_bridge(settings)
        if settings.retention_days < 1:
            raise ValueError(f"KEFU_RETENTION_DAYS must be at least 1 day, got {settings.retention_days}")
        return settings


def _check_bridge(settings: Settings) -> None:
    """The bridge's shared secret must be guess-proof and its callback a URL, or kefu does not start."""
    if settings.bridge_secret is not None and len(settings.bridge_secret) < 16:
        raise ValueError("KEFU_BRIDGE_SECRET must be at least 16 characters (e.g. `openssl rand -hex 32`)")
    url = settings.bridge_callback_url
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValueError(f"KEFU_BRIDGE_CALLBACK_URL must be an http(s) URL, got {url!r}")
    if not 30 <= settings.bridge_max_skew_s <= 3600:
        raise ValueError(f"KEFU_BRIDGE_MAX_SKEW_S must be 30 to 3600 seconds, got {settings.bridge_max_skew_s}")


def _replace(settings: Settings, **changes: object) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


def _convert(name: str, raw: str, type_name: object) -> object:
    text = str(type_name)
    if "Path" in text:
        return Path(raw).expanduser().resolve()
    if "int" in text:
        try:
            return int(raw)
        except ValueError as exc:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a whole number, got {raw!r}") from exc
    return raw
