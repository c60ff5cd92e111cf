"""Buyer data masked for logs, CLI output and error messages: the one home of this rule.

Exports and order APIs carry receivers' names, phones and addresses (often already
masked by the platform). kefu stores them as given, because staff may need them,
but never prints or logs them in full.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

_DIGITS = re.compile(r"\d")
# Keys of platform payloads and kefu records that hold personal data.
PERSONAL_KEYS = frozenset({
    "receiver_name", "receiver_phone", "receiver_address", "receiver_mobile", "receiver_phone_masked",
    "post_receiver", "post_tel", "post_addr", "encrypt_post_receiver", "encrypt_post_tel", "mask_post_receiver",
    "mask_post_tel", "mask_post_addr", "address", "mobile", "phone", "fullname", "fullAddress", "telephone",
    "consigneeInfo", "buyer_nick", "receiver_state", "receiver_city", "receiver_district", "receiver_town",
    "detail", "buyer_id", "buyer_nick_name", "customerName", "customer_name",
})


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; shorter or masked values keep at most their last 4 digits."""
    text = str(value or "")
    digits = _DIGITS.findall(text)
    if len(digits) >= 11:
        return f"{''.join(digits[:3])}****{''.join(digits[-4:])}"
    if len(digits) > 4:
        return "*" * (len(text) - 4) + text[-4:]
    return "*" * len(text)


def mask_name(value: str) -> str:
    """王晓丽 -> 王**."""
    text = str(value or "")
    return text[:1] + "*" * (len(text) - 1) if text else ""


def mask_address(value: str) -> str:
    """Keep the first 6 characters (province, city), mask the rest: 江苏省南京市***."""
    text = str(value or "")
    return text[:6] + "***" if len(text) > 6 else "***" if text else ""


def mask_value(key: str, value: Any) -> Any:
    """For logs: a phone keeps its last 4 digits, any other personal value becomes ``***``."""
    if isinstance(value, Mapping):
        return mask_mapping(value) if key not in PERSONAL_KEYS else {k: "***" for k in value}
    if not isinstance(value, (str, int)) or key not in PERSONAL_KEYS:
        return value
    lowered = key.lower()
    if any(word in lowered for word in ("phone", "mobile", "tel")):
        return mask_phone(str(value))
    return "***"  # names and addresses: nothing of them in a log


def mask_mapping(data: Any) -> Any:
    """A copy of a (nested) payload safe to log: personal keys masked, lists walked."""
    if isinstance(data, Mapping):
        return {k: mask_value(str(k), v) if not isinstance(v, list) else [mask_mapping(i) for i in v]
                for k, v in data.items()}
    if isinstance(data, list):
        return [mask_mapping(item) for item in data]
    return data


def mask_order_id(order_id: str) -> str:
    """Order numbers in logs: enough to find the order, not a full identifier of a buyer's purchase."""
    text = str(order_id or "")
    return text[:4] + "****" + text[-4:] if len(text) > 8 else text
