"""Order sources: the local store, or a platform's order API (抖店, Pinduoduo, Taobao, JD).

Actions ask :func:`order_source` for an order; shop.yml's ``order_source:``
section (:mod:`kefu.shop.order_source`) decides who answers. Each adapter signs its
requests as the platform documents (:mod:`kefu.orders.signing`), sends them
through an injectable transport with timeouts and retries
(:mod:`kefu.orders.transport`) and masks buyers' data in logs
(:mod:`kefu.masking`). 抖店's order events keep the store current
(:mod:`kefu.orders.doudian_webhook`, :mod:`kefu.shop.updates`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, Optional, Type

from kefu.orders.api import load_credentials
from kefu.orders.source import FallbackOrderSource, LocalOrderSource, OrderSource, StoreWithOrderSource
from kefu.orders.transport import OrderSourceError, Transport, requests_transport
from kefu.settings import Settings
from kefu.shop.order_source import OrderSourceConfig, OrderSourceConfigError, validate_order_source
from kefu.orders.doudian import DoudianOrderClient
from kefu.orders.jd import JdOrderClient
from kefu.orders.pinduoduo import PinduoduoOrderClient
from kefu.orders.taobao import TaobaoOrderClient
from kefu.shop.store import ShopStore
from kefu.shop.validation import display_path, read_yaml

if TYPE_CHECKING:
    from kefu.orders.api import PlatformOrderClient

__all__ = [
    "FallbackOrderSource", "LocalOrderSource", "OrderSource", "OrderSourceConfig", "OrderSourceConfigError",
    "OrderSourceError", "StoreWithOrderSource", "build_order_source", "order_source", "validate_order_source",
    "with_order_source",
]


def _client_class(kind: str) -> "Type[PlatformOrderClient]":
    classes: Dict[str, "Type[PlatformOrderClient]"] = {
        "doudian": DoudianOrderClient, "pinduoduo": PinduoduoOrderClient, "taobao": TaobaoOrderClient,
        "jd": JdOrderClient,
    }
    return classes[kind]


def build_order_source(config: OrderSourceConfig, store: Any, settings: Optional[Settings] = None, *,
                       transport: Transport = requests_transport, **client_options: Any) -> OrderSource:
    """The source ``config`` describes, over ``store`` (a ShopStore) for local answers and fallback."""
    local = LocalOrderSource(store)
    if config.type == "local":
        return local
    settings = settings or Settings.from_env()
    options: Dict[str, Any] = dict(transport=transport, timeout_s=config.timeout_s, retries=config.retries,
                                   base_url=config.base_url, **client_options)
    if config.sign_method:
        options["sign_method"] = config.sign_method
    client = _client_class(config.type)(load_credentials(config, settings), **options)
    return FallbackOrderSource(client, local if config.fallback == "local" else None)


@lru_cache(maxsize=1)
def order_source() -> OrderSource:
    """The configured source for this process (actions call ``order_source().get(order_id)``)."""
    settings = Settings.from_env()
    raw = read_yaml(settings.shop_config_path) or {}
    config = validate_order_source(raw.get("order_source") if isinstance(raw, dict) else None,
                                   display_path(settings.shop_config_path))
    return build_order_source(config, ShopStore.from_settings(settings), settings)


def with_order_source(store: Any) -> Any:
    """``store`` itself with the default local source; else ``store`` whose ``order()`` asks the
    configured platform (the one line the actions need: ``store=with_order_source(self.store)``)."""
    source = order_source()
    return store if isinstance(source, LocalOrderSource) else StoreWithOrderSource(store, source)
