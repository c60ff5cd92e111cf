"""The bridge's wire format: HMAC-SHA256 over timestamp + nonce + body, and the message payload.

Request (and reply callback) headers::

    X-Kefu-Timestamp: 1764000000              unix seconds; refused outside ±max_skew_s
    X-Kefu-Nonce:     3f9c0a...               8-64 of [A-Za-z0-9_-], never reused
    X-Kefu-Signature: hex(HMAC-SHA256(secret, f"{timestamp}\\n{nonce}\\n".encode() + body))

Body (UTF-8 JSON)::

    {"message_id": "m-1", "platform": "douyin", "shop_id": "s-9", "buyer_id": "buyer nick",
     "text": "这件有货吗", "metadata": {"product_id": "p1002", "order_id": "..."}}

The platform, shop and buyer are inside the signed body, so the conversation's
platform (and with it the compliance rules) can never come from a buyer's text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from kefu.edge.identity import BRIDGE_NAMESPACE, namespaced_conversation_id
from kefu.edge.validation import MAX_MESSAGE_CHARS, EdgeError, normalise_text, parse_json_body
from kefu.platforms import canonical_platform
from kefu.tokens import same_secret

TIMESTAMP_HEADER = "X-Kefu-Timestamp"
NONCE_HEADER = "X-Kefu-Nonce"
SIGNATURE_HEADER = "X-Kefu-Signature"
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ID = re.compile(r"^[^\x00-\x1f]{1,128}$")
MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = 2000
METADATA_KEYS = ("product_id", "order_id")


class BridgeRefused(Exception):
    """A request the bridge does not accept; ``code`` goes into the JSON error, ``status`` is the HTTP status."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail

    def as_json(self) -> Dict[str, str]:
        return {"error": self.code, "detail": self.detail}


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}\n{nonce}\n".encode("utf-8") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: Optional[float] = None, nonce: Optional[str] = None) -> Dict[str, str]:
    """Headers that make ``body`` acceptable to the other side (used by the client and by reply delivery)."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {TIMESTAMP_HEADER: timestamp, NONCE_HEADER: nonce, SIGNATURE_HEADER: signature(secret, timestamp, nonce, body),
            "Content-Type": "application/json; charset=utf-8"}


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, max_skew_s: int, now: Optional[float] = None) -> str:
    """Check size, freshness and signature; returns the nonce (the caller checks it was never used)."""
    if len(body) > MAX_BODY_BYTES:
        raise BridgeRefused(413, "body_too_large", f"body over {MAX_BODY_BYTES} bytes")
    timestamp, nonce, sent = (_header(headers, name) for name in (TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER))
    if not (timestamp and nonce and sent):
        raise BridgeRefused(401, "missing_signature", f"{TIMESTAMP_HEADER}, {NONCE_HEADER} and {SIGNATURE_HEADER} are required")
    if not timestamp.isdigit():
        raise BridgeRefused(401, "stale_timestamp", "timestamp must be unix seconds")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > max_skew_s:
        raise BridgeRefused(401, "stale_timestamp", f"timestamp outside ±{max_skew_s}s of server time")
    if not NONCE.match(nonce):
        raise BridgeRefused(401, "bad_nonce", "nonce must be 8-64 of A-Z a-z 0-9 _ -")
    if not same_secret(signature(secret, timestamp, nonce, body), sent.strip().lower()):
        raise BridgeRefused(401, "bad_signature", "signature does not match")
    return nonce


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return str(value or "").strip()


@dataclass(frozen=True)
class InboundMessage:
    """A verified buyer message."""

    message_id: str
    platform: str
    shop_id: str
    buyer_id: str
    text: str
    metadata: Dict[str, str] = field(default_factory=dict)

    too_long: bool = False

    @property
    def conversation_id(self) -> str:
        """One conversation per platform, shop and buyer, in the bridge's own namespace
        (``bridge:…``, kefu.edge.identity): no REST sender can name it."""
        return namespaced_conversation_id(BRIDGE_NAMESPACE, f"{self.platform}:{self.shop_id}:{self.buyer_id}")

    def rasa_metadata(self) -> Dict[str, Any]:
        return {**self.metadata, "platform": self.platform, "shop_id": self.shop_id, "buyer_id": self.buyer_id,
                "channel": "kefu_bridge", "message_id": self.message_id}


def _json_object(body: bytes) -> Dict[str, Any]:
    """The body as a JSON object under the one edge's rules (UTF-8, no NaN, no deep nesting, no lone
    surrogate); BridgeRefused(400) otherwise."""
    try:
        data = parse_json_body(body, max_bytes=MAX_BODY_BYTES)
    except EdgeError as exc:
        raise BridgeRefused(400, "malformed_json", f"body must be UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BridgeRefused(400, "invalid_payload", "body must be a JSON object")
    return data


def _identifiers(data: Dict[str, Any], names: Tuple[str, ...]) -> Tuple[Dict[str, str], str]:
    """The id fields named (each required, 1-128 characters, no control characters) and the canonical
    platform; BridgeRefused(400) otherwise."""
    values: Dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not ID.match(str(value).strip()):
            raise BridgeRefused(400, "invalid_payload", f"{name}: required, 1-128 characters, no control characters")
        values[name] = str(value).strip()
    platform = canonical_platform(values["platform"])
    if platform is None:
        raise BridgeRefused(400, "invalid_payload", "platform: one of pinduoduo, taobao, jd, douyin")
    return values, platform


def parse_message(body: bytes) -> InboundMessage:
    data = _json_object(body)
    values, platform = _identifiers(data, ("message_id", "platform", "shop_id", "buyer_id"))
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BridgeRefused(400, "invalid_payload", "text: required, non-empty (send images as a description or a link)")
    if len(text) > MAX_TEXT:
        raise BridgeRefused(400, "invalid_payload", f"text: at most {MAX_TEXT} characters")
    # The one normalisation of buyer text (control and bidi characters out, a leading "/" plain text).
    text = normalise_text(text)
    if not text:
        raise BridgeRefused(400, "invalid_payload", "text: nothing left after removing control characters")
    too_long = len(text) > MAX_MESSAGE_CHARS
    raw_metadata = data.get("metadata") or {}
    if not isinstance(raw_metadata, dict):
        raise BridgeRefused(400, "invalid_payload", "metadata: must be an object")
    metadata = {k: str(raw_metadata[k])[:64] for k in METADATA_KEYS if isinstance(raw_metadata.get(k), (str, int))}
    return InboundMessage(values["message_id"], platform, values["shop_id"], values["buyer_id"],
                          "" if too_long else text, metadata, too_long=too_long)


@dataclass(frozen=True)
class RatingMessage:
    """A verified 满意度 rating from the sidecar: the buyer's answer to a ``rating_invite`` message."""

    platform: str
    shop_id: str
    buyer_id: str
    ticket_id: int
    score: int
    comment: Optional[str] = None

    @property
    def conversation_id(self) -> str:
        return namespaced_conversation_id(BRIDGE_NAMESPACE, f"{self.platform}:{self.shop_id}:{self.buyer_id}")


