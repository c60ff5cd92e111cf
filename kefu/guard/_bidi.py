"""Bidirectional controls: text that is stored in one order and displayed in another.

``\\u202e321cba 信微我加`` is stored as shown here but displayed as 「加我微信 abc123」:
the right-to-left override (RLO) reverses everything up to the next pop (PDF) or the
end of the line. The guard checks what the buyer will *see* (:func:`visual`), and the
sending code removes the controls (:func:`strip`): no kefu channel needs them.
"""

from __future__ import annotations

import re
from typing import List, Tuple

# Embeddings, overrides, isolates, marks (LRM/RLM/ALM).
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_CONTROL = re.compile(f"[{CONTROLS}]")
RLO, PDF, LRO = "\u202e", "\u202c", "\u202d"
_STARTS = "\u202a\u202b\u202d\u202e\u2066\u2067\u2068"  # what a PDF/PDI closes
_LINE_END = "\n\r\u2029"


def has_controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


def strip(text: str) -> str:
    return _CONTROL.sub("", text)


def visual(text: str) -> Tuple[str, List[int]]:
    """The text in display order (controls as spaces, right-to-left overrides reversed) and, per
    displayed character, the index of the original character it shows."""
    order: List[int] = []
    stack: List[Tuple[bool, List[int]]] = [(False, order)]
    for index, ch in enumerate(text):
        if ch in _LINE_END:
            while len(stack) > 1:
                _close(stack)
            order.append(index)
        elif ch == RLO or ch in _STARTS:
            stack[-1][1].append(index)  # the control itself shows as a space
            stack.append((ch == RLO, []))
        elif ch in ("\u202c", "\u2069"):
            if len(stack) > 1:
                _close(stack)
            stack[-1][1].append(index)
        else:
            stack[-1][1].append(index)
    while len(stack) > 1:
        _close(stack)
    shown = "".join(" " if text[i] in CONTROLS else text[i] for i in order)
    return shown, order


def _close(stack: List[Tuple[bool, List[int]]]) -> None:
    reverse, run = stack.pop()
    stack[-1][1].extend(reversed(run) if reverse else run)
