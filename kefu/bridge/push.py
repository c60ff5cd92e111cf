"""Messages that do not answer a bridge request: what a person sends from the agent console.

The console (kefu/handoff/web/api.py, web/media.py) calls :func:`push_to_bridge` for every agent
reply, image, card, handback line and 满意度 invitation; for a conversation that came in through the
bridge it posts the (guarded) text, with the message's ``type`` and data (docs/bridge.md), to the
sidecar's callback in the same signed format as bot replies, with ``"source"`` saying who sent it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Mapping, Optional

from kefu.bridge.delivery import Poster, deliver
from kefu.bridge.protocol import bridge_secret
from kefu.bridge.store import BridgeStore
from kefu.guard.enforce import guard_outgoing
from kefu.settings import Settings


def is_bridge_conversation(conversation_id: str, settings: Optional[Settings] = None) -> bool:
    settings = settings or Settings.from_env()
    return BridgeStore(settings.db_path).conversation(conversation_id) is not None


async def push_to_bridge(conversation_id: str, text: str, *, source: str = "agent",
                         extra: Optional[Mapping[str, Any]] = None,
                         settings: Optional[Settings] = None, post: Optional[Poster] = None) -> str:
    """``text`` to the bridge buyer of ``conversation_id``: ``delivered``, ``failed: …``, or
    ``not a bridge conversation`` / ``no callback configured`` (nothing sent).

    ``extra`` travels in the message beside the text (docs/bridge.md: ``type`` ``rating_invite`` with
    ``rating``, ``image`` with ``image``, ``product_card``/``order_card`` with ``card``); the text is
    guarded here, the card's strings by the caller that built it (kefu.handoff.cards)."""
    settings = settings or Settings.from_env()
    who = BridgeStore(settings.db_path).conversation(conversation_id)
    if who is None:
        return "not a bridge conversation"
    if not settings.bridge_callback_url:
        return "no callback configured"
    checked = guard_outgoing(text, platform=who["platform"], conversation_id=conversation_id, source=source,
                             settings=settings).text
    payload = {"in_reply_to": None, "message_id": uuid.uuid4().hex, "source": source,
               "conversation_id": conversation_id, "platform": who["platform"], "shop_id": who["shop_id"],
               "buyer_id": who["buyer_id"], "messages": [{"text": checked, **dict(extra or {})}]}
    return await deliver(settings.bridge_callback_url, payload, bridge_secret(settings), post=post)


def push_to_bridge_sync(conversation_id: str, text: str, **options: object) -> str:
    """For synchronous callers (a console handler running outside an event loop)."""
    return asyncio.run(push_to_bridge(conversation_id, text, **options))  # type: ignore[arg-type]
