"""kefu's platform compliance guard: no forbidden word leaves the shop.

Public API (everything else lives in private modules)::

    from kefu.guard import Guard
    result = Guard.for_platform("pinduoduo").check("亲，这款宝贝是全网最低价")
    result.verdict      # "pass" | "rewritten" | "blocked"
    result.violations   # (Violation(category, term, start, end, action, ...), ...)
    result.rewritten    # text with rewrites/masks applied, when nothing blocks

Rule packs live in ``rules/<platform>.yml`` (see ``docs/guard.md``). Sending
code calls :func:`kefu.guard.enforce.guard_outgoing`, which also logs and audits.

Exceptions (one tree; see ``_errors``)::

    GuardError
    ├── RulePackError         malformed/missing pack (names file and entry)
    ├── UnknownPlatformError  no pack for that platform
    └── GuardInputError       text that cannot be checked
"""

from kefu.guard._engine import BLOCKED, PASS, REWRITTEN, Guard, GuardResult, Violation
from kefu.guard._errors import GuardError, GuardInputError, RulePackError, UnknownPlatformError
from kefu.guard._normalize import Normalized, normalize
from kefu.guard._packs import CATEGORIES, Rule, load_ruleset

__all__ = [
    "Guard",
    "GuardResult",
    "Violation",
    "Rule",
    "CATEGORIES",
    "PASS",
    "REWRITTEN",
    "BLOCKED",
    "normalize",
    "Normalized",
    "load_ruleset",
    "GuardError",
    "RulePackError",
    "UnknownPlatformError",
    "GuardInputError",
]
