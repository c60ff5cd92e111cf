"""The guard's exceptions: one tree, so callers can catch ``GuardError`` alone.

::

    GuardError                      base of everything the guard raises on purpose
    ├── RulePackError (ValueError)  a rule pack is missing, unreadable or malformed;
    │                               the message names the file and the entry
    ├── UnknownPlatformError (ValueError)
    │                               a platform name no pack exists for
    └── GuardInputError (ValueError)
                                    text that cannot be checked (not a string, too long)
"""

from __future__ import annotations

from typing import Optional


class GuardError(Exception):
    """Base class of every error the compliance guard raises."""


class RulePackError(GuardError, ValueError):
    """A rule pack failed to load. ``path`` and ``entry`` say where."""

    def __init__(self, message: str, *, path: Optional[str] = None, entry: Optional[str] = None) -> None:
        where = ": ".join(part for part in (path, f"entry {entry}" if entry else None) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.entry = entry


class UnknownPlatformError(GuardError, ValueError):
    """No rule pack exists for the platform asked for."""


class GuardInputError(GuardError, ValueError):
    """The text handed to the guard cannot be checked."""
