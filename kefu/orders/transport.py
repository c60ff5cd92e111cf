"""HTTP for order APIs behind one small seam, so tests hand in a fake built from the documented formats.

A transport is ``(HttpRequest, timeout_s) -> HttpResponse`` and raises
:class:`TransportError` when nothing usable came back (timeout, refused
connection). :func:`call_with_retries` is the one retry policy of every adapter:
transport errors and 5xx are retried with exponential backoff (:mod:`kefu.retry`), nothing else is.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

from kefu import httpclient, retry

logger = logging.getLogger("kefu.orders")


class OrderSourceError(Exception):
    """The order source could not answer (down, refused, misconfigured); the message is safe to log."""


class TransportError(OrderSourceError):
    """No HTTP response: timeout, DNS, refused connection."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    params: Mapping[str, str] = field(default_factory=dict)   # query string
    form: Optional[Mapping[str, str]] = None                  # application/x-www-form-urlencoded body
    body: Optional[bytes] = None                              # raw body (JSON)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes


Transport = Callable[[HttpRequest, float], HttpResponse]
Sleep = Callable[[float], None]


def requests_transport(request: HttpRequest, timeout_s: float) -> HttpResponse:
    """The real transport (:mod:`kefu.httpclient`); connect and read timeouts are both ``timeout_s``."""
    try:
        response = httpclient.request(request.method, request.url, params=dict(request.params),
                                      data=dict(request.form) if request.form is not None else request.body,
                                      headers=dict(request.headers), timeout=(timeout_s, timeout_s))
    except httpclient.HttpError as exc:
        raise TransportError(f"{exc.__class__.__name__} calling {request.url.split('?')[0]}") from None
    return HttpResponse(response.status_code, response.content)


def call_with_retries(transport: Transport, request: HttpRequest, *, timeout_s: float, retries: int,
                      what: str, sleep: Sleep = time.sleep, backoff_s: float = 0.5) -> HttpResponse:
    """``request`` sent up to ``retries + 1`` times; returns the first non-5xx response."""
    def attempt(number: int) -> Optional[HttpResponse]:
        started = time.monotonic()
        try:
            response = transport(request, timeout_s)
        except TransportError as exc:
            failures.append(str(exc))
            logger.warning("%s: attempt %d/%d failed: %s", what, number, retries + 1, exc)
            return None
        logger.debug("%s: HTTP %d in %.0f ms", what, response.status, (time.monotonic() - started) * 1000)
        if response.status < 500:
            return response
        failures.append(f"HTTP {response.status}")
        logger.warning("%s: attempt %d/%d got HTTP %d", what, number, retries + 1, response.status)
        return None

    failures: list = []
    answer = retry.run(attempt, attempts=retries + 1, wait=retry.backoff(backoff_s),
                       retry_result=lambda response: response is None, sleep=sleep)
    if answer is None:
        raise OrderSourceError(f"{what}: no answer after {retries + 1} attempts ({failures[-1]})")
    return answer
