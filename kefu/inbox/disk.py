"""Free space on the state disk: health turns degraded before SQLite answers "database or disk is full".

SQLite can still write into free pages of an existing file on a full disk, so a
probe write alone says "ok" until the one write that needs a new page fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

# Below this, a buyer's message may not fit with its journal: report degraded.
MIN_FREE_BYTES = 2 * 1024 * 1024


def free_bytes(path: Union[str, Path]) -> Optional[int]:
    """Bytes an unprivileged writer may still use on the filesystem of ``path`` (None when unknown)."""
    try:
        stat = os.statvfs(str(path))
    except OSError:
        return None
    return stat.f_bavail * stat.f_frsize


def disk_problem(path: Union[str, Path], minimum: int = MIN_FREE_BYTES) -> Optional[str]:
    """Why the state disk cannot take writes, or None."""
    free = free_bytes(path)
    if free is not None and free < minimum:
        return f"state disk almost full ({free // 1024} KiB free at {path})"
    return None
