"""Who may say what at a channel: trusted metadata, and conversation ids namespaced by channel.

Issue 18 #1. A message's metadata can name an order (``order_id``) or a buyer, and
kefu treats an order named by the channel as the buyer's own (no proof asked). So
such metadata is believed only from an **authenticated** caller:

* the signed bridge (HMAC per request, :mod:`kefu.bridge.protocol`);
* a REST or callback caller presenting the shop's API token (the Rasa HTTP API token
  ``kefu up`` generates into ``.kefu/rasa-api-token``, or ``KEFU_RASA_API_TOKEN``) as
  ``Authorization: Bearer <token>`` or ``?token=<token>``.

A public caller's metadata keeps only :data:`PUBLIC_METADATA_KEYS` (the platform, the
product link the buyer opened): nothing in it proves anything. Keys outside
:data:`TRUSTED_METADATA_KEYS` are dropped for every caller (docs/edges.md, "channel contract").

Conversation ids are namespaced by channel: the bridge's are ``bridge:<platform>:<shop>:<buyer>``
and the web chat's ``web-<hash>``; a public REST or callback sender that maps into one of
those namespaces is refused (403), so no sender of one channel lands in another's
conversation or inherits its proven orders.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Mapping, Optional

from kefu.edge.ids import SAFE_ID
from kefu.edge.validation import EdgeError
from kefu.tokens import same_secret

# What a public caller may say: which platform, which product page.
PUBLIC_METADATA_KEYS = ("platform", "product_id")
# What an authenticated caller may say besides: the order the conversation is about, who the buyer is.
TRUSTED_METADATA_KEYS = PUBLIC_METADATA_KEYS + ("order_id", "buyer_id", "buyer_nick", "shop_id")
BRIDGE_NAMESPACE = "bridge"
WEB_CHAT_PREFIX = "web-"
# Conversation ids only their own channel creates.
RESERVED_PREFIXES = (BRIDGE_NAMESPACE + ":", WEB_CHAT_PREFIX)


class ReservedSender(EdgeError):
    status_code = 403
    code = "reserved_sender"


def presented_token(headers: Mapping[str, Any], args: Mapping[str, Any]) -> str:
    """The token a caller sent: ``Authorization: Bearer …`` or ``?token=…``."""
    auth = str(headers.get("authorization") or "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    value = args.get("token")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def is_trusted(presented: str, expected: Optional[str]) -> bool:
    """Constant-time comparison; no configured token means nobody is trusted."""
    return same_secret(presented, expected)


def accepted_metadata(metadata: Mapping[str, Any], *, trusted: bool) -> Dict[str, Any]:
    """The metadata a caller may give: public keys for everyone, order and buyer only when trusted."""
    keys = TRUSTED_METADATA_KEYS if trusted else PUBLIC_METADATA_KEYS
    return {key: metadata[key] for key in keys if key in metadata}


def check_sender(conversation_id: str, *, trusted: bool) -> None:
    """A public caller may not address another channel's conversations (403)."""
    if not trusted and conversation_id.startswith(RESERVED_PREFIXES):
        raise ReservedSender("this sender id belongs to another channel's conversations; "
                             "choose another sender (or present the shop's API token)")


def namespaced_conversation_id(namespace: str, raw: str) -> str:
    """``<namespace>:<raw>`` when that is a safe id, else ``<namespace>:b-<hash>`` (hash over the whole)."""
    candidate = f"{namespace}:{raw}"
    if SAFE_ID.fullmatch(candidate):
        return candidate
    digest = hashlib.sha256(candidate.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{namespace}:b-{digest[:32]}"


__all__ = ["PUBLIC_METADATA_KEYS", "RESERVED_PREFIXES", "ReservedSender", "TRUSTED_METADATA_KEYS",
           "accepted_metadata", "check_sender", "is_trusted", "namespaced_conversation_id", "presented_token"]
