"""When the buyer says they will pay: 「今天下午四点拍」, 「今晚七点下单」, 「周五下午四点拍呢」, 「明早9:30付款」.

The dispatch day depends on the moment of payment against the shop's cut-off; a buyer who names
that moment is asking about it, not about now. Only a named hour counts (「今天拍能发吗」 is now).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple, Optional

_NUMBER = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
           "十": 10, "十一": 11, "十二": 12}
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_AFTERNOON = ("下午", "晚上", "傍晚", "今晚", "明晚", "夜里", "晚")
_DAY = (r"(?P<day>今天|今日|今晚|明天|明早|明晚|后天|(?:周|星期|礼拜)[一二三四五六日天末])?\s*"
        r"(?P<period>早上|上午|中午|下午|傍晚|晚上|夜里|凌晨)?\s*")
_HOUR = r"(?P<hour>\d{1,2}|十[一二]?|[一二两三四五六七八九])"
_MOMENT = re.compile(_DAY + r"(?:" + _HOUR + r"\s*(?:(?:点|时)(?P<half>半)?(?:(?P<minute>\d{1,2})分?)?|[:：](?P<mm>\d{2})))?"
                     r"\s*(?P<before>前|之前|以前)?(?:以后|后|左右|(?P<more>多))?\s*(?:再|才|就)?\s*(?:能|可以|会|要)?\s*(?:拍|下单|下的单|付款|付钱|支付|买|付)")
# 「周六晚上拍」: a part of the day with no hour stands for this hour of it.
_PERIOD_HOUR = {"早上": 8, "上午": 10, "中午": 12, "下午": 15, "傍晚": 18, "晚上": 20, "夜里": 22, "凌晨": 3}
PAY_WORDS = re.compile(r"(拍|下单|付款|付钱|支付)")


class PaidAt(NamedTuple):
    """The moment counted against the cut-off, and the time as the buyer said it (「15:30前」)."""

    at: dt.datetime
    said: str


def _hour(value: str) -> Optional[int]:
    if value.isdigit():
        return int(value)
    return _NUMBER.get(value)


def _day(day_word: str, now: dt.datetime) -> dt.date:
    day = now.date()
    if day_word in ("明天", "明早", "明晚"):
        return day + dt.timedelta(days=1)
    if day_word == "后天":
        return day + dt.timedelta(days=2)
    if day_word[-1:] in _WEEKDAY and day_word not in ("今天", "今日", "今晚"):
        return day + dt.timedelta(days=(_WEEKDAY[day_word[-1]] - day.weekday()) % 7)
    return day


def payment_day(text: str, now: dt.datetime) -> Optional[dt.date]:
    """「周六拍的什么时候发」, 「明天下单」: the day of payment named without an hour (None: today or none)."""
    for match in _MOMENT.finditer(text or ""):
        if match.group("day") and match.group("hour") is None and not match.group("period") \
                and match.group("day") not in ("今天", "今日"):
            return _day(match.group("day"), now)
    return None


def payment_moment(text: str, now: dt.datetime) -> Optional[PaidAt]:
    """The moment of payment the buyer names, in ``now``'s timezone, or None when they name no hour."""
    match = _MOMENT.search(text or "")
    if match is None:
        return None
    if match.group("hour") is None:
        period = match.group("period") or {"今晚": "晚上", "明晚": "晚上", "明早": "早上"}.get(match.group("day") or "")
        if period is None or match.group("before"):
            return None  # 「今天拍」, 「周六拍」: no moment of the day named
        day = _day(match.group("day") or "", now)
        at = dt.datetime.combine(day, dt.time(_PERIOD_HOUR[period], 0), tzinfo=now.tzinfo)
        return PaidAt(at, period)
    hour = _hour(match.group("hour"))
    if hour is None or hour > 24:
        return None
    minute = 30 if match.group("half") else int(match.group("minute") or match.group("mm") or 0)
    if minute > 59:
        return None
    day_word, period = match.group("day") or "", match.group("period") or ""
    if hour < 12 and (period in _AFTERNOON or day_word in ("今晚", "明晚") or (period == "中午" and hour <= 2)):
        hour += 12
    day = _day(day_word, now)
    moment = dt.datetime.combine(day, dt.time(hour % 24, minute), tzinfo=now.tzinfo)
    said = moment.strftime("%H:%M")
    if match.group("more") and not (match.group("half") or match.group("minute") or match.group("mm")):
        # 「四点多才能付款」: some time after the hour, counted as half past against the cut-off
        moment = moment + dt.timedelta(minutes=30)
        said = f"{hour % 24}点多"
    if match.group("before"):
        # 「3点半前拍」: a moment just before the hour named (before a 15:30 cut-off is in time).
        return PaidAt(moment - dt.timedelta(minutes=1), said + "前")
    return PaidAt(moment, said)
