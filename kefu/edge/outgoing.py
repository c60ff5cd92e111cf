"""Guard a whole outgoing message: every string a buyer can read, in whatever field it travels.

Rasa hands an output channel a dict (``text``, ``buttons``, ``quick_replies``,
``elements``, ``attachment``, ``image``, ``custom``); actions, responses, events
pushed through the HTTP API and agents' replies all arrive as such a dict. This
module walks it and passes each readable string through
:func:`kefu.guard.enforce.guard_outgoing` for the conversation's platform, so the
channel is the one exit where nothing unchecked leaves.

Not guarded, on purpose: ``recipient_id``; URLs of images and links (an address,
not text a buyer reads); button payloads that are intents (``/intent{...}``), which
the buyer's client sends back and never displays.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Mapping, Optional

from kefu.guard.enforce import guard_outgoing
from kefu.settings import Settings

_URL = re.compile(r"^(?:https?|data):\S*$")
# Keys whose string values are identifiers or addresses, never read as text.
_NOT_TEXT = frozenset({"recipient_id", "url", "src", "href", "image_url", "content_type", "type", "id"})
_TEXT_KEYS_IN_MEDIA = ("alt", "caption", "title", "text", "name", "subtitle", "description")

Guard = Callable[[str], str]


def _walk(value: Any, guard: Guard, key: Optional[str] = None) -> Any:
    if isinstance(value, str):
        if key in _NOT_TEXT or _URL.match(value):
            return value
        if key == "payload" and value.startswith("/"):
            return value
        return guard(value)
    if isinstance(value, list):
        return [_walk(item, guard, key) for item in value]
    if isinstance(value, dict):
        return {k: _walk(v, guard, k) for k, v in value.items()}
    return value


def _media(value: Any, guard: Guard) -> Any:
    """An image/attachment: a bare URL stays; a caption string or a dict's text fields are guarded."""
    if isinstance(value, str):
        return value if _URL.match(value) else guard(value)
    if isinstance(value, dict):
        return {k: (_walk(v, guard, k) if k in _TEXT_KEYS_IN_MEDIA or k == "payload" else
                    _media(v, guard) if isinstance(v, (dict, list)) else v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_media(item, guard) for item in value]
    return value


def guard_message(message: Mapping[str, Any], *, platform: str, conversation_id: str, source: str,
                  settings: Optional[Settings] = None) -> Dict[str, Any]:
    """A copy of ``message`` with every buyer-readable string guarded for ``platform``."""
    settings = settings or Settings.from_env()

    def guard(text: str) -> str:
        if not text.strip():
            return text
        return guard_outgoing(text, platform=platform, conversation_id=conversation_id, source=source,
                              settings=settings).text

    guarded: Dict[str, Any] = {}
    for key, value in message.items():
        if key in ("image", "attachment"):
            guarded[key] = _media(value, guard)
        elif key in ("recipient_id", "metadata"):
            guarded[key] = value
        else:
            guarded[key] = _walk(value, guard, key)
    return guarded
