"""Buyers' personal data: mobile numbers, ID-card numbers and bank-card numbers.

Detectors run on the *folded* text (same length and offsets as the original,
digit forms already ASCII, separators replaced by ``SEP``), so a number written
``138 1234 5678``, ``138-1234-5678`` or ``１３８…`` is found and masked in place.

Trade-offs (see docs/guard.md):
- a mobile is 11 digits ``1[3-9]…`` with at most two separators between digits
  and no digit right before or after: longer digit strings (order numbers,
  15–20 digits) never contain a "phone";
- an ID card is 17 digits + digit/X whose birth date (digits 7–14) is a real
  date between 1900 and today; the check digit is not required (a mistyped ID
  is still personal data);
- a bank card is 16–19 digits passing the Luhn check, unless an order-number
  word (订单, 单号, 运单 …) precedes it: an order id that happens to pass Luhn
  is then left alone. A real card number typed right after "订单号" would be
  missed; that is the price of not masking order numbers buyers need.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Iterator, Tuple

from kefu.guard._normalize import SEP

# Separators allowed inside a written number: spaces, dashes, slashes, brackets around an area code
# ("(139)57902468"), and the invisible characters pasted between groups (zero-width space/joiners,
# word joiner, BOM, soft hyphen); not commas: "2，138…" is two numbers.
GAP_CHARS = frozenset(" \t\u3000-‐‑–—－_.·/／()（）\u200b\u200c\u200d\u2060\ufeff\u00ad")
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?: {0,2}[0-9])*(?: {0,2}x)?", re.ASCII)
_MOBILE = re.compile(r"(?:(?:86|0086) {0,3})?(?P<number>1 {0,2}[3-9](?: {0,2}[0-9]){9})")
_LONG_NUMBER = re.compile(r"[0-9](?:[^0-9]{0,3}[0-9]){10}")
ORDER_WORDS = ("订单", "单号", "运单", "快递单", "物流单", "编号", "order")
_ORDER_CONTEXT = re.compile("(?:" + "|".join(ORDER_WORDS) + "|订单号)[ #号是为:：]{0,6}$")
# The non-ASCII characters _ORDER_CONTEXT reads in the folded text: a guard's fold must keep them
# (it folds characters in none of its terms to a placeholder).
CONTEXT_CHARACTERS = "".join(sorted({ch for ch in _ORDER_CONTEXT.pattern if not ch.isascii()}))

Hit = Tuple[str, int, int, str]  # detector, start, end, masked replacement


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch == "x")


def _luhn(number: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(number)):
        value = int(ch)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _plausible_birth(digits: str) -> bool:
    try:
        born = _dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return _dt.date(1900, 1, 1) <= born <= _dt.date.today()


# Where a buyer's order number belongs (not a product's 编号 or a parcel's 运单号).
_ORDER_NUMBER_CONTEXT = re.compile("(?:订单号?|(?<!运)单号)[ #号是为:：]{0,6}$")
# The province-level codes that begin every ID number (GB/T 2260).
_PROVINCE_CODES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                            "61 62 63 64 65 71 81 82".split())
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"


def _id_check_digit_ok(digits: str) -> bool:
    """GB 11643 (ISO 7064 MOD 11-2) check digit of an 18-character ID number."""
    total = sum(int(ch) * weight for ch, weight in zip(digits[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == digits[17].lower()


def _mask(digits: str, keep_head: int, keep_tail: int) -> str:
    return digits[:keep_head] + "*" * (len(digits) - keep_head - keep_tail) + digits[-keep_tail:]


def _number_view(original: str, folded: str) -> str:
    """Same length as the text: digits and 'x' kept, gap characters as ' ', anything else '#'."""
    out = []
    for ch, origin in zip(folded, original):
        if ch.isdigit() or ch == "x" or ch == "+":
            out.append(ch)
        elif ch == SEP and origin in GAP_CHARS:
            out.append(" ")
        else:
            out.append("#")
    return "".join(out)


def detect(original: str, folded: str, wanted: frozenset) -> Iterator[Hit]:
    """Personal-data hits for the detectors in ``wanted`` (spans in original offsets)."""
    if not _LONG_NUMBER.search(folded):
        return
    view = _number_view(original, folded)
    for run in _DIGIT_RUN.finditer(view):
        digits = _digits(run.group())
        if len(digits) < 11:
            continue
        start, end = run.start(), run.end()
        after = folded[end:end + 1]
        if after.isascii() and after.isalpha():
            continue  # part of a model number or a URL, not a number on its own
        before = folded[max(0, start - 1):start]
        if before.isascii() and before.isalpha() and before not in ("v", "q", "x"):
            continue
        count = len(digits)
        order_context = bool(_ORDER_CONTEXT.search(view_context(folded, start)))
        if "id_card" in wanted and count == 18 and "x" not in digits[:17] and _plausible_birth(digits):
            # After "订单号" too when the check digit is right or the first two digits are a province's
            # code (order numbers of the four platforms never start like one): 「没有查到订单号
            # 330106198807153418」 is an ID number a buyer typed where an order number belongs.
            after_order_word = order_context and bool(_ORDER_NUMBER_CONTEXT.search(view_context(folded, start)))
            if not order_context or (after_order_word and (_id_check_digit_ok(digits) or digits[:2] in _PROVINCE_CODES)):
                yield "id_card", start, end, _mask(digits.upper(), 6, 4)
                continue
        if "x" in digits:
            continue
        if "bank_card" in wanted and 16 <= count <= 19 and _luhn(digits):
            if not order_context:
                yield "bank_card", start, end, _mask(digits, 4, 4)
                continue
        mobile = _MOBILE.fullmatch(run.group()) if "mobile" in wanted else None
        if mobile:  # the +86 prefix stays readable; the number itself is masked
            yield "mobile", start + mobile.start("number"), end, _mask(digits[-11:], 3, 4)


def view_context(folded: str, start: int) -> str:
    """Up to 12 characters before ``start`` with separators as spaces (for order-number words)."""
    return folded[max(0, start - 12):start].replace(SEP, " ")
