"""Tasks in the shared SQLite file (see the package docstring for why they exist)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from kefu.db import SQLiteStore, transaction

# kind -> what a person has to do (Chinese: shown in the console and by `kefu tasks`).
TASK_KINDS: Mapping[str, str] = {
    "logistics_check": "联系快递核实物流",
    "address_change": "修改收货地址",
    "order_change": "发货前修改规格",
    "invoice_request": "开具发票",
    "restock_notice": "到货后通知买家",
    "guard_held_reply": "回复被合规拦截的消息",
    "action_error": "处理机器人出错的会话",
    "callback": "回复买家留言",
    "identity_check": "人工核实买家身份（订单核对次数用完）",
    "product_question": "确认商品信息并回复买家",
    "promo_question": "确认优惠能否叠加并回复买家",
    "order_cancel": "取消订单/退款",
    "courier_remark": "订单快递备注",
    "late_dispatch": "超时未发货，加急发出",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    platform        TEXT NOT NULL,
    order_id        TEXT,
    product_id      TEXT,
    summary         TEXT NOT NULL,
    details         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at      REAL NOT NULL,
    done_at         REAL,
    done_by         TEXT,
    dedup_key       TEXT,
    UNIQUE (dedup_key)
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status, created_at);
CREATE INDEX IF NOT EXISTS tasks_conversation ON tasks (conversation_id, status);
"""


class TaskError(Exception):
    """A task request that cannot be carried out (unknown kind, missing field)."""


class TaskNotFound(TaskError):
    pass


@dataclass(frozen=True)
class Task:
    id: int
    kind: str
    conversation_id: str
    platform: str
    summary: str
    status: str
    created_at: float
    order_id: Optional[str] = None
    product_id: Optional[str] = None
    details: Dict[str, Any] = field(default_factory=dict)
    done_at: Optional[float] = None
    done_by: Optional[str] = None

    @property
    def kind_label(self) -> str:
        return TASK_KINDS.get(self.kind, self.kind)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "conversation_id": self.conversation_id,
            "platform": self.platform,
            "order_id": self.order_id,
            "product_id": self.product_id,
            "summary": self.summary,
            "details": dict(self.details),
            "status": self.status,
            "created_at": self.created_at,
            "done_at": self.done_at,
            "done_by": self.done_by,
        }


class TaskStore(SQLiteStore):
    """Create, list and complete tasks. Safe to share between threads."""

    SCHEMA = SCHEMA

    def create(
        self,
        kind: str,
        *,
        conversation_id: str,
        platform: str,
        summary: str,
        order_id: Optional[str] = None,
        product_id: Optional[str] = None,
        details: Optional[Mapping[str, Any]] = None,
        dedup_key: Optional[str] = None,
        now: Optional[float] = None,
    ) -> Task:
        """Open a task. With ``dedup_key``, a second request for the same work returns the first task."""
        if kind not in TASK_KINDS:
            raise TaskError(f"unknown task kind {kind!r}; one of {', '.join(TASK_KINDS)}")
        if not conversation_id or not summary:
            raise TaskError("conversation_id and summary are required")
        now = time.time() if now is None else now
        with transaction(self.conn) as conn:
            if dedup_key:
                row = conn.execute("SELECT id FROM tasks WHERE dedup_key = ?", (dedup_key,)).fetchone()
                if row is not None:
                    return self.get(row["id"])
            task_id = conn.execute(
                "INSERT INTO tasks (kind, conversation_id, platform, order_id, product_id, summary, details,"
                " created_at, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    conversation_id,
                    platform,
                    order_id,
                    product_id,
                    summary,
                    json.dumps(dict(details or {}), ensure_ascii=False, default=str),
                    now,
                    dedup_key,
                ),
            ).lastrowid
        return self.get(task_id)

    def get(self, task_id: int) -> Task:
        row = self.conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
        if row is None:
            raise TaskNotFound(f"任务 {task_id} 不存在")
        return _task(row)

    def list(
        self,
        *,
        status: Optional[str] = "open",
        conversation_id: Optional[str] = None,
        kind: Optional[str] = None,
        limit: int = 500,
    ) -> List[Task]:
        """Tasks, oldest first; ``status=None`` lists every status."""
        clauses: List[str] = []
        params: tuple = ()
        for column, value in (("status", status), ("conversation_id", conversation_id), ("kind", kind)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params += (value,)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(
            f"SELECT * FROM tasks{where} ORDER BY created_at, id LIMIT ?", params + (int(limit),)
        ).fetchall()
        return [_task(row) for row in rows]

    def done(self, task_id: int, agent: str, now: Optional[float] = None) -> Task:
        """Mark a task done by ``agent`` (idempotent: a done task keeps its first completion)."""
        now = time.time() if now is None else now
        with transaction(self.conn) as conn:
            row = conn.execute("SELECT status FROM tasks WHERE id = ?", (task_id,)).fetchone()
            if row is None:
                raise TaskNotFound(f"任务 {task_id} 不存在")
            if row["status"] == "open":
                conn.execute(
                    "UPDATE tasks SET status = 'done', done_at = ?, done_by = ? WHERE id = ?", (now, agent, task_id)
                )
        return self.get(task_id)


def _task(row: Any) -> Task:
    return Task(
        id=row["id"],
        kind=row["kind"],
        conversation_id=row["conversation_id"],
        platform=row["platform"],
        summary=row["summary"],
        status=row["status"],
        created_at=row["created_at"],
        order_id=row["order_id"],
        product_id=row["product_id"],
        details=json.loads(row["details"] or "{}"),
        done_at=row["done_at"],
        done_by=row["done_by"],
    )
