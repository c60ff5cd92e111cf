"""Buyer data masked wherever it is shown: logs, CLI output, the console, replies. The one home of masking.

Exports and order APIs carry receivers' names, phones and addresses (often already
masked by the platform). kefu stores them as given, because staff may need them,
but never prints or logs them in full. Numbers inside free text are found by the
guard's detectors (:func:`kefu.guard.enforce.pii_spans`), so the console, the logs
and the bot's echoes mask 138****5678 exactly as the guard does.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional

from kefu.guard.enforce import mask_spans, pii_spans

_DIGITS = re.compile(r"\d")
# A mobile number anywhere in a reply: 13812345678 -> 138****5678.
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
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


# Plain Chinese numerals read as digits one for one (same length, same offsets): buyers type
# 一三八…; the guard's fold already reads full-width digits and financial numerals (壹贰叁).
_CHINESE_NUMERALS = str.maketrans("〇零一二三四五六七八九两幺", "0012345678921")
_NUMERAL_CHARS = frozenset("〇零一二三四五六七八九两幺壹贰貳叁參肆伍陆陸柒捌玖")


def mask_personal_data(text: str) -> str:
    """Mobile, ID-card and bank-card numbers masked in place, everything else as it was.

    For console responses, logs and the bot's echoes: every separator form (spaces, dashes,
    dots, slashes, brackets, zero-width and soft-hyphen characters), full-width digits, plain
    and financial Chinese numerals. Only runs of 11+ digits can match, so ordinary words are
    never touched."""
    if not isinstance(text, str) or sum(ch.isdigit() or ch in _NUMERAL_CHARS for ch in text) < 11:
        return text
    return mask_spans(text, pii_spans(text.translate(_CHINESE_NUMERALS)))


def mask_text(text: str) -> str:
    """``text`` with every personal-data number replaced by its mask; a non-string as it is."""
    return mask_personal_data(text) if isinstance(text, str) else text


def mask_data(value: Any) -> Any:
    """Every string inside ``value`` (dicts, lists, nested) masked; other values as they are (the console's JSON)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(item) for item in value]
    return value


def mask_mobiles(text: str) -> str:
    """``13812345678`` -> ``138****5678`` anywhere in ``text``: answers never carry a full phone number."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_email(email: str) -> str:
    """``zhang.san@qq.com`` -> ``z***@q***.com``: confirms the address without echoing it (or a brand in it)."""
    local, _, domain = (email or "").partition("@")
    if not local or not domain:
        return "***"
    host, _, tld = domain.rpartition(".")
    host = host or domain
    return f"{local[0]}***@{host[0]}***" + (f".{tld}" if tld and host != domain else "")


# Order fields (as the console shows them) that hold the buyer's personal data; order and
# tracking numbers stay readable (an order id that passes the bank-card check must not be hidden).
PERSONAL_ORDER_FIELDS = ("手机", "地址", "物流")


def mask_order(order: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """A console order with its personal fields masked; a landline the detector skips keeps 3 + 4 digits."""
    if order is None:
        return None
    masked = dict(order)
    for key in PERSONAL_ORDER_FIELDS:
        masked[key] = mask_data(order.get(key))
    phone = masked.get("手机")
    if isinstance(phone, str) and phone == order.get("手机") and len(phone) >= 7:
        masked["手机"] = phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return masked
