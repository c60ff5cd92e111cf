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

(The SQLite tracker store's pooled connection, once a patch of every ``SQLTrackerStore.__init__``
here, is kefu's own tracker store's behaviour now: kefu_rasa/tracker_store.py.)

A second: every event Rasa reads back from the tracker store is resolved to its class
by ``Event.resolve_by_type``, which walks the whole ``Event`` subclass tree (with an
``inspect.isabstract`` check per class) for each event: ~0.14 ms an event, 12% of a
turn, and it grows with the conversation (a 200-turn tracker has ~2,000 events).
``event-type-lookup`` answers from a dict built once in the same order (first match
wins, as before) and falls back to Rasa's own walk for anything not in it.

Only these methods are replaced; ``apply_all()`` is idempotent and refuses to patch anything
unless the installed Rasa is exactly :data:`RASA_VERSION` (the pin in constraints.txt) and every
function a patch replaces or re-implements still has the source it was written against
(:attr:`Patch.replaces`, a hash of ``inspect.getsource``): an upgrade, even a patch release, or a
locally edited Rasa makes kefu's start fail loudly, not silently (tests/test_rasa_patches.py).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Text, Tuple

# The one Rasa these patches were written and tested against (constraints.txt pins it).
RASA_VERSION = "3.6.21"
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


def patch_action_response_validation() -> None:
    from rasa.core.actions.action import RemoteAction

    ORIGINALS.setdefault("action", RemoteAction._validate_action_result)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]


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


@dataclass(frozen=True)
class Patch:
    """One patch: how to apply it, and the Rasa (or library) functions it replaces or re-implements,
    each as ``("module:Qualified.name", first 16 hex digits of sha256(inspect.getsource(function)))``
    at :data:`RASA_VERSION`."""

    apply: Callable[[], None]
    replaces: Tuple[Tuple[str, str], ...]


PATCHES: Dict[str, Patch] = {
    "action-response-validator": Patch(patch_action_response_validation, (
        ("rasa.core.actions.action:RemoteAction._validate_action_result", "f8cdb4be68123961"),
        ("jsonschema:validate", "dc1e7e6a0aee8a4e"),  # whose steps _validate repeats
    )),
    "event-type-lookup": Patch(patch_event_type_lookup, (
        ("rasa.shared.core.events:Event.resolve_by_type", "b5cf570fa7f286c7"),
    )),
}


def source_hash(target: str) -> str:
    """The hash :attr:`Patch.replaces` records, of the installed function ``module:Qualified.name``."""
    module_name, _, qualname = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = obj.__dict__[part] if isinstance(obj, type) else getattr(obj, part)
    function = getattr(obj, "__func__", obj)  # a staticmethod from a class __dict__
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def check(name: str, patch: Patch) -> None:
    """Refuse ``patch`` unless Rasa is :data:`RASA_VERSION` and each function it replaces is unchanged."""
    import rasa

    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(
            f"kefu_rasa.patches: patch {name!r} was written for Rasa {RASA_VERSION}, found {rasa.__version__}: "
            f"re-check {', '.join(target for target, _ in patch.replaces)} and update RASA_VERSION and the hashes")
    for target, expected in patch.replaces:
        found = source_hash(target)
        if found != expected:
            raise RuntimeError(f"kefu_rasa.patches: patch {name!r}: {target} is not the code it was written for "
                               f"(source hash {found}, expected {expected}): re-check the patch before updating it")


def apply_all() -> None:
    """Apply every patch once (called by ``kefu_rasa.launch`` before Rasa starts); all are checked first,
    so either every patch is applied or none."""
    for name, patch in PATCHES.items():
        if name not in _APPLIED:  # (an applied one was checked before it replaced Rasa's function)
            check(name, patch)
    for name, patch in PATCHES.items():
        if name not in _APPLIED:
            patch.apply()
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
    _APPLIED.clear()
