"""Why a conversation goes to a person, and how urgently.

Each trigger yields a :class:`Trigger` (reason + priority). Lower priority
numbers are served first: threats and insults before everything else, then
complaints and the shop's own rules, then plain requests for a person.

The shop's rules come from the ``handoff:`` section of ``shop/shop.yml``
(loaded by :mod:`kefu.shop.config`); this module only interprets it::

    handoff:
      refund_amount_above: 300      # refunds/returns of orders above this amount (yuan)
      products: [p1005]             # product ids that always go to a person
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple

# reason -> priority (1 = most urgent)
PRIORITIES = {
    "threat": 1,
    "insult": 1,
    "complain": 2,
    "shop_rule": 2,
    "request_human": 3,
    "fallback": 3,
    "after_sale": 2,
    "error": 2,
}
REASON_LABELS = {
    "threat": "威胁差评/投诉",
    "insult": "辱骂",
    "complain": "投诉/不满",
    "shop_rule": "店铺规则",
    "request_human": "要求人工",
    "fallback": "连续未识别",
    "after_sale": "售后（超出退换期）",
    "error": "机器人出错",
}
REFUND_INTENTS = frozenset({"ask_return_policy", "complain", "request_human"})
# A refund asked for (「我要退款」, 「不要了」), not the rule asked about (「还能退吗」, 「退货期限」): what the
# shop's refund threshold is for.
_REFUND_REQUEST = re.compile(r"(要|想|给我|申请|直接|帮我|我要|马上)(退款|退货|退钱|退掉|退了|退)|不要了|不想要|退款(吧|！|!|$)|"
                             r"(退|退款|退货)(一下|掉)")


def asks_for_refund(clause: str) -> bool:
    """Whether a clause asks for a refund or return (the rule's trigger), not about the return policy."""
    return bool(_REFUND_REQUEST.search(clause or ""))


@dataclass(frozen=True)
class Trigger:
    reason: str
    priority: int
    detail: str = ""

    @classmethod
    def of(cls, reason: str, detail: str = "") -> "Trigger":
        return cls(reason, PRIORITIES[reason], detail)


@dataclass(frozen=True)
class HandoffRules:
    """The shop's ``handoff:`` section, validated."""

    refund_amount_above: Optional[float] = None
    products: Tuple[str, ...] = ()

    @classmethod
    def from_section(cls, section: Any) -> "HandoffRules":
        """Tolerant of a missing section; a wrong type raises ValueError naming the key."""
        if not section:
            return cls()
        if not isinstance(section, Mapping):
            raise ValueError("shop.yml handoff: must be a mapping")
        amount = _first(section, "refund_amount_above", "refund_above", "refund_threshold", "refund_amount_threshold")
        if amount is not None:
            try:
                amount = float(amount)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"shop.yml handoff: refund amount must be a number, got {amount!r}") from exc
        products = _first(section, "products", "product_ids", "always_products", "named_products") or ()
        if isinstance(products, str):
            products = [products]
        if not isinstance(products, (list, tuple)):
            raise ValueError("shop.yml handoff: products must be a list of product ids")
        return cls(refund_amount_above=amount, products=tuple(str(p) for p in products))


def _first(section: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if section.get(key) is not None:
            return section[key]
    return None


def shop_rule_trigger(
    rules: HandoffRules,
    *,
    intent: Optional[str],
    product_id: Optional[str],
    order_amount: Optional[float] = None,
) -> Optional[Trigger]:
    """The shop rule that applies to this turn, if any.

    Named products always go to a person; a refund/return question (or a
    complaint) about an order above the threshold does too. Dialogue actions
    call this (e.g. the returns action) and follow up with ``action_handoff``.
    """
    if product_id and product_id in rules.products:
        return Trigger.of("shop_rule", f"product {product_id}")
    if (
        rules.refund_amount_above is not None
        and order_amount is not None
        and intent in REFUND_INTENTS
        and order_amount > rules.refund_amount_above
    ):
        return Trigger.of("shop_rule", f"refund {order_amount:g} > {rules.refund_amount_above:g}")
    return None


MISS_INTENTS = ("nlu_fallback", "out_of_scope")


def consecutive_fallbacks(user_intents: Sequence[Optional[str]]) -> int:
    """How many of the latest user messages in a row the bot could not serve (nlu_fallback / out_of_scope)."""
    count = 0
    for intent in reversed(list(user_intents)):
        if intent not in MISS_INTENTS:
            break
        count += 1
    return count


def decide(
    *,
    intent: Optional[str],
    abuse_kind: Optional[str],
    user_intents: Sequence[Optional[str]] = (),
    rule_trigger: Optional[Trigger] = None,
) -> Trigger:
    """The most urgent reason that applies to the latest buyer message.

    ``action_handoff`` only runs when a rule or story sent the conversation
    here, so a reason is always returned: the default is ``request_human``.
    """
    candidates = []
    if abuse_kind in ("threat", "insult"):
        candidates.append(Trigger.of(abuse_kind))
    if rule_trigger is not None:
        candidates.append(rule_trigger)
    if intent == "complain":
        candidates.append(Trigger.of("complain"))
    if intent in MISS_INTENTS or consecutive_fallbacks(user_intents) >= 2:
        candidates.append(Trigger.of("fallback", f"{max(consecutive_fallbacks(user_intents), 1)} in a row"))
    if intent == "request_human" or not candidates:
        candidates.append(Trigger.of("request_human"))
    return min(candidates, key=lambda trigger: trigger.priority)


# --- service hours -------------------------------------------------------------------------------


def in_service_hours(now: datetime, hours: Optional[Tuple[time, time]]) -> bool:
    """True when a person can answer now. ``None`` hours mean always staffed.

    A window may cross midnight (e.g. 20:00-02:00).
    """
    if not hours:
        return True
    start, end = hours
    current = now.timetz().replace(tzinfo=None) if now.tzinfo else now.time()
    if start == end:
        return True
    if start < end:
        return start <= current < end
    return current >= start or current < end


def next_opening(now: datetime, hours: Optional[Tuple[time, time]]) -> datetime:
    """When a person answers next: ``now`` inside service hours, else the next opening time."""
    if in_service_hours(now, hours):
        return now
    start, _ = hours  # type: ignore[misc]
    candidate = now.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if candidate <= now:
        candidate += timedelta(days=1)
    return candidate


def estimate_wait_minutes(ahead: int, average_handling_minutes: float, agents: int) -> int:
    """Expected wait for a new ticket: the queue ahead of it shared among the agents."""
    if ahead <= 0:
        return 1
    return max(1, math.ceil(ahead * max(average_handling_minutes, 0.5) / max(agents, 1)))


def latest_user_intents(events: Iterable[Mapping[str, Any]]) -> list:
    """Intent names of the user messages in a tracker's event list, oldest first."""
    intents = []
    for event in events:
        if isinstance(event, Mapping) and event.get("event") == "user":
            intents.append(((event.get("parse_data") or {}).get("intent") or {}).get("name"))
    return intents
