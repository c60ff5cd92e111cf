"""Tasks: a promise made to a buyer becomes a row a person sees and completes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kefu.edge.ids import safe_conversation_id
from kefu.tasks import TaskError, TaskNotFound, TaskStore


@pytest.fixture()
def store(tmp_path):
    return TaskStore(tmp_path / "kefu.db")


def test_created_task_is_listed_until_done(store):
    task = store.create(
        "address_change", conversation_id="buyer-1", platform="jd", summary="改到 北京市朝阳区", order_id="2611"
    )
    assert [t.id for t in store.list()] == [task.id]
    assert store.list()[0].kind_label == "修改收货地址"
    done = store.done(task.id, "agent-a")
    assert done.status == "done" and done.done_by == "agent-a"
    assert store.list() == []
    assert [t.id for t in store.list(status=None)] == [task.id]
    # Completing twice keeps the first completion.
    assert store.done(task.id, "agent-b").done_by == "agent-a"


def test_dedup_key_returns_the_first_task(store):
    first = store.create("logistics_check", conversation_id="c", platform="taobao", summary="s", dedup_key="k1")
    again = store.create("logistics_check", conversation_id="c", platform="taobao", summary="s2", dedup_key="k1")
    assert again.id == first.id and len(store.list()) == 1


def test_filters_and_errors(store):
    store.create("invoice_request", conversation_id="a", platform="jd", summary="专票", details={"title": "某公司"})
    store.create("restock_notice", conversation_id="b", platform="jd", summary="灰色M")
    assert [t.conversation_id for t in store.list(kind="restock_notice")] == ["b"]
    assert store.list(conversation_id="a")[0].details == {"title": "某公司"}
    with pytest.raises(TaskError):
        store.create("make_coffee", conversation_id="a", platform="jd", summary="x")
    with pytest.raises(TaskError):
        store.create("callback", conversation_id="", platform="jd", summary="x")
    with pytest.raises(TaskNotFound):
        store.done(999, "a")


def test_kefu_tasks_command_lists_and_completes(tmp_path):
    db = tmp_path / "kefu.db"
    task = TaskStore(db).create("callback", conversation_id="c1", platform="douyin", summary="买家要求回电")
    env = {"KEFU_DB_PATH": str(db), "PATH": "/usr/bin:/bin"}
    listed = subprocess.run([sys.executable, "-m", "kefu", "tasks", "--json"], capture_output=True, text=True, env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout.splitlines()[0])["summary"] == "买家要求回电"
    done = subprocess.run(
        [sys.executable, "-m", "kefu", "tasks", "--done", str(task.id)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "已完成" in done.stdout
    missing = subprocess.run([sys.executable, "-m", "kefu", "tasks", "--done", "42"], capture_output=True, text=True, env=env)
    assert missing.returncode == 2 and "不存在" in missing.stderr


@pytest.mark.parametrize(
    "raw, safe",
    [("buyer-1", "buyer-1"), ("web:abc_1.2", "web:abc_1.2")],
)
def test_plain_ids_stay(raw, safe):
    assert safe_conversation_id(raw) == safe


@pytest.mark.parametrize("raw", ["张三", "a b", "x/y", "\ud800", "a" * 65, "b-deadbeef", "", "%E5%BC%A0"])
def test_other_ids_are_hashed_stably(raw):
    safe = safe_conversation_id(raw)
    assert safe.startswith("b-") and len(safe) == 34 and safe == safe_conversation_id(raw)
    assert safe.isascii()
