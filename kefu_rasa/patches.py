"""Small, documented speed adjustments to Rasa 3.6, applied when kefu starts Rasa.

Rasa 3.6 validates every action-server response (``RemoteAction._validate_action_result``)
with ``jsonschema.validate(instance, schema)``. That call first checks the *schema*
against the JSON-Schema meta-schema, then builds a validator, on every call: ~14 ms
per action call for Rasa's large events schema, half of one kefu turn's CPU (issue 11).

The patch below builds the validator once (``validator_for(schema)(schema)``, the
schema checked once with ``check_schema``) and then does exactly what
``jsonschema.validate`` does with it: ``best_match(validator.iter_errors(instance))``
and raise that error. Error types, messages and the text Rasa appends are Rasa's own,
so an invalid response is rejected exactly as before (tests/test_rasa_patches.py
compares patched and original on valid and invalid responses). (kefu has no NLG
endpoint, so Rasa's NLG-response validation never runs and is not patched.)

A second, measured patch: Rasa's SQLite tracker store (kefu's embedded default,
``.kefu/conversations.db``) runs in SQLite's default rollback-journal mode with full
sync and a new connection per save/retrieve, so each tracker save waits for several
fsyncs (~10-20 ms on this machine's shared disk, 2 saves per turn). ``sqlite-tracker-wal``
keeps one pooled connection with ``synchronous=NORMAL`` (fewer fsyncs per commit; a crash
of Rasa loses nothing committed, a power cut may lose the last turns). It measured faster
still with WAL journaling, which was dropped: a read-only WAL database killed Rasa with
SIGBUS (see ``_sqlite_wal``).
PostgreSQL tracker stores are untouched.

A third: every event Rasa reads back from the tracker store is resolved to its class
by ``Event.resolve_by_type``, which walks the whole ``Event`` subclass tree (with an
``inspect.isabstract`` check per class) for each event: ~0.14 ms an event, 12% of a
turn, and it grows with the conversation (a 200-turn tracker has ~2,000 events).
``event-type-lookup`` answers from a dict built once in the same order (first match
wins, as before) and falls back to Rasa's own walk for anything not in it.

Only these methods are replaced; ``apply_all()`` is idempotent and checks the Rasa
version it was written for, so an upgrade makes it fail loudly, not silently.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List, Text

RASA_VERSION_PREFIX = "3.6."
_APPLIED: List[str] = []
# The unpatched methods, kept for the equivalence tests and for revert().
ORIGINALS: Dict[str, Callable[..., Any]] = {}


@functools.lru_cache(maxsize=None)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate(validator: Any, instance: Any) -> None:
    """What ``jsonschema.validate`` does after building its validator."""
    from jsonschema.exceptions import best_match

    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a validator built once."""
    from jsonschema import ValidationError
    from rasa.core.actions.action import DOCS_BASE_URL

    try:
        _validate(_action_response_validator(), result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def _check_rasa_version() -> None:
    import rasa

    if not rasa.__version__.startswith(RASA_VERSION_PREFIX):
        raise RuntimeError(
            f"kefu_rasa.patches was written for Rasa {RASA_VERSION_PREFIX}x, found {rasa.__version__}: "
            "re-check rasa/core/actions/action.py, rasa/core/tracker_store.py and rasa/shared/core/events.py before re-enabling it"
        )


def patch_action_response_validation() -> None:
    from rasa.core.actions.action import RemoteAction

    ORIGINALS.setdefault("action", RemoteAction._validate_action_result)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """Rollback journal (not WAL) with ``synchronous=NORMAL``. WAL was measured faster, but a WAL
    database shares a memory-mapped ``-shm`` file with every reader: when conversations.db became
    read-only (the fault suite, tests/live/test_faults_live.py) Rasa and the web app's sync died of
    SIGBUS. A journal file has no mapping: the store refuses the write and kefu's tracker store keeps
    the turn (kefu_rasa/tracker_store.py)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = DELETE")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def patch_sqlite_tracker_store() -> None:
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    original = ORIGINALS.setdefault("sql_tracker_init", SQLTrackerStore.__init__)

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            return
        # SQLAlchemy 1.4 gives file SQLite a NullPool: every save/retrieve opens and closes a
        # connection, and closing the last one checkpoints and deletes the WAL (fsyncs). One
        # pooled connection (Rasa's event loop is one thread) keeps it open.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4,
                                       connect_args={"check_same_thread": False})
        sa.event.listen(self.engine, "connect", _sqlite_wal)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    SQLTrackerStore.__init__ = __init__  # type: ignore[method-assign]


@functools.lru_cache(maxsize=None)
def _events_by_type() -> Dict[str, Any]:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    table: Dict[str, Any] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the walk's first match wins, as in Rasa
    return table


def _resolve_by_type(type_name: Text, default: Any = None) -> Any:
    """``Event.resolve_by_type`` from a table; unknown names go to Rasa's own walk."""
    cls = _events_by_type().get(type_name)
    if cls is not None:
        return cls
    return ORIGINALS["resolve_by_type"](type_name, default)


def patch_event_type_lookup() -> None:
    from rasa.shared.core.events import Event

    ORIGINALS.setdefault("resolve_by_type", Event.resolve_by_type)
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[assignment]


PATCHES: Dict[str, Callable[[], None]] = {
    "action-response-validator": patch_action_response_validation,
    "sqlite-tracker-wal": patch_sqlite_tracker_store,
    "event-type-lookup": patch_event_type_lookup,
}


def apply_all() -> None:
    """Apply every patch once (called by ``kefu_rasa.launch`` before Rasa starts)."""
    _check_rasa_version()
    for name, patch in PATCHES.items():
        if name not in _APPLIED:
            patch()
            _APPLIED.append(name)


def applied() -> List[str]:
    """Names of the patches in force in this process (logged at start-up)."""
    return list(_APPLIED)


def revert_all() -> None:
    """Put Rasa's original methods back (tests use it to compare both)."""
    from rasa.core.actions.action import RemoteAction

    if "action" in ORIGINALS:
        RemoteAction._validate_action_result = ORIGINALS["action"]  # type: ignore[assignment]
    if "resolve_by_type" in ORIGINALS:
        from rasa.shared.core.events import Event

        Event.resolve_by_type = staticmethod(ORIGINALS["resolve_by_type"])  # type: ignore[assignment]
    if "sql_tracker_init" in ORIGINALS:
        from rasa.core.tracker_store import SQLTrackerStore

        SQLTrackerStore.__init__ = ORIGINALS["sql_tracker_init"]  # type: ignore[method-assign]
    _APPLIED.clear()