def parse_rating(body: bytes) -> RatingMessage:
    """``{"platform", "shop_id", "buyer_id", "ticket_id", "score"[, "comment"]}``; BridgeRefused(400) otherwise.
    The score's range and the invitation itself are checked by the satisfaction store (409 when closed)."""
    data = _json_object(body)
    values, platform = _identifiers(data, ("platform", "shop_id", "buyer_id"))
    ticket_id, score, comment = data.get("ticket_id"), data.get("score"), data.get("comment")
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool) or not 0 < ticket_id < 2**53:
        raise BridgeRefused(400, "invalid_payload", "ticket_id: the integer from the rating_invite message")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise BridgeRefused(400, "invalid_payload", "score: an integer from 1 (非常不满意) to 5 (非常满意)")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 200):
        raise BridgeRefused(400, "invalid_payload", "comment: a string of at most 200 characters")
    return RatingMessage(platform, values["shop_id"], values["buyer_id"], ticket_id, score,
                         normalise_text(comment) if comment else None)


def ensure_secret(state_dir: Path) -> str:
    """The shared secret when KEFU_BRIDGE_SECRET is unset: generated once into ``state_dir`` (mode 600, never in git)."""
    path = Path(state_dir) / "bridge-secret"
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return value


def bridge_secret(settings: "object") -> str:
    """KEFU_BRIDGE_SECRET, else the generated one in the state folder."""
    configured = getattr(settings, "bridge_secret", None)
    return configured or ensure_secret(getattr(settings, "state_dir"))
