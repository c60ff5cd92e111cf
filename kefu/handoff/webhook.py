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
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional

log = logging.getLogger("kefu.handoff.webhook")

ATTEMPTS = 5
BASE_DELAY_S = 0.5
MAX_DELAY_S = 8.0
TIMEOUT_S = 5.0


def backoff_delays(attempts: int = ATTEMPTS, base: float = BASE_DELAY_S, cap: float = MAX_DELAY_S) -> list:
    """Waits between attempts: base, 2*base, 4*base ... capped (one fewer than attempts)."""
    return [min(cap, base * 2**i) for i in range(max(attempts - 1, 0))]


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
    delays = backoff_delays(attempts, base_delay, max_delay)
    for attempt in range(1, attempts + 1):
        try:
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                if 200 <= response.status < 300:
                    log.info("handoff webhook delivered ticket %s (attempt %d)", payload.get("id"), attempt)
                    return True
                problem = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            problem = type(exc).__name__
        log.warning("handoff webhook attempt %d/%d for ticket %s failed: %s", attempt, attempts, payload.get("id"), problem)
        if attempt <= len(delays):
            sleep(delays[attempt - 1])
    log.error("handoff webhook gave up on ticket %s after %d attempts", payload.get("id"), attempts)
    return False


def notify_async(url: Optional[str], payload: Dict[str, Any], **options: Any) -> Optional[threading.Thread]:
    """Fire and forget: start delivery in a daemon thread (None when no URL is configured)."""
    if not url:
        return None
    thread = threading.Thread(target=deliver, args=(url, payload), kwargs=options, name="kefu-handoff-webhook", daemon=True)
    thread.start()
    return thread
