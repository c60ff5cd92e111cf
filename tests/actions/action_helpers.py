"""Builders for action tests: trackers from plain dicts, running an action, reading its output."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Monday 23 Nov 2026, 10:00 in the shop's time zone: before the 16:00 cut-off.
MONDAY_MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def user_event(text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": entities or [], "text": text},
    }


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value}


def make_tracker(
    text: str = "",
    intent: str = "inform",
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    metadata: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    sender_id: str = "buyer-1",
) -> Tracker:
    """A tracker as the action server receives it, built from plain dicts."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    history = list(events) if events is not None else []
    history.append({**user_event(text, intent, entities), "metadata": metadata or {}})
    return Tracker(
        sender_id=sender_id,
        slots={"requested_slot": None, **(slots or {})},
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict]:
    return asyncio.run(action.run(dispatcher, tracker, domain))


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    return [message.get("text") or "" for message in dispatcher.messages]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
