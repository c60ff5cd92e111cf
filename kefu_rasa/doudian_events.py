"""Mounts the 抖店 order-event webhook on the Rasa server: ``POST /webhooks/doudian_events/webhook``.

Not a chat channel: it never calls Rasa. It lives here because the Rasa server is
the process a shop already exposes to the internet (with the bridge channel); the
webhook itself is plain Python in :mod:`kefu.orders.doudian_webhook`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

from kefu.orders.doudian_webhook import doudian_events_blueprint
from kefu.settings import Settings


class DoudianEventsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "doudian_events"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "DoudianEventsInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return doudian_events_blueprint(Settings.from_env(), name="doudian_events_webhook")
