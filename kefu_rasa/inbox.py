"""The inbox hook of kefu's Rasa channels (REST, callback, the signed bridge).

Each channel calls :func:`receive` once a message is valid and *before* it runs the
turn or acknowledges anything, and :func:`finish` with the outcome. What a channel
does with a :class:`~kefu.inbox.store.Receipt` that is not to be processed:

- ``handled`` (a retry of an answered message): REST answers the stored replies
  again, callback answers ``success`` (the replies went to the callback URL), the
  bridge answers ``duplicate``;
- ``in_flight`` (the same message id is being answered right now, here): REST waits
  for that answer (:func:`wait_handled`), the others acknowledge without a second turn.

A client's message id is ``metadata.message_id`` (REST, callback; the web chat sends
one per message) or the bridge's signed ``message_id``; without one every message is
new (nothing to de-duplicate on).

:func:`register_recovery` adds a start-up task to a channel blueprint: messages stored
by a Rasa process that died before handling them (a SIGKILL, the supervisor replacing a
frozen Rasa) are handled now — the bridge runs them again (it acknowledged them with
202); REST ones get the holding answer stored for the client's retry and a ticket (the
HTTP connection they came on is gone). Callback messages are left to their sender's
retry with the same message id (the web chat retries until Rasa answers).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, TypeVar

from sanic import Blueprint

from kefu.inbox.store import HANDLED, Inbox, Receipt, owner_is_dead, stored_replies
from kefu.settings import Settings

logger = logging.getLogger("kefu_rasa.inbox")
T = TypeVar("T")
MESSAGE_ID = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")
WAIT_POLL_S = 0.25
RECOVERY_DELAY_S = 3.0
_INBOXES: Dict[str, Inbox] = {}
_TASKS: Set["asyncio.Task[None]"] = set()


def inbox_for(settings: Settings) -> Inbox:
    """One inbox per database and process (its in-flight set and memory copies are per process)."""
    key = str(settings.db_path)
    if key not in _INBOXES:
        _INBOXES[key] = Inbox(settings.db_path, state_dir=settings.state_dir)
    return _INBOXES[key]


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))


def client_message_id(metadata: Mapping[str, Any]) -> Optional[str]:
    """``metadata.message_id`` when it is a usable id (1-128 printable characters), else None."""
    value = metadata.get("message_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) and MESSAGE_ID.match(value.strip()) else None


async def receive(settings: Settings, channel: str, message_id: Optional[str], *, conversation_id: str,
                  platform: str, text: str, metadata: Mapping[str, Any]) -> Receipt:
    return await in_thread(inbox_for(settings).receive, channel, message_id, conversation_id=conversation_id,
                           platform=platform, text=text, metadata=metadata)


async def finish(settings: Settings, receipt: Receipt, state: str, replies: List[Dict[str, Any]],
                 detail: str = "") -> None:
    await in_thread(inbox_for(settings).finish, receipt.channel, receipt.message_id, state, replies, detail)


async def wait_handled(settings: Settings, receipt: Receipt, timeout_s: float) -> Optional[List[Dict[str, Any]]]:
    """The replies of a message another request of this process is answering; None if not done in time."""
    inbox = inbox_for(settings)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        row = await in_thread(inbox.message, receipt.channel, receipt.message_id)
        if row is not None and row.get("state") in HANDLED:
            return stored_replies(row.get("replies"))
        await asyncio.sleep(WAIT_POLL_S)
    return None


Recover = Callable[[Dict[str, Any]], Awaitable[None]]


def register_recovery(blueprint: Blueprint, settings: Settings, channel: str, recover: Recover) -> None:
    """After the server starts, hand each message a dead process left unhandled to ``recover`` (once)."""

    @blueprint.listener("after_server_start")
    async def start_recovery(_app: Any, loop: Any) -> None:
        task = loop.create_task(_recover(settings, channel, recover))
        _TASKS.add(task)  # a reference until done: the loop holds tasks weakly
        task.add_done_callback(_TASKS.discard)


async def _recover(settings: Settings, channel: str, recover: Recover) -> None:
    await asyncio.sleep(RECOVERY_DELAY_S)  # the agent is loaded; let the first live requests through
    inbox = inbox_for(settings)
    try:
        rows = await in_thread(inbox.unhandled, channel)
    except Exception as exc:  # an unreadable store: the health check says so; nothing to recover from
        logger.error("inbox recovery for %s: cannot read the inbox (%s)", channel, type(exc).__name__)
        return
    left = [row for row in rows if owner_is_dead(str(row.get("owner", "")))]
    if left:
        logger.warning("inbox: %d %s message(s) left unhandled by a process that died; handling them now",
                       len(left), channel)
    for row in left:
        if not await in_thread(inbox.claim, channel, row["message_id"]):
            continue
        try:
            await recover(row)
        except Exception:
            logger.exception("inbox recovery of %s message %s failed", channel, row["message_id"])
            inbox.release(channel, row["message_id"])
