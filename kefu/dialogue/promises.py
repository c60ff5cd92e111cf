"""What a reply turn promises or records: tasks a person must do, requests the shop must carry out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from kefu.tasks.store import TASK_KINDS


@dataclass(frozen=True)
class TaskRequest:
    """A promise made in this turn that a person must keep (kefu.tasks)."""

    kind: str
    summary: str
    order_id: Optional[str] = None
    product_id: Optional[str] = None
    details: Dict[str, Any] = field(default_factory=dict)
    dedup: Optional[str] = None

    def __post_init__(self) -> None:
        # A promise whose task could not be stored would end in a holding answer: fail where it is made.
        if self.kind not in TASK_KINDS:
            raise ValueError(f"unknown task kind {self.kind!r}; one of {', '.join(TASK_KINDS)}")


@dataclass(frozen=True)
class Record:
    """A request the shop must carry out, stored where the shop keeps them (invoice, address change)."""

    kind: str
    values: Dict[str, Any]
