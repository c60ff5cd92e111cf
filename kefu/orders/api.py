"""What every platform order adapter shares: credentials, signed calls with timeouts and retries,
masked logging, and turning a platform's order into the shop's :class:`~kefu.shop.models.Order`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional
from zoneinfo import ZoneInfo

import yaml

from kefu.masking import mask_mapping, mask_order_id
from kefu.orders.transport import (HttpRequest, HttpResponse, OrderSourceError, Sleep, Transport,
                                   call_with_retries, requests_transport)
from kefu.settings import Settings
from kefu.shop.models import Order
from kefu.shop.order_source import OrderSourceConfig, OrderSourceConfigError
from kefu.normalize import normalize_province

logger = logging.getLogger("kefu.orders")
CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Credentials:
    """From the environment or a file outside git; ``repr`` never shows the secret or token."""

    app_key: str
    app_secret: str
    access_token: str = ""

    def __repr__(self) -> str:
        return f"Credentials(app_key={self.app_key!r}, app_secret='***', access_token='***')"


class PlatformOrderClient(ABC):
    """One platform's order API. Subclasses build the signed request and parse the response."""

    platform: str = ""
    default_base_url: str = ""
    default_sign_method: str = ""  # platforms with a choice (抖店, Taobao) name their default

    def __init__(self, credentials: Credentials, *, transport: Transport = requests_transport, timeout_s: float = 5.0,
                 retries: int = 2, base_url: Optional[str] = None, sign_method: Optional[str] = None,
                 clock: Callable[[], float] = time.time, sleep: Sleep = time.sleep) -> None:
        self.credentials = credentials
        self.sign_method = sign_method or self.default_sign_method
        self.transport, self.timeout_s, self.retries = transport, timeout_s, retries
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.clock, self.sleep = clock, sleep

    def get(self, order_id: str) -> Optional[Order]:
        order_id = str(order_id or "").strip()
        if not order_id or len(order_id) > 40:
            return None
        what = f"{self.platform} order {mask_order_id(order_id)}"
        response = call_with_retries(self.transport, self.build_request(order_id), timeout_s=self.timeout_s,
                                     retries=self.retries, what=what, sleep=self.sleep)
        payload = self._json(response, what)
        logger.debug("%s: response %s", what, json.dumps(mask_mapping(payload), ensure_ascii=False)[:2000])
        try:
            return self.parse(payload, order_id)
        except (TypeError, ValueError, AttributeError, IndexError) as exc:  # a field of an unexpected type
            raise bad_shape(self.platform, exc.__class__.__name__) from None

    def _json(self, response: HttpResponse, what: str) -> Mapping[str, Any]:
        if response.status != 200:
            raise OrderSourceError(f"{what}: HTTP {response.status}")
        try:
            payload = json.loads(response.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise OrderSourceError(f"{what}: the response is not JSON") from None
        if not isinstance(payload, dict):
            raise OrderSourceError(f"{what}: unexpected response shape")
        return payload

    def now_text(self) -> str:
        """``YYYY-MM-DD HH:MM:SS`` in Beijing time (Taobao, JD)."""
        return dt.datetime.fromtimestamp(self.clock(), CHINA).strftime("%Y-%m-%d %H:%M:%S")

    @abstractmethod
    def build_request(self, order_id: str) -> HttpRequest:
        """The signed HTTP request for ``order_id``."""

    @abstractmethod
    def parse(self, payload: Mapping[str, Any], order_id: str) -> Optional[Order]:
        """The order in ``payload``; None when the platform says there is no such order."""


def when(value: Any) -> Optional[dt.datetime]:
    """Platform times: unix seconds (抖店, 0 = not yet) or ``YYYY-MM-DD HH:MM:SS`` in Beijing time."""
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return dt.datetime.fromtimestamp(int(value), CHINA)
    try:
        parsed = dt.datetime.strptime(str(value).strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return parsed.replace(tzinfo=CHINA)


def money(value: Any, *, cents: bool = False) -> float:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return 0.0
    return round(amount / 100 if cents else amount, 2)


def text(value: Any, limit: int = 200) -> str:
    return "" if value is None else str(value).strip()[:limit]


def required_time(platform: str, value: Any) -> dt.datetime:
    moment = when(value)
    if moment is None:
        raise bad_shape(platform, "order time missing")
    return moment


def province_of(name: str) -> Optional[str]:
    """江苏省 -> 江苏 (the key of shop.yml's delivery_days)."""
    return normalize_province(name) if name else None


def bad_shape(platform: str, what: str) -> OrderSourceError:
    return OrderSourceError(f"{platform}: unexpected response ({what})")


def load_credentials(config: OrderSourceConfig, settings: Settings) -> Credentials:
    """Credentials for an API source: the environment first, then ``credentials_file``."""
    key, secret, token = settings.order_app_key, settings.order_app_secret, settings.order_access_token
    if not (key and secret) and config.credentials_file is not None:
        try:
            data = yaml.safe_load(config.credentials_file.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise OrderSourceConfigError(f"{config.credentials_file}: cannot read credentials "
                                         f"({exc.__class__.__name__})") from None
        if not isinstance(data, dict):
            raise OrderSourceConfigError(f"{config.credentials_file}: must be a mapping of app_key, app_secret, "
                                         "access_token")
        key, secret, token = (str(data.get(k) or "") for k in ("app_key", "app_secret", "access_token"))
    if not (key and secret):
        raise OrderSourceConfigError(f"order_source {config.type}: no credentials: set KEFU_ORDER_APP_KEY and "
                                     "KEFU_ORDER_APP_SECRET (and KEFU_ORDER_ACCESS_TOKEN), or credentials_file")
    return Credentials(key, secret, token or "")
