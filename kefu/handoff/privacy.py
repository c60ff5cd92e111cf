"""Buyers' phone, ID-card and bank-card numbers masked in everything the console shows.

How a number is found and masked has one home, :func:`kefu.edge.redact.mask_personal_data`
(the guard's detectors: every separator form, full-width digits, plain and financial
Chinese numerals, ``138****5678``); the console, the logs and the bot's echoes share it.
This module only walks the console's JSON.
"""

from __future__ import annotations

from typing import Any

from kefu.edge.redact import mask_personal_data


def mask_text(text: str) -> str:
    """``text`` with every personal-data number replaced by its mask; everything else verbatim."""
    return mask_personal_data(text) if isinstance(text, str) else text


def mask_data(value: Any) -> Any:
    """Every string inside ``value`` (dicts, lists, nested) masked; other values as they are."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(item) for item in value]
    return value
