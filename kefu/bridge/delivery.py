"""Replies to the sidecar's callback URL: signed like requests, retried with backoff, never blocking the ack."""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from kefu import httpclient, retry
from kefu.bridge.protocol import signed_headers

logger = logging.getLogger("kefu.bridge")
ATTEMPTS = 4
BACKOFF_S = 0.5
TIMEOUT_S = 5.0

Poster = Callable[[str, bytes, Dict[str, str], float], Awaitable[int]]


async def http_post(url: str, body: bytes, headers: Dict[str, str], timeout_s: float) -> int:
    response = await httpclient.request_async("POST", url, data=body, headers=headers, timeout=timeout_s)
    return response.status_code


async def deliver(url: str, payload: Dict[str, Any], secret: str, *, post: Optional[Poster] = None,
                  attempts: int = ATTEMPTS, backoff_s: float = BACKOFF_S, timeout_s: float = TIMEOUT_S) -> str:
    """POST ``payload`` to ``url`` until a 2xx; returns ``delivered`` or ``failed: <why>``. Each attempt is
    signed afresh (new timestamp and nonce), so a receiver's replay protection accepts the retry."""
    send = post or http_post
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")

    async def attempt(number: int) -> str:
        """``delivered``, ``again: <why>`` (worth another attempt) or ``failed: <why>`` (final)."""
        try:
            status = await send(url, body, signed_headers(secret, body), timeout_s)
        except Exception as exc:  # connection refused, timeout: try again
            outcome = f"again: {exc.__class__.__name__}"
        else:
            if 200 <= status < 300:
                return "delivered"
            refused = 400 <= status < 500 and status not in (408, 429)  # retrying will not help
            outcome = f"{'failed' if refused else 'again'}: HTTP {status}"
        logger.warning("bridge reply to %s for %s: attempt %d/%d failed (%s)", url.split("?")[0],
                       payload.get("conversation_id"), number, attempts, outcome.split(": ", 1)[1])
        return outcome

    outcome = await retry.run_async(attempt, attempts=attempts, wait=retry.backoff(backoff_s),
                                    retry_result=lambda outcome: outcome.startswith("again"))
    if outcome == "delivered":
        return outcome
    last = outcome.split(": ", 1)[1]
    logger.error("bridge reply for %s not delivered: %s", payload.get("conversation_id"), last)
    return f"failed: {last}"
