"""kefu's one HTTP client for its own outgoing calls (requests), so timeouts and errors have one home.

requests, because nearly every caller is synchronous: the CLI and supervisor, the replay
runner, the order API adapters, the web app's worker threads. The two calls made from
an event loop (bridge replies, the channel's dependency probe) run the same request in
a worker thread (:func:`request_async`), so the loop never waits on the network.
Rasa's own aiohttp use is Rasa's business; kefu's code imports no other client.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import requests

HttpError = requests.RequestException  # nothing usable came back: refused, timeout, DNS, bad URL
Response = requests.Response
Session = requests.Session


def session() -> Session:
    """A keep-alive session (cookies kept), for a caller that talks to one service many times."""
    return requests.Session()


def request(method: str, url: str, *, timeout: Any, http: Optional[Session] = None, **options: Any) -> Response:
    """One HTTP call; ``timeout`` is required (seconds, or a (connect, read) pair). Raises :data:`HttpError`."""
    return (http or requests).request(method, url, timeout=timeout, **options)


def status(url: str, timeout: float = 2.0) -> Optional[int]:
    """The status ``url`` answers a GET with, or None when it does not answer within ``timeout``."""
    try:
        return request("GET", url, timeout=timeout).status_code
    except HttpError:
        return None


async def request_async(method: str, url: str, *, timeout: Any, **options: Any) -> Response:
    """:func:`request` from a coroutine: run in a worker thread, the event loop keeps serving."""
    return await asyncio.to_thread(request, method, url, timeout=timeout, **options)
