"""The one home of kefu's bounded retries, built on tenacity.

Every place that tries again (SQLite busy/locked in :mod:`kefu.db`, the order API
adapters, the handoff webhook, bridge replies; the supervisor's restart delay) takes
its schedule and its stopping rule from here, so "how often, how long, on what"
is read in one module. A caller says what is worth another attempt (an exception,
a result); once the attempts are spent, the last exception is raised again or the
last result returned, and the caller turns it into its own error. ``sleep`` is
passed in so tests run the real loop without waiting.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, Awaitable, Callable, Optional, Sequence, TypeVar

import tenacity

T = TypeVar("T")
Wait = Callable[[tenacity.RetryCallState], float]
Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]


def backoff_delay(retry: int, first_s: float, cap_s: float = math.inf) -> float:
    """The wait before retry number ``retry`` (0-based): first, 2*first, 4*first ... at most ``cap_s``."""
    return min(cap_s, first_s * 2 ** retry)


def backoff_delays(attempts: int, first_s: float, cap_s: float = math.inf) -> list:
    """Every wait of ``attempts`` attempts (one fewer than attempts)."""
    return [backoff_delay(i, first_s, cap_s) for i in range(max(attempts - 1, 0))]


def backoff(first_s: float, cap_s: float = math.inf) -> Wait:
    """Exponential waits, as :func:`backoff_delay` computes them."""
    return lambda state: backoff_delay(state.attempt_number - 1, first_s, cap_s)


def schedule(delays: Sequence[float]) -> Wait:
    """Waits taken from a fixed list, one per retry (SQLite's busy retries)."""
    fixed = tuple(delays)
    return lambda state: fixed[min(state.attempt_number, len(fixed)) - 1] if fixed else 0.0


def _policy(attempts: int, wait: Wait, retry_exception: Optional[Callable[[BaseException], bool]],
            retry_result: Optional[Callable[[Any], bool]]) -> dict:
    conditions = []
    if retry_exception is not None:
        conditions.append(tenacity.retry_if_exception(retry_exception))
    if retry_result is not None:
        conditions.append(tenacity.retry_if_result(retry_result))
    return {"stop": tenacity.stop_after_attempt(max(attempts, 1)), "wait": wait,
            "retry": tenacity.retry_any(*conditions) if conditions else tenacity.retry_never,
            "reraise": True, "retry_error_callback": lambda state: state.outcome.result()}


def run(attempt: Callable[[int], T], *, attempts: int, wait: Wait,
        retry_exception: Optional[Callable[[BaseException], bool]] = None,
        retry_result: Optional[Callable[[T], bool]] = None, sleep: Sleep = time.sleep) -> T:
    """``attempt(n)`` (n = 1, 2, ...) until it is not worth another try or ``attempts`` are spent."""
    retrying = tenacity.Retrying(sleep=sleep, **_policy(attempts, wait, retry_exception, retry_result))
    return retrying(lambda: attempt(retrying.statistics["attempt_number"]))


async def run_async(attempt: Callable[[int], Awaitable[T]], *, attempts: int, wait: Wait,
                    retry_exception: Optional[Callable[[BaseException], bool]] = None,
                    retry_result: Optional[Callable[[T], bool]] = None, sleep: AsyncSleep = asyncio.sleep) -> T:
    """:func:`run` for a coroutine: the waits do not block the event loop."""
    retrying = tenacity.AsyncRetrying(sleep=sleep, **_policy(attempts, wait, retry_exception, retry_result))

    async def once() -> T:
        return await attempt(retrying.statistics["attempt_number"])

    return await retrying(once)
