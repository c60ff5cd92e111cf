"""What a reply turn promises or records: tasks a person must do, requests the shop must carry out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional


@dataclass(frozen=True)
class TaskRequest:
    """A promise made in this turn that a person must keep (kefu.tasks)."""

    kind: str
    summary: str
    order_id: Optional[str] = None
    product_id: Optional[str] = None
    details: Dict[str, Any] = field(default_factory=dict)
    dedup: Optional[str] = None


@dataclass(frozen=True)
class Record:
    """A request the shop must carry out, stored where the shop keeps them (invoice, address change)."""

    kind: str
    values: Dict[str, Any]
