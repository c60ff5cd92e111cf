"""The ``order_source:`` section of shop.yml: which source answers order questions, and its credentials.

::

    order_source:
      type: doudian            # local (default) | doudian | pinduoduo | taobao | jd
      timeout_s: 5             # per HTTP attempt, 0.5-30
      retries: 2               # extra attempts after a timeout or 5xx, 0-5
      fallback: local          # local (answer from the store when the API is down) | none
      sign_method: hmac-sha256 # doudian: hmac-sha256 | md5; taobao: md5 | hmac (optional)
      base_url: https://...    # optional (a sandbox gateway)
      credentials_file: /etc/kefu/order-api.yml   # optional, outside the repository

Secrets never sit in shop.yml: they come from ``KEFU_ORDER_APP_KEY``,
``KEFU_ORDER_APP_SECRET``, ``KEFU_ORDER_ACCESS_TOKEN`` (kefu.settings) or, when
those are unset, from ``credentials_file`` (YAML with ``app_key``, ``app_secret``,
``access_token``), which must be outside the repository or in the git-ignored state folder.
:func:`validate_order_source` is the one check; shop config loading calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional


from kefu.settings import PROJECT_ROOT

TYPES = ("local", "doudian", "pinduoduo", "taobao", "jd")
KEYS = {"type", "timeout_s", "retries", "fallback", "sign_method", "base_url", "credentials_file"}
SECRET_KEYS = {"app_key", "app_secret", "access_token", "client_id", "client_secret", "session", "secret"}
SIGN_METHODS = {"doudian": ("hmac-sha256", "md5"), "taobao": ("md5", "hmac")}


class OrderSourceConfigError(ValueError):
    """An invalid ``order_source`` section; the message names the file and the key."""


@dataclass(frozen=True)
class OrderSourceConfig:
    type: str = "local"
    timeout_s: float = 5.0
    retries: int = 2
    fallback: str = "local"
    sign_method: Optional[str] = None
    base_url: Optional[str] = None
    credentials_file: Optional[Path] = None


def validate_order_source(raw: Any, file: str = "shop/shop.yml") -> OrderSourceConfig:
    """``raw`` (the YAML value of ``order_source``, or None) as a checked :class:`OrderSourceConfig`."""
    where = f"{file}: order_source"
    if raw is None:
        return OrderSourceConfig()
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        raise OrderSourceConfigError(f"{where}: must be a mapping (type, timeout_s, retries, ...)")
    secrets = sorted(set(map(str, raw)) & SECRET_KEYS)
    if secrets:
        raise OrderSourceConfigError(
            f"{where}.{secrets[0]}: secrets do not belong in shop.yml; set KEFU_ORDER_APP_KEY / KEFU_ORDER_APP_SECRET /"
            " KEFU_ORDER_ACCESS_TOKEN or use credentials_file outside the repository")
    unknown = sorted(set(map(str, raw)) - KEYS)
    if unknown:
        raise OrderSourceConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    kind = raw.get("type", "local")
    if kind not in TYPES:
        raise OrderSourceConfigError(f"{where}.type: must be one of {', '.join(TYPES)}, got {kind!r}")
    timeout = _number(raw.get("timeout_s", 5.0), 0.5, 30.0, f"{where}.timeout_s")
    retries = _number(raw.get("retries", 2), 0, 5, f"{where}.retries")
    if int(retries) != retries:
        raise OrderSourceConfigError(f"{where}.retries: must be a whole number")
    fallback = raw.get("fallback", "local")
    if fallback not in ("local", "none"):
        raise OrderSourceConfigError(f"{where}.fallback: must be local or none, got {fallback!r}")
    sign_method = raw.get("sign_method")
    if sign_method is not None and sign_method not in SIGN_METHODS.get(kind, ()):
        allowed = ", ".join(SIGN_METHODS.get(kind, ())) or "none (this platform has one method)"
        raise OrderSourceConfigError(f"{where}.sign_method: for {kind} one of {allowed}, got {sign_method!r}")
    base_url = raw.get("base_url")
    if base_url is not None and (not isinstance(base_url, str) or not base_url.startswith(("https://", "http://"))):
        raise OrderSourceConfigError(f"{where}.base_url: must be an http(s) URL")
    credentials_file = raw.get("credentials_file")
    path: Optional[Path] = None
    if credentials_file is not None:
        if not isinstance(credentials_file, str) or not credentials_file.strip():
            raise OrderSourceConfigError(f"{where}.credentials_file: must be a path")
        path = Path(credentials_file).expanduser()
        if not path.is_absolute():
            raise OrderSourceConfigError(f"{where}.credentials_file: must be an absolute path outside the repository")
        resolved = path.resolve()
        if _inside(resolved, PROJECT_ROOT) and not _inside(resolved, PROJECT_ROOT / ".kefu"):
            raise OrderSourceConfigError(f"{where}.credentials_file: {path} is inside the repository (it could be "
                                         "committed); keep it outside, or under the git-ignored .kefu/")
    return OrderSourceConfig(kind, float(timeout), int(retries), fallback, sign_method, base_url, path)


def _number(value: Any, low: float, high: float, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise OrderSourceConfigError(f"{where}: must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
    except ValueError:
        return False
    return True
