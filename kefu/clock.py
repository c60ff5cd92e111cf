"""The one clock every answer reads.

Answers depend on the time (cut-off, weekend, restock dates, return windows), so
they take ``now`` from here. ``KEFU_CLOCK`` (an ISO time such as
``2026-12-01T10:00:00+08:00``) freezes it: replayed test conversations then check
exact dates against the shop data, whatever day the tests run.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Optional
from zoneinfo import ZoneInfo

ENV = "KEFU_CLOCK"


def frozen() -> Optional[dt.datetime]:
    """The frozen time from ``KEFU_CLOCK``, or None. A malformed value is an error, not ignored."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV}={raw!r} is not an ISO date-time such as 2026-12-01T10:00:00+08:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def now(tz: str = "Asia/Shanghai") -> dt.datetime:
    """The current time in ``tz`` (the frozen one when ``KEFU_CLOCK`` is set)."""
    zone = ZoneInfo(tz)
    moment = frozen()
    return moment.astimezone(zone) if moment else dt.datetime.now(zone)
