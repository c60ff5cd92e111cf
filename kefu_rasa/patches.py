"""Patches applied to Rasa before it starts (``kefu_rasa.launch`` calls :func:`apply_all`).

Kept empty on purpose: performance patches land here (developer h11), one
function each, so what kefu changes in Rasa is listed in one place.
"""


def apply_all() -> None:
    """Apply every kefu patch to Rasa. Currently none: a documented no-op."""
