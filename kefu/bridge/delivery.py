"""Replies to the sidecar's callback URL: signed like requests, retried with backoff, never blocking the ack."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from kefu.bridge.protocol import signed_headers

logger = logging.getLogger("kefu.bridge")
ATTEMPTS = 4
BACKOFF_S = 0.5
TIMEOUT_S = 5.0

Poster = Callable[[str, bytes, Dict[str, str], float], Awaitable[int]]


async def aiohttp_post(url: str, body: bytes, headers: Dict[str, str], timeout_s: float) -> int:
    import aiohttp  # Rasa's own HTTP client

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
        async with session.post(url, data=body, headers=headers) as response:
            return response.status


async def deliver(url: str, payload: Dict[str, Any], secret: str, *, post: Optional[Poster] = None,
                  attempts: int = ATTEMPTS, backoff_s: float = BACKOFF_S, timeout_s: float = TIMEOUT_S) -> str:
    """POST ``payload`` to ``url`` until a 2xx; returns ``delivered`` or ``failed: <why>``. Each attempt is
    signed afresh (new timestamp and nonce), so a receiver's replay protection accepts the retry."""
    post = post or aiohttp_post
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    last = ""
    for attempt in range(attempts):
        if attempt:
            await asyncio.sleep(backoff_s * 2 ** (attempt - 1))
        try:
            status = await post(url, body, signed_headers(secret, body), timeout_s)
        except Exception as exc:  # connection refused, timeout: try again
            last = exc.__class__.__name__
        else:
            if 200 <= status < 300:
                return "delivered"
            last = f"HTTP {status}"
            if 400 <= status < 500 and status not in (408, 429):
                break  # the receiver refuses this reply; retrying will not help
        logger.warning("bridge reply to %s for %s: attempt %d/%d failed (%s)", url.split("?")[0],
                       payload.get("conversation_id"), attempt + 1, attempts, last)
    logger.error("bridge reply for %s not delivered: %s", payload.get("conversation_id"), last)
    return f"failed: {last}"
