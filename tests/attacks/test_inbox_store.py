"""The inbox against a real storage fault: a full disk (a small tmpfs, mounted as root).

What is asserted is what matters to a buyer: a message accepted during the fault is still
there when the fault ends, processed once, and a retry of a message never handled is
processed, not refused as a duplicate.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from kefu.inbox.memory import Retrier
from kefu.inbox.store import Inbox
from tests.faults import fill_until_full, wait_until



def new_inbox(path: Path) -> Inbox:
    return Inbox(path / "kefu.db", state_dir=path, retrier=Retrier("test-inbox", retry_s=0.2))


def receive(inbox: Inbox, message_id: str, text: str = "在吗"):
    return inbox.receive("rest", message_id, conversation_id="c1", platform="jd", text=text, metadata={})


def test_a_message_is_a_duplicate_only_once_handled(tmp_path: Path) -> None:
    inbox = new_inbox(tmp_path)
    assert receive(inbox, "m1").status == "new"
    assert receive(inbox, "m1").status == "in_flight"  # the first copy is being answered right now
    inbox.release("rest", "m1")  # its process died before handling it (as a restart forgets)
    restarted = new_inbox(tmp_path)
    assert receive(restarted, "m1").status == "retry"  # a retry of an unhandled message is processed
    restarted.finish("rest", "m1", "answered", [{"text": "亲，在的"}])
    again = receive(new_inbox(tmp_path), "m1")
    assert again.status == "handled" and again.replies == [{"text": "亲，在的"}]
    assert restarted.message("rest", "m1")["attempts"] == 2


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs: a disk that really fills up (root only; else skipped)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_on_a_full_disk_messages_wait_in_memory_and_land_when_space_returns(small_disk: Path) -> None:
    inbox = new_inbox(small_disk)
    assert receive(inbox, "before").status == "new"
    inbox.finish("rest", "before", "answered")
    filler = fill_until_full(small_disk)
    texts = [f"消息{i}" * 40 for i in range(30)]  # enough to need new database pages
    receipts = [receive(inbox, f"full-{i}", text) for i, text in enumerate(texts)]
    assert all(r.status == "new" for r in receipts)
    assert not all(r.stored for r in receipts), "the disk took everything: it was not full"
    assert inbox.degraded and "almost full" in inbox.degraded
    for i in range(30):
        inbox.finish("rest", f"full-{i}", "answered", [{"text": "好的"}])
    # a retry during the fault is still recognised (from memory)
    assert receive(inbox, "full-3").status == "handled"
    filler.unlink()
    assert wait_until(lambda: inbox.degraded is None, 20), inbox.degraded
    fresh = new_inbox(small_disk)  # what a restarted process reads: the database alone
    rows = {f"full-{i}": fresh.message("rest", f"full-{i}") for i in range(30)}
    assert all(row is not None and row["state"] == "answered" for row in rows.values()), \
        [k for k, r in rows.items() if r is None or r["state"] != "answered"]
    print(f"\nfull disk: 30 received, {sum(not r.stored for r in receipts)} kept in memory, "
          f"30 in the database after space returned")
