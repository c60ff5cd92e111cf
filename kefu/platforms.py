"""The names a platform goes by (拼多多, pdd, Tmall...) and the one spelling kefu uses for each.

Which platform a conversation is on (slot, metadata, ``KEFU_DEFAULT_PLATFORM``, then the shop's
configured default) is :func:`kefu.shop.config.resolve_platform`: it needs the shop's config, and
this module stays below the guard and the shop.
"""

from __future__ import annotations

from typing import Any, Optional

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
