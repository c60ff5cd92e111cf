"""Write-behind from memory: what a store refused now is retried until it lands.

A full state disk, a read-only file or a lock held past the busy timeout make a
write fail; the buyer's message must not be lost for it. A :class:`Retrier` keeps
each failed write (a callable) in order, and one daemon thread per retrier tries
the oldest again every :data:`RETRY_S` seconds (and whenever :meth:`flush` is
called) until it succeeds. Process memory is the last resort: a crash of the
process loses what is still waiting, which health reports meanwhile
(:attr:`Retrier.waiting`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Callable, Deque, Optional, Tuple

logger = logging.getLogger("kefu.inbox")
RETRY_S = 2.0
MAX_WAITING = 100_000

Write = Callable[[], object]


class Retrier:
    """Failed writes, retried oldest first; later writes wait behind earlier ones (order kept)."""

    def __init__(self, name: str, *, retry_s: float = RETRY_S) -> None:
        self.name = name
        self.retry_s = retry_s
        self._queue: Deque[Tuple[str, Write]] = deque()
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.last_error: str = ""

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @property
    def thread_name(self) -> str:
        """The name of the thread that retries (a write can tell it runs there)."""
        return f"{self.name}-retry"

    def run(self, label: str, write: Write) -> bool:
        """Write now when nothing waits and it works (True); else keep it for later (False)."""
        with self._lock:
            if not self._queue:
                try:
                    write()
                    return True
                except Exception as exc:  # the store refused: keep the write, never the error
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    logger.error("%s: %s failed (%s); kept in memory, retried every %.0fs",
                                 self.name, label, self.last_error, self.retry_s)
            if len(self._queue) >= MAX_WAITING:
                logger.error("%s: %d writes waiting; dropping the oldest", self.name, len(self._queue))
                self._queue.popleft()
            self._queue.append((label, write))
            self._start()
            return False

    def flush(self) -> int:
        """Try every waiting write in order; stop at the first that still fails. Returns how many landed."""
        done = 0
        with self._lock:
            while self._queue:
                label, write = self._queue[0]
                try:
                    write()
                except Exception as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    break
                self._queue.popleft()
                done += 1
        if done:
            logger.info("%s: %d kept write(s) stored (%d still waiting)", self.name, done, len(self._queue))
        return done

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
            self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.retry_s)
            self._wake.clear()
            self.flush()
            if not self._queue:
                with self._lock:
                    if not self._queue:
                        self._thread = None
                        return
