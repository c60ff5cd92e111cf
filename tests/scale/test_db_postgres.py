"""kefu's own stores on a real PostgreSQL through KEFU_DATABASE_URL, unchanged store code.

Each scenario runs the real stores (tickets, tasks, agents, shop data, guard audit,
chat log) once on the embedded SQLite default and once on PostgreSQL; the buyer- and
agent-visible results must be the same, and nothing may be written to a SQLite file
while PostgreSQL is configured. Concurrency is tested with real processes.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any, Dict

import pytest

from kefu import db
from kefu.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.scale

NOW = 1_764_000_000.25  # fixed clock: results compare exactly across engines


def handoff_scenario(db_path: Path) -> Dict[str, Any]:
    from kefu.tickets.store import ClaimConflict, TicketStore, TranscriptLine

    store = TicketStore(db_path)
    lines = [TranscriptLine("buyer", "质量太差了", NOW, "evt-1"), TranscriptLine("bot", "已为您转接人工客服", NOW + 1, "evt-2")]
    first, created = store.create(conversation_id="buyer-1", platform="pinduoduo", reason="complaint",
                                  priority=3, detail="开线", product_id="p1002", transcript=lines, now=NOW)
    # A threat on the same conversation: same ticket, raised priority (SQLite's scalar MIN).
    again, created_again = store.create(conversation_id="buyer-1", platform="pinduoduo", reason="threat",
                                        priority=1, transcript=lines + [TranscriptLine("buyer", "我要投诉", NOW + 2, "evt-3")],
                                        now=NOW + 2)
    second, _ = store.create(conversation_id="buyer-2", platform="jd", reason="request_human", priority=2, now=NOW + 3)
    store.claim(first.id, "agent-a", now=NOW + 4)
    conflict = None
    try:
        store.claim(first.id, "agent-b", now=NOW + 5)
    except ClaimConflict as exc:
        conflict = str(exc)
    store.add_agent_reply(first.id, "agent-a", "亲，给您补发一件", now=NOW + 6)
    closed = store.close(first.id, "agent-a", "resolved", now=NOW + 7)
    store.audit("close", agent="agent-a", ticket_id=first.id, detail="补发")
    return {
        "ids": [first.id, again.id, second.id],
        "created": [created, created_again],
        "priority": store.get(first.id).priority,
        "transcript": [(t.sender, t.text, t.ts, t.source_key, t.agent) for t in store.transcript(first.id)],
        "conflict": conflict,
        "closed": (closed.status, closed.outcome, closed.closed_at, closed.agent),
        "queue": [t.conversation_id for t in store.queue()],
        "active": store.active_for("buyer-1"),
        "audit": [(row["action"], row["agent"], row["ticket_id"], row["detail"]) for row in store.audit_log()],
    }


def tasks_agents_scenario(db_path: Path) -> Dict[str, Any]:
    from kefu.handoff.auth import AgentStore
    from kefu.handoff.chatlog import ChatLog
    from kefu.tasks.store import TaskStore

    tasks = TaskStore(db_path)
    one = tasks.create("restock_notice", conversation_id="b1", platform="taobao", summary="灰色M 到货通知",
                       product_id="p1002", details={"color": "灰色", "size": "M", "notify": True}, dedup_key="b1:p1002",
                       now=NOW)
    dup = tasks.create("restock_notice", conversation_id="b1", platform="taobao", summary="again",
                       dedup_key="b1:p1002", now=NOW + 1)
    tasks.create("invoice_request", conversation_id="b2", platform="jd", summary="专票 某公司", now=NOW + 2)
    done = tasks.done(one.id, "agent-a", now=NOW + 3)
    agents = AgentStore(db_path)
    agents.add("xiaomei", "correct horse battery")
    agents.add("xiaomei", "new password 2026", replace=True)
    login_old = agents.login("xiaomei", "correct horse battery")
    login = agents.login("xiaomei", "new password 2026")
    session = agents.session(login[0]) if login else None
    chat = ChatLog(db_path)
    ids = [chat.add("web-1", "bot", "亲，在的"), chat.add("web-1", "buyer", "有货吗"), chat.add("web-2", "bot", "x")]
    return {
        "dedup": dup.id == one.id,
        "done": (done.status, done.done_by, done.done_at),
        "open": [(t.kind, t.conversation_id, t.details) for t in tasks.list()],
        "all": [t.summary for t in tasks.list(status=None)],
        "details": tasks.get(one.id).details,
        "login_old": login_old,
        "agent": session.agent if session else None,
        "agents": [name for name, *_ in agents.names()],
        "chat": [(m["sender"], m["text"]) for m in chat.after("web-1", ids[0] - 1)],
        "chat_after_first": [m["text"] for m in chat.after("web-1", ids[0])],
    }


def shop_scenario(db_path: Path) -> Dict[str, Any]:
    from kefu.guard.enforce import audit_rows, guard_outgoing
    from kefu.shop.store import ShopStore, load_shop

    report = load_shop(PROJECT_ROOT / "shop", db_path)
    unchanged = load_shop(PROJECT_ROOT / "shop", db_path)
    shop = ShopStore(db_path)
    hoodie = shop.product("P1002")
    order_id = shop.order_ids()[0]
    order = shop.order(order_id)
    invoice = shop.record_invoice_request(conversation_id="b3", order_id=order_id, invoice_type="普通发票",
                                          title="个人", tax_number=None, email="a@example.com")
    settings = Settings.from_env()
    decision = guard_outgoing("亲，这款宝贝是全网最低价", platform="pinduoduo", conversation_id="b3",
                              source="test", settings=settings)
    rows = audit_rows(settings)
    return {
        "loaded": (report.loaded, unchanged.loaded, report.counts),
        "product": (hoodie.name, hoodie.price, hoodie.aliases),
        "skus": [(s.color, s.size, s.stock) for s in shop.skus(hoodie.id)],
        "found": shop.find_product("卫衣").id if shop.find_product("卫衣") else None,
        "order": (order.status, order.amount, order.quantity, order.courier, order.tracking_number),
        "invoice_id": invoice,
        "invoice_rows": [row["title"] for row in shop.invoice_requests()],
        "guard": (decision.text, [(r["verdict"], r["sent"], r["conversation_id"]) for r in rows]),
    }


def inbox_scenario(db_path: Path) -> Dict[str, Any]:
    """The inbox (issue 18): receive, de-duplication only once handled, a retry after a restart."""
    from kefu.inbox.store import Inbox

    inbox = Inbox(db_path)
    first = inbox.receive("rest", "m-1", conversation_id="c1", platform="jd", text="在吗", metadata={"a": 1})
    inbox.release("rest", "m-1")  # the process died before handling it
    restarted = Inbox(db_path)
    retry = restarted.receive("rest", "m-1", conversation_id="c1", platform="jd", text="在吗")
    restarted.finish("rest", "m-1", "answered", [{"text": "亲，在的"}])
    duplicate = Inbox(db_path).receive("rest", "m-1", conversation_id="c1", platform="jd", text="在吗")
    restarted.receive("webchat", "w-1", conversation_id="c2", platform="jd", text="有货吗")
    restarted.finish("webchat", "w-1", "waiting", detail="Rasa away")
    return {"statuses": (first.status, retry.status, duplicate.status), "replies": duplicate.replies,
            "waiting": [(r["message_id"], r["state"], r["text"]) for r in Inbox(db_path).unhandled("webchat")],
            "counts": Inbox(db_path).counts(), "attempts": Inbox(db_path).message("rest", "m-1")["attempts"]}


SCENARIOS = [handoff_scenario, tasks_agents_scenario, shop_scenario, inbox_scenario]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_stores_behave_the_same_on_postgres(scenario: Any, kefu_on_postgres: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    on_postgres = scenario(kefu_on_postgres)
    assert not kefu_on_postgres.exists(), "a SQLite file was written although KEFU_DATABASE_URL is set"
    sqlite_path = tmp_path / "reference" / "kefu.db"
    monkeypatch.delenv("KEFU_DATABASE_URL")
    monkeypatch.setenv("KEFU_DB_PATH", str(sqlite_path))
    on_sqlite = scenario(sqlite_path)
    assert sqlite_path.exists()
    assert on_postgres == on_sqlite


def test_handoff_facts_on_postgres(kefu_on_postgres: Path) -> None:
    result = handoff_scenario(kefu_on_postgres)
    assert result["created"] == [True, False]
    assert result["ids"][0] == result["ids"][1] != result["ids"][2]
    assert result["priority"] == 1
    # the repeated transcript lines were not added twice (INSERT OR IGNORE on source_key)
    assert [line[3] for line in result["transcript"]] == ["evt-1", "evt-2", "evt-3", f"agent:{NOW + 6:.6f}"]
    assert result["conflict"] and "agent-a" in result["conflict"]
    assert result["closed"] == ("closed", "resolved", NOW + 7, "agent-a")  # float timestamps kept exactly
    assert result["queue"] == ["buyer-2"] and result["active"] is None


def test_shop_facts_on_postgres(kefu_on_postgres: Path) -> None:
    result = shop_scenario(kefu_on_postgres)
    assert result["loaded"][0] is True and result["loaded"][1] is False
    assert result["product"][0] == "加绒连帽卫衣"
    assert ("黑色", "XL", 1) in result["skus"]
    assert result["invoice_rows"] == ["个人"]
    verdict, sent, conversation = result["guard"][1][0]
    assert conversation == "b3" and verdict != "pass" and "最低价" not in sent


def _create_task_in_process(args: tuple) -> int:
    url, db_path, index = args
    os.environ["KEFU_DATABASE_URL"] = url
    os.environ["KEFU_DB_PATH"] = db_path
    from kefu.tasks.store import TaskStore

    store = TaskStore(Path(db_path))
    task = store.create("callback", conversation_id="busy-buyer", platform="douyin",
                        summary=f"留言 {index}", dedup_key="busy-buyer:callback")
    return task.id


def test_concurrent_writers_in_processes_keep_dedup(kefu_on_postgres: Path, pg_url: str) -> None:
    """Eight processes ask for the same task at once: BEGIN IMMEDIATE's write lock -> one task."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(8) as pool:
        ids = pool.map(_create_task_in_process, [(pg_url, str(kefu_on_postgres), i) for i in range(16)])
    assert len(set(ids)) == 1
    from kefu.tasks.store import TaskStore

    assert len(TaskStore(kefu_on_postgres).list()) == 1


