"""Which processes `kefu up` owns: pid files in the state folder and a parent-death signal.

Two mechanisms, because each covers what the other cannot:

* **Parent-death signal.** Every service is started with ``prctl(PR_SET_PDEATHSIG,
  SIGTERM)`` (:func:`die_with_parent`, a ``preexec_fn``): when `kefu up` dies, even by
  SIGKILL, the kernel sends each service SIGTERM. Linux ties the signal to the *thread*
  that forked the child, so it is only set for services started from the main thread
  (`kefu up` starts and restarts everything there; a test's background supervisor
  thread would otherwise kill its children when it stops).
* **Pid files** (``<state_dir>/run/<name>.pid``: pid, the kernel's start time of that
  process, and its command line). A service that survived its supervisor (it was
  frozen by SIGSTOP, so it never acted on the SIGTERM, or it ignored it) still holds
  its port; the next `kefu up` finds it through its pid file and stops it
  (:func:`reclaim`) instead of refusing to start. The start time makes a recycled pid
  harmless: a process whose start time differs is not ours and is left alone. The
  supervisor's own pid file (``owner.pid``) stops a second `kefu up` on the same state
  folder while the first is alive.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

PR_SET_PDEATHSIG = 1
RUN_DIR_NAME = "run"
OWNER = "owner"
STOP_WAIT_S = 10.0


@dataclass(frozen=True)
class Owned:
    """One recorded process: enough to recognise it again, and nothing else."""

    name: str
    pid: int
    start_time: int
    command: str

    def alive(self) -> bool:
        """The same process is still running (same pid *and* same kernel start time), not a zombie."""
        return process_start_time(self.pid) == self.start_time and not _is_zombie(self.pid)


def run_dir(state_dir: Path) -> Path:
    return Path(state_dir) / RUN_DIR_NAME


def process_start_time(pid: int) -> Optional[int]:
    """Field 22 of ``/proc/<pid>/stat`` (clock ticks since boot), or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    try:
        return int(fields[19])  # field 22 overall; fields[0] is field 3 (state)
    except (IndexError, ValueError):
        return None


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie waiting for its parent)."""
    return process_start_time(pid) is not None and not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def record(state_dir: Path, name: str, pid: int, command: List[str]) -> None:
    """Write ``run/<name>.pid`` for ``pid`` (0600, atomically)."""
    start = process_start_time(pid)
    if start is None:
        return
    directory = run_dir(state_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{name}.pid"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"pid": pid, "start_time": start, "command": " ".join(command)}, handle)
    os.replace(tmp, path)


def forget(state_dir: Path, name: str) -> None:
    try:
        (run_dir(state_dir) / f"{name}.pid").unlink()
    except FileNotFoundError:
        pass


def recorded(state_dir: Path) -> List[Owned]:
    """Every readable pid file in ``run/`` (unreadable ones are removed: they identify nothing)."""
    found = []
    directory = run_dir(state_dir)
    for path in sorted(directory.glob("*.pid")) if directory.is_dir() else ():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(Owned(path.stem, int(data["pid"]), int(data["start_time"]), str(data.get("command", ""))))
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
    return found


def live_owner(state_dir: Path) -> Optional[Owned]:
    """The `kefu up` (or test stack) that owns this state folder, when it is still alive and not us."""
    for owned in recorded(state_dir):
        if owned.name == OWNER and owned.pid != os.getpid() and owned.alive():
            return owned
    return None


def reclaim(state_dir: Path, say: Callable[[str], None]) -> List[Owned]:
    """Stop every service an earlier, dead `kefu up` left running; returns those stopped.

    Each is signalled as a process group (services lead their own session): SIGTERM, then
    SIGCONT (a frozen process acts on nothing until it runs again), then SIGKILL after
    :data:`STOP_WAIT_S`. Pid files whose process is gone, or is another process now, are removed.
    """
    stopped = []
    for owned in recorded(state_dir):
        if owned.name == OWNER:
            if not owned.alive():
                forget(state_dir, OWNER)
            continue
        if owned.alive():
            say(f"{owned.name} (pid {owned.pid}) was left running by an earlier kefu up that is gone; stopping it")
            _stop_group(owned)
            stopped.append(owned)
        forget(state_dir, owned.name)
    return stopped


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _stop_group(owned: Owned) -> None:
    _signal_group(owned.pid, signal.SIGTERM)
    _signal_group(owned.pid, signal.SIGCONT)
    deadline = time.monotonic() + STOP_WAIT_S
    while time.monotonic() < deadline and owned.alive():
        time.sleep(0.1)
    if owned.alive():
        _signal_group(owned.pid, signal.SIGKILL)
        deadline = time.monotonic() + STOP_WAIT_S
        while time.monotonic() < deadline and owned.alive():
            time.sleep(0.1)


def die_with_parent() -> Optional[Callable[[], None]]:
    """A ``preexec_fn`` that makes the child get SIGTERM when its parent dies; None off the main thread
    (the signal follows the forking *thread*) or where ``prctl`` is not available."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: the signal will never come
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec
