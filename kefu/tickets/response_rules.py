"""Per-platform response-time rules (``response_rules:`` in shop/shop.yml) and the countdown.

Platforms score how fast a *person* answers a buyer: Taobao/Tmall's 3分钟响应率,
Pinduoduo's 3分钟人工回复率 (bot replies do not count), Douyin 飞鸽's 3分钟回复率
and 平均响应时长, JD 咚咚's 30秒应答率. The defaults below follow those published
rules; a shop can tighten or relax them per platform::

    response_rules:
      pinduoduo: {limit_seconds: 180, warn_seconds: 120, bot_counts: false}
      jd: {limit_seconds: 30}

Keys per platform: ``limit_seconds`` (10–3600), ``warn_seconds`` (amber from
here; below the limit; default 2/3 of it), ``bot_counts`` (does a bot reply
stop the clock), ``label`` (the metric's name shown in the console). Unknown
platforms or keys are an error naming the file and key, raised at load.

The clock of a ticket starts at its oldest buyer message that no agent (or,
where ``bot_counts``, no bot) has answered yet, never before the ticket opened:
messages the bot answered before the handoff are not the agent's debt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional

import yaml

from kefu.settings import PLATFORMS

KEYS = ("limit_seconds", "warn_seconds", "bot_counts", "label")


class ResponseRuleError(ValueError):
    """A malformed ``response_rules:`` section (message names the file and key)."""


@dataclass(frozen=True)
class ResponseRule:
    platform: str
    limit_seconds: int
    warn_seconds: int
    bot_counts: bool
    label: str

    def state(self, remaining: float) -> str:
        """"ok" (green), "warn" (amber) or "late" (red) for ``remaining`` seconds to the limit."""
        if remaining <= 0:
            return "late"
        if remaining <= self.limit_seconds - self.warn_seconds:
            return "warn"
        return "ok"


DEFAULTS: Mapping[str, ResponseRule] = {
    "taobao": ResponseRule("taobao", 180, 120, False, "3分钟响应率"),
    "pinduoduo": ResponseRule("pinduoduo", 180, 120, False, "3分钟人工回复率"),
    "douyin": ResponseRule("douyin", 180, 120, False, "3分钟回复率"),
    "jd": ResponseRule("jd", 30, 20, False, "30秒应答率"),
}


def parse_response_rules(data: Any, file: str = "shop/shop.yml") -> Dict[str, ResponseRule]:
    """The rules for every platform: defaults overridden by ``data`` (the section's value)."""
    rules = dict(DEFAULTS)
    if data is None:
        return rules
    if not isinstance(data, dict):
        raise ResponseRuleError(f"{file}: response_rules must be a mapping of platform -> rule")
    for platform, entry in data.items():
        where = f"{file}: response_rules.{platform}"
        if platform not in PLATFORMS:
            raise ResponseRuleError(f"{where}: unknown platform (one of {', '.join(PLATFORMS)})")
        if not isinstance(entry, dict):
            raise ResponseRuleError(f"{where}: must be a mapping with {', '.join(KEYS)}")
        unknown = sorted(set(entry) - set(KEYS))
        if unknown:
            raise ResponseRuleError(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (allowed: {', '.join(KEYS)})")
        base = rules[platform]
        limit = entry.get("limit_seconds", base.limit_seconds)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 10 <= limit <= 3600:
            raise ResponseRuleError(f"{where}.limit_seconds: a whole number of seconds from 10 to 3600")
        warn = entry.get("warn_seconds", base.warn_seconds if "limit_seconds" not in entry else limit * 2 // 3)
        if isinstance(warn, bool) or not isinstance(warn, int) or not 0 < warn < limit:
            raise ResponseRuleError(f"{where}.warn_seconds: a whole number of seconds below limit_seconds ({limit})")
        bot_counts = entry.get("bot_counts", base.bot_counts)
        if not isinstance(bot_counts, bool):
            raise ResponseRuleError(f"{where}.bot_counts: true or false")
        label = entry.get("label", base.label)
        if not isinstance(label, str) or not label.strip() or len(label) > 40:
            raise ResponseRuleError(f"{where}.label: a short text")
        rules[platform] = replace(base, limit_seconds=limit, warn_seconds=warn, bot_counts=bot_counts, label=label)
    return rules


def load_response_rules(shop_config: Path) -> Dict[str, ResponseRule]:
    """Rules from ``shop.yml`` (defaults when the file or the section is missing)."""
    if not shop_config.exists():
        return dict(DEFAULTS)
    data = yaml.safe_load(shop_config.read_text(encoding="utf-8")) or {}
    return parse_response_rules(data.get("response_rules") if isinstance(data, dict) else None, str(shop_config))


def clock_start(lines: Iterable[Any], rule: ResponseRule, opened_at: float) -> Optional[float]:
    """When the oldest still-unanswered buyer message arrived (None: nothing is waiting).

    ``lines`` are transcript lines (``sender``, ``ts``) in time order."""
    start: Optional[float] = None
    for line in lines:
        if line.sender == "buyer":
            if start is None:
                start = line.ts
        elif line.sender == "agent" or (line.sender == "bot" and rule.bot_counts):
            start = None
    if start is None:
        return None
    return max(start, opened_at)


def countdown(lines: Iterable[Any], rule: ResponseRule, opened_at: float, now: float) -> Optional[Dict[str, Any]]:
    """The console's countdown for a ticket: deadline, seconds left (negative when late), colour."""
    start = clock_start(lines, rule, opened_at)
    if start is None:
        return None
    deadline = start + rule.limit_seconds
    remaining = deadline - now
    return {"since": start, "deadline": deadline, "remaining_seconds": round(remaining),
            "state": rule.state(remaining), "limit_seconds": rule.limit_seconds,
            "warn_seconds": rule.warn_seconds, "label": rule.label}
