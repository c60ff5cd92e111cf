"""Which platform a conversation is on, and the names a platform goes by.

The platform decides which compliance rule pack applies, so it is resolved the
same way everywhere: the ``platform`` slot, then message metadata (as sent by
the platform connector or the web chat), then ``KEFU_DEFAULT_PLATFORM``, then
the shop's configured default.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Optional

from kefu.settings import PLATFORMS, Settings

# Names a connector or a buyer may use for each platform (Tmall shares Taobao's rules).
PLATFORM_ALIASES = {
    "pinduoduo": "pinduoduo", "pdd": "pinduoduo", "拼多多": "pinduoduo",
    "taobao": "taobao", "tmall": "taobao", "淘宝": "taobao", "天猫": "taobao",
    "jd": "jd", "jingdong": "jd", "京东": "jd",
    "douyin": "douyin", "抖音": "douyin", "doudian": "douyin", "抖店": "douyin",
}

PLATFORM_LABELS = {"pinduoduo": "拼多多", "taobao": "淘宝/天猫", "jd": "京东", "douyin": "抖音"}


def canonical_platform(name: Any) -> Optional[str]:
    """``"Tmall"`` -> ``"taobao"``; ``None`` for anything unknown."""
    if not isinstance(name, str):
        return None
    return PLATFORM_ALIASES.get(name.strip().lower())


def resolve_platform(slot_value: Any = None, metadata: Optional[Mapping[str, Any]] = None) -> str:
    for candidate in (slot_value, (metadata or {}).get("platform")):
        platform = canonical_platform(candidate)
        if platform:
            return platform
    return default_platform()


@lru_cache(maxsize=1)
def default_platform() -> str:
    settings = Settings.from_env()
    if settings.default_platform:
        return settings.default_platform
    from kefu.shop.config import load_shop_config  # lazy: shop config is read on first use

    platform = canonical_platform(load_shop_config(settings.shop_config_path).default_platform)
    return platform or PLATFORMS[0]
