"""Login throttling: a few wrong passwords per account and per address, then a pause.

Counts failures in a sliding window, separately per agent name and per client
address, so guessing one account's password and spraying one password over many
accounts are both slowed. A success clears the account's count. In memory: a
restart of the web app resets it, which is acceptable for a lock-out measured
in minutes.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Deque, Dict, Optional

WINDOW_SECONDS = 15 * 60
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20


class LoginThrottle:
    def __init__(self, per_account: int = MAX_PER_ACCOUNT, per_address: int = MAX_PER_ADDRESS,
                 window: float = WINDOW_SECONDS) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.window = window
        self._failures: Dict[str, Deque[float]] = {}

    def _recent(self, key: str, now: float) -> Deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, account: str, address: str, now: Optional[float] = None) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.time() if now is None else now
        wait = 0.0
        for kind, key in (("account", account), ("address", address)):
            times = self._recent(f"{kind}:{key}", now)
            if len(times) >= self.limits[kind]:
                wait = max(wait, times[0] + self.window - now)
        return int(wait) + (1 if wait else 0)

    def failed(self, account: str, address: str, now: Optional[float] = None) -> None:
        now = time.time() if now is None else now
        for kind, key in (("account", account), ("address", address)):
            self._recent(f"{kind}:{key}", now).append(now)
        if len(self._failures) > 10_000:  # bound memory under a flood of random names
            for key in [k for k, v in self._failures.items() if not v][:5000]:
                del self._failures[key]

    def succeeded(self, account: str) -> None:
        self._failures.pop(f"account:{account}", None)