def test_bad_sql_and_bad_url_give_clear_errors(kefu_on_postgres: Path, pg_url: str) -> None:
    import sqlite3

    conn = db.connect(kefu_on_postgres)
    conn.executescript("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE)")
    conn.execute("INSERT INTO t (name) VALUES (?)", ("a",))
    # literals with % and ? are data, not placeholders
    assert conn.execute("SELECT ? || '%?' AS v", ("50",)).fetchone()["v"] == "50%?"
    with pytest.raises(sqlite3.IntegrityError, match="PostgreSQL"):
        conn.execute("INSERT INTO t (name) VALUES (?)", ("a",))
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("SELEC nonsense")
    # the connection is still usable after errors, and a failed transaction is rolled back
    with pytest.raises(sqlite3.IntegrityError):
        with db.transaction(conn):
            conn.execute("INSERT INTO t (name) VALUES (?)", ("b",))
            conn.execute("INSERT INTO t (name) VALUES (?)", ("a",))
    assert [r["name"] for r in conn.execute("SELECT name FROM t ORDER BY id")] == ["a"]
    wrong = pg_url.rsplit("@", 1)[0].rsplit(":", 1)[0] + ":not-the-password@" + pg_url.rsplit("@", 1)[1]
    with pytest.raises(sqlite3.OperationalError, match="PostgreSQL"):
        db.connect(wrong)


def test_connection_survives_a_postgres_restart(kefu_on_postgres: Path, postgres: Any) -> None:
    """PostgreSQL restarted under a running store: one statement fails, the next reconnects."""
    import sqlite3

    from kefu.tasks.store import TaskStore

    store = TaskStore(kefu_on_postgres)
    first = store.create("callback", conversation_id="r1", platform="jd", summary="before restart")
    postgres.stop()
    postgres.start()
    try:
        store.list()
    except sqlite3.Error:
        pass  # the statement that found the connection gone may fail; nothing was half-written
    second = store.create("callback", conversation_id="r2", platform="jd", summary="after restart")
    assert [t.id for t in store.list()] == [first.id, second.id]
