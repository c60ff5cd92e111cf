"""Agent-assist: the answer the bot would give to the buyer's latest question, as a draft.

The answer is not reimplemented here: the buyer's latest message is sent, with the
ticket's platform/product/order as metadata, to Rasa's REST channel under a
*shadow* conversation id (``assist:<ticket>:<random>``), so the same NLU,
actions and shop data produce it. The real conversation stays paused and
untouched. A shadow conversation that itself triggers a handoff gets its ticket
closed at once (it is nobody's work); shadow ids are left out of the queue and
the reports (:func:`is_shadow`).
"""

from __future__ import annotations

import secrets
from typing import Any, Dict, List, Optional

from kefu.handoff.tickets import Ticket, TicketStore

ASSIST_PREFIX = "assist:"


def is_shadow(conversation_id: str) -> bool:
    return conversation_id.startswith(ASSIST_PREFIX)


def latest_question(ticket: Ticket) -> Optional[str]:
    for line in reversed(ticket.transcript):
        if line.sender == "buyer" and line.text.strip():
            return line.text
    return None


def draft_for(ticket: Ticket, rasa: Any, tickets: TicketStore) -> Dict[str, Any]:
    """{"question", "draft", "messages"}; ``draft`` is None when the bot had nothing to say."""
    question = latest_question(ticket)
    if question is None:
        return {"question": None, "draft": None, "messages": []}
    shadow = f"{ASSIST_PREFIX}{ticket.id}:{secrets.token_hex(4)}"
    metadata = {key: value for key, value in (("platform", ticket.platform), ("product_id", ticket.product_id),
                                              ("order_id", ticket.order_id)) if value}
    replies: List[Dict[str, Any]] = rasa.rest_message(shadow, question, metadata)
    tickets.discard_shadow(shadow)
    texts = [r["text"] for r in replies if isinstance(r, dict) and isinstance(r.get("text"), str) and r["text"].strip()]
    return {"question": question, "draft": "\n".join(texts) or None, "messages": texts}
