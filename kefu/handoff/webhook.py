"""Announce each new ticket to an optional webhook (``KEFU_HANDOFF_WEBHOOK_URL``).

Delivery runs in a daemon thread with bounded exponential backoff, so a slow
or failing webhook never delays the handoff itself; the outcome is logged
(without the payload, which holds buyer text).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Dict, Optional

from kefu import httpclient, retry

log = logging.getLogger("kefu.handoff.webhook")

ATTEMPTS = 5
BASE_DELAY_S = 0.5
MAX_DELAY_S = 8.0
TIMEOUT_S = 5.0


def backoff_delays(attempts: int = ATTEMPTS, base: float = BASE_DELAY_S, cap: float = MAX_DELAY_S) -> list:
    """Waits between attempts: base, 2*base, 4*base ... capped (one fewer than attempts)."""
    return retry.backoff_delays(attempts, base, cap)


def deliver(
    url: str,
    payload: Dict[str, Any],
    *,
    attempts: int = ATTEMPTS,
    base_delay: float = BASE_DELAY_S,
    max_delay: float = MAX_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POST ``payload`` as JSON until a 2xx answer; True on success. Never raises."""
    body = json.dumps(payload, ensure_ascii=False).encode()

    def attempt(number: int) -> bool:
        try:
            response = httpclient.request("POST", url, data=body, headers={"Content-Type": "application/json"},
                                          timeout=TIMEOUT_S)
            if 200 <= response.status_code < 300:
                log.info("handoff webhook delivered ticket %s (attempt %d)", payload.get("id"), number)
                return True
            problem = f"HTTP {response.status_code}"
        except (httpclient.HttpError, OSError, ValueError) as exc:
            problem = type(exc).__name__
        log.warning("handoff webhook attempt %d/%d for ticket %s failed: %s", number, attempts, payload.get("id"), problem)
        return False

    if retry.run(attempt, attempts=attempts, wait=retry.backoff(base_delay, max_delay),
                 retry_result=lambda delivered: not delivered, sleep=sleep):
        return True
    log.error("handoff webhook gave up on ticket %s after %d attempts", payload.get("id"), attempts)
    return False


def notify_async(url: Optional[str], payload: Dict[str, Any], **options: Any) -> Optional[threading.Thread]:
    """Fire and forget: start delivery in a daemon thread (None when no URL is configured)."""
    if not url:
        return None
    thread = threading.Thread(target=deliver, args=(url, payload), kwargs=options, name="kefu-handoff-webhook", daemon=True)
    thread.start()
    return thread
