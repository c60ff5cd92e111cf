"""Health that means "can do its job": a real write to the service's store, with a short timeout.

A process that answers HTTP but whose database is locked or read-only loses data
silently (issue 9 #5), so each service's ``/health`` writes one row
(``health_probe``) and reports 503 when that fails. The probe waits at most
:data:`PROBE_BUSY_MS` for a lock: health must answer quickly even when the store
cannot.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Optional, Union

PROBE_BUSY_MS = 1000


def probe_write(db_path: Union[str, Path], service: str) -> Optional[str]:
    """None when a row could be written and committed; else why not."""
    try:
        conn = sqlite3.connect(str(db_path), timeout=PROBE_BUSY_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        return f"cannot open {Path(db_path).name}: {exc}"
    try:
        conn.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
        conn.execute("CREATE TABLE IF NOT EXISTS health_probe (service TEXT PRIMARY KEY, ts REAL NOT NULL)")
        conn.execute("INSERT OR REPLACE INTO health_probe (service, ts) VALUES (?, ?)", (service, time.time()))
        return None
    except sqlite3.Error as exc:
        return f"cannot write {Path(db_path).name}: {exc}"
    finally:
        conn.close()
