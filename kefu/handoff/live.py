"""Live updates for open consoles: an in-process hub feeding each Server-Sent-Events stream.

Events carry only kinds and ids (``ticket_new``, ``message``, ``ticket_changed``),
never buyer text: the page fetches what changed through the (masked,
authenticated) API. A slow console whose queue fills up loses events, not the
web app's memory; its page re-reads the queue on every event and every
reconnect, so nothing is missed for good. One hub per web-app process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any, Dict, Set

QUEUE_SIZE = 200


class LiveHub:
    def __init__(self) -> None:
        self._queues: Set[asyncio.Queue] = set()
        self._ids = itertools.count(1)

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._queues.discard(queue)

    def publish(self, kind: str, **data: Any) -> None:
        item = {"id": next(self._ids), "kind": kind, **data}
        for queue in list(self._queues):
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                pass


def sse_frame(item: Dict[str, Any]) -> str:
    """One Server-Sent-Events frame (``id``, ``event``, ``data`` lines)."""
    return f"id: {item['id']}\nevent: {item['kind']}\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"
