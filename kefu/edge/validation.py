"""Validation of everything that arrives at an edge, before Rasa, a store or a log sees it.

One function per layer, each raising :class:`EdgeError` (its HTTP status as a
class attribute, like sanic's exceptions) with a short English message for the
client developer:

* :func:`parse_json_body` — size limit, strict UTF-8, JSON without NaN, huge
  integers or deep nesting, and no lone surrogate in any string;
* :func:`parse_buyer_message` — the fields of a channel message (``sender``,
  ``message``, ``metadata``) with their types, the text normalised once
  (:func:`normalise_text`) and the sender mapped to a safe conversation id.

A message longer than :data:`MAX_MESSAGE_CHARS` is not an error: it is accepted
with ``too_long`` set, and the channel answers with a polite note instead of
handing ten thousand characters to the NLU (they froze Rasa's event loop for a
minute, issue 9 #2).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from kefu.edge.ids import safe_conversation_id
from kefu.platforms import canonical_platform

# The web chat's limit: longer is not a customer-service message but a paste.
MAX_MESSAGE_CHARS = 1500
# A channel request carries one message and a little metadata; a paste of 100k Chinese characters
# (600 KB as JSON escapes, what requests and browsers send)
# still gets the polite length note, anything much larger is refused unread.
MAX_BODY_BYTES = 1024 * 1024
MAX_SENDER_CHARS = 256
MAX_JSON_DEPTH = 16
MAX_METADATA_DEPTH = 4
# Integers beyond JavaScript's safe range are never an id or a count a client means.
MAX_INT_DIGITS = 16

# Control characters except tab and newline; bidi overrides/isolates (text that reads
# differently than it is stored); BOM, non-characters.
_STRIP = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff\ufffe\uffff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# Rasa reads a message starting with "/" as an intent (/restart, /request_human{...}).
COMMAND_PREFIX = "/"
SAFE_COMMAND_PREFIX = "\uff0f"  # FULLWIDTH SOLIDUS: the same glyph, plain text to Rasa


class EdgeError(Exception):
    """A request refused at the edge; ``status_code`` is the HTTP status, ``code`` a stable name."""

    status_code = 400
    code = "bad_request"

    def as_json(self) -> Dict[str, str]:
        return {"error": self.code, "message": str(self)}


class BodyTooLarge(EdgeError):
    status_code = 413
    code = "body_too_large"


class UnknownPlatform(EdgeError):
    code = "unknown_platform"


class Unauthorized(EdgeError):
    status_code = 401
    code = "unauthorized"


def has_lone_surrogate(text: str) -> bool:
    """True for text that cannot be UTF-8 (half of an emoji's surrogate pair)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _reject_constant(name: str) -> Any:
    raise EdgeError(f"{name} is not allowed in JSON")


def _parse_int(digits: str, limit: int = MAX_INT_DIGITS) -> int:
    if len(digits.lstrip("-")) > limit:
        raise EdgeError(f"integer with more than {limit} digits")
    return int(digits)


def _check_tree(value: Any, depth: int, max_depth: int) -> None:
    if depth > max_depth:
        raise EdgeError(f"JSON nested deeper than {max_depth} levels")
    if isinstance(value, str):
        if has_lone_surrogate(value):
            raise EdgeError("text contains a lone UTF-16 surrogate (half of an emoji)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_tree(key, depth, max_depth)
            _check_tree(item, depth + 1, max_depth)
    elif isinstance(value, list):
        for item in value:
            _check_tree(item, depth + 1, max_depth)


def parse_json_body(raw: Optional[bytes], *, max_bytes: int = MAX_BODY_BYTES,
                    max_depth: int = MAX_JSON_DEPTH, max_int_digits: int = MAX_INT_DIGITS) -> Any:
    """The JSON value of a request body, or an :class:`EdgeError` saying what is wrong with it."""
    if not raw:
        raise EdgeError("the body must be a JSON object")
    if len(raw) > max_bytes:
        raise BodyTooLarge(f"the body is larger than {max_bytes} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EdgeError("the body is not valid UTF-8") from None
    try:
        value = json.loads(text, parse_int=lambda digits: _parse_int(digits, max_int_digits),
                           parse_constant=_reject_constant)
    except EdgeError:
        raise
    except RecursionError:
        raise EdgeError(f"JSON nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # JSONDecodeError, and int() over Python's digit limit
        raise EdgeError(f"malformed JSON ({type(exc).__name__})") from None
    _check_tree(value, 0, max_depth)
    return value


def normalise_text(text: str) -> str:
    """The one normalisation of buyer text: NFC, control and bidi characters removed,
    runs of spaces folded, trimmed, and a leading "/" made plain text (no intent injection)."""
    text = unicodedata.normalize("NFC", text)
    text = _STRIP.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text).strip()
    if text.startswith(COMMAND_PREFIX):
        text = SAFE_COMMAND_PREFIX + text[len(COMMAND_PREFIX):]
    return text


@dataclass(frozen=True)
class BuyerMessage:
    """A validated message from a channel: what Rasa may see."""

    conversation_id: str
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)
    requested_platform: Optional[str] = None
    too_long: bool = False
    raw_length: int = 0


def _metadata(value: Any) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EdgeError("'metadata' must be an object")
    _check_tree(value, 1, MAX_METADATA_DEPTH)
    return dict(value)


def requested_platform(metadata: Mapping[str, Any]) -> Optional[str]:
    """The canonical platform named in metadata; None when absent; UnknownPlatform when not one of ours."""
    if "platform" not in metadata or metadata["platform"] in (None, ""):
        return None
    platform = canonical_platform(metadata["platform"])
    if platform is None:
        value = metadata["platform"]
        shown = value[:40] if isinstance(value, str) else type(value).__name__
        raise UnknownPlatform(f"unknown platform {shown!r}: use pinduoduo, taobao, jd or douyin")
    return platform


def parse_buyer_message(body: Any) -> BuyerMessage:
    """``{"sender": str, "message": str, "metadata"?: object}`` -> :class:`BuyerMessage`."""
    if not isinstance(body, dict):
        raise EdgeError("the body must be a JSON object")
    sender = body.get("sender")
    if not isinstance(sender, str):
        raise EdgeError("'sender' is required and must be a string")
    if not sender.strip():
        raise EdgeError("'sender' must not be empty")
    if len(sender) > MAX_SENDER_CHARS:
        raise EdgeError(f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    if has_lone_surrogate(sender):
        raise EdgeError("'sender' contains a lone UTF-16 surrogate")
    message = body.get("message")
    if not isinstance(message, str):
        raise EdgeError("'message' is required and must be a string")
    if has_lone_surrogate(message):
        raise EdgeError("'message' contains a lone UTF-16 surrogate (half of an emoji)")
    metadata = _metadata(body.get("metadata"))
    platform = requested_platform(metadata)
    text = normalise_text(message)
    if not text:
        raise EdgeError("'message' is empty")
    return BuyerMessage(
        conversation_id=safe_conversation_id(sender),
        text=text if len(text) <= MAX_MESSAGE_CHARS else "",
        metadata=metadata,
        requested_platform=platform,
        too_long=len(text) > MAX_MESSAGE_CHARS,
        raw_length=len(text),
    )
