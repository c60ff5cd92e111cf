"""Enforcement: the one function every outgoing message passes through.

``guard_outgoing`` is called by the guarded action dispatcher (``actions/base.py``)
and by the output channels (``kefu.edge.outgoing``); the console checks agents' replies with
:func:`check_agent_reply`, which goes through it too (source ``agent:<name>``). It never lets unchecked text out:
a blocked message is replaced by the safe reply from ``replies.yml``; a
rewritten one is sent rewritten. Every blocked or rewritten message is logged
(logger ``kefu.guard``) and recorded in the ``guard_audit`` table of the SQLite
database, with the original text, its violations, the conversation and source.

Privacy: the original kept in the log and the audit is *redacted*: every
personal-data span (a buyer's mobile, ID-card or bank-card number) is masked
exactly as the guard masks it in outgoing text (138****5678), everything else is
verbatim, and a personal-data violation's ``matched`` is the masked form. When
the guard itself fails, the personal-data detectors still run for the redaction.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

import yaml

from kefu.guard import _bidi, _contact, _pii
from kefu.guard._engine import BLOCKED, PASS, Guard, GuardResult
from kefu.guard._errors import GuardError
from kefu.guard._normalize import fold
from kefu.guard._packs import DETECTORS, PII_DETECTORS
from kefu.settings import Settings
from kefu.texts import load_texts
from kefu import db

logger = logging.getLogger("kefu.guard")
PERSONAL_DATA = "personal_data"
OWN_NUMBER = "own_number"  # a number an agent gives as their own: masked in logs like personal data
REPLIES_PATH = Path(__file__).with_name("replies.yml")

AUDIT_SCHEMA = """
CREATE TABLE IF NOT EXISTS guard_audit (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      REAL NOT NULL,
    conversation_id TEXT NOT NULL,
    source          TEXT NOT NULL,
    platform        TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    original        TEXT NOT NULL,
    sent            TEXT NOT NULL,
    violations      TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class OutgoingDecision:
    """What to send (``text``) and why (``result``)."""

    text: str
    result: GuardResult


@lru_cache(maxsize=1)
def safe_reply() -> str:
    """The generic answer sent in place of a blocked message (from replies.yml)."""
    text = load_texts(REPLIES_PATH, flat=False).get("blocked")
    if not isinstance(text, str) or not text.strip():
        raise GuardError(f"{REPLIES_PATH}: 'blocked' reply missing")
    return text.strip()


LINKS_FILE = "links.yml"
_HOST_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def allowed_link_hosts(settings: Settings) -> FrozenSet[str]:
    """The shop's link allow-list (``shop/links.yml`` ``allowed_hosts``), re-read when the file changes.
    A malformed file raises :class:`GuardError` naming it: an allow-list is never guessed."""
    path = settings.shop_dir / LINKS_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return frozenset()
    return _read_link_hosts(str(path), stamp)


@lru_cache(maxsize=8)
def _read_link_hosts(path: str, _stamp: int) -> FrozenSet[str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - {"allowed_hosts"}:
        raise GuardError(f"{path}: only 'allowed_hosts: [host, ...]' is allowed")
    hosts = data.get("allowed_hosts") or []
    if not isinstance(hosts, list):
        raise GuardError(f"{path}: 'allowed_hosts' must be a list of host names")
    cleaned = set()
    for host in hosts:
        name = str(host).strip().lower().rstrip(".") if isinstance(host, str) else ""
        if not _HOST_NAME.match(name):
            raise GuardError(f"{path}: {host!r} is not a host name (like shop.example.com)")
        cleaned.add(name)
    return frozenset(cleaned)


def guard_outgoing(
    text: str,
    *,
    platform: str,
    conversation_id: str,
    source: str,
    settings: Optional[Settings] = None,
    refuse_blocked: bool = False,
) -> OutgoingDecision:
    """Check ``text`` for ``platform``; return what may be sent. Logs and audits anything changed.

    ``source`` says who wrote it (an action's name, ``agent:<name>``).
    ``refuse_blocked``: a blocked text is refused (``text`` is empty, the audit row says
    nothing was sent) instead of replaced by the safe reply: a person, unlike the bot, is
    asked to rewrite it. Bidirectional controls never leave: the guard reads the text as it
    would be displayed, and what is sent has them removed."""
    settings = settings or Settings.from_env()
    text = "" if text is None else str(text)
    try:
        result = Guard.for_platform(platform, settings.rules_dir).check(text, allowed_link_hosts(settings))
    except GuardError as exc:
        # Fail closed: when the guard cannot check, nothing unchecked leaves the shop.
        logger.error("guard failed for %s/%s (%s); sending the safe reply instead", conversation_id, source, exc)
        result = GuardResult(text, str(platform), BLOCKED, ())
        decision = OutgoingDecision("" if refuse_blocked else safe_reply(), result)
        _audit(decision, conversation_id, source, settings, error=str(exc))
        return decision
    if result.verdict == PASS:
        return OutgoingDecision(_bidi.strip(text), result)
    if result.rewritten is not None:
        sent = _bidi.strip(result.rewritten)
    else:
        sent = "" if refuse_blocked else safe_reply()
    decision = OutgoingDecision(sent, result)
    logger.warning(
        "guard %s message for conversation %s from %s on %s: %r -> %r; violations: %s",
        result.verdict, conversation_id, source, result.platform, redacted_original(result), sent,
        json.dumps(_violation_records(result), ensure_ascii=False),
    )
    _audit(decision, conversation_id, source, settings)
    return decision


AGENT_SOURCE = "agent:"


# An agent's reply is read together with that agent's last few replies in the conversation:
# 「亲，我们这边可以加一下」「微」「信 abc123」 pass one by one and say 加微信 together.
HISTORY_REPLIES = 3
HISTORY_JOIN = "\n"


def check_agent_reply(text: str, *, platform: str, conversation_id: str, agent: str,
                      settings: Optional[Settings] = None, previous: Sequence[str] = ()) -> Dict[str, Any]:
    """The console's check of an agent's reply, audited in the same table as the bot's messages.

    Same JSON-ready keys as the console's preview check (``platform``, ``text``, ``verdict``,
    ``rewritten``, ``violations``) plus ``sent``: the rewritten text, or ``""`` when blocked
    (the agent must rewrite it; nothing is sent). A blocked or rewritten reply is audited with
    ``source="agent:<name>"``, the conversation id and the redacted original.

    ``previous``: the same agent's earlier replies in this conversation, oldest first; the last
    :data:`HISTORY_REPLIES` are checked together with ``text``, and a violation that reaches into
    ``text`` blocks it (``across_messages`` is then true; the violations are those of the joined text).
    """
    settings = settings or Settings.from_env()
    decision = guard_outgoing(text, platform=platform, conversation_id=conversation_id,
                              source=f"{AGENT_SOURCE}{agent}", settings=settings, refuse_blocked=True)
    result = decision.result
    check = {
        "platform": result.platform,
        "text": text,
        "verdict": result.verdict,
        "rewritten": result.rewritten,
        "sent": decision.text,
        "violations": [v.as_dict() for v in result.violations],
        "across_messages": False,
    }
    history = [str(p) for p in previous if p][-HISTORY_REPLIES:]
    if result.verdict == BLOCKED or not history:
        return check
    joined = _across_messages(history, text, platform, settings)
    if joined is None:
        return check
    _audit(OutgoingDecision("", joined), conversation_id, f"{AGENT_SOURCE}{agent}", settings)
    logger.warning("guard blocked a reply of agent %s in %s read with their previous %d: %s", agent,
                   conversation_id, len(history), json.dumps(_violation_records(joined), ensure_ascii=False))
    return {**check, "verdict": BLOCKED, "rewritten": None, "sent": "", "across_messages": True,
            "joined": joined.text, "violations": [v.as_dict() for v in joined.violations]}


def _across_messages(history: Sequence[str], text: str, platform: str, settings: Settings) -> Optional[GuardResult]:
    """The joined check when a blocking violation of it reaches into ``text`` (None otherwise)."""
    prefix = HISTORY_JOIN.join(history) + HISTORY_JOIN
    try:
        joined = Guard.for_platform(platform, settings.rules_dir).check(prefix + text, allowed_link_hosts(settings))
    except GuardError:
        return None  # the single check above already failed closed if the guard is broken
    if any(v.action == "block" and v.end > len(prefix) for v in joined.violations):
        return joined
    return None


def _personal_spans(result: GuardResult) -> List[Tuple[int, int, str]]:
    """(start, end, mask) of every personal-data span in the original, as the guard masks it.
    Without a verdict to go by (the guard failed: no violations), the detectors run directly."""
    spans = [(v.start, v.end, v.replacement or "") for v in result.violations if v.category == PERSONAL_DATA]
    spans += [(v.start, v.end, _contact.mask_number(v.matched)) for v in result.violations if v.term == OWN_NUMBER]
    if not result.violations and result.text:
        spans = [(start, end, mask) for _, start, end, mask
                 in _pii.detect(result.text, fold(result.text), frozenset(PII_DETECTORS))]
    return sorted(spans)


def mask_spans(text: str, spans: Sequence[Tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, mask) span replaced by its mask; overlapping spans keep the first."""
    parts: List[str] = []
    position = 0
    for start, end, mask in spans:
        if start < position:  # overlapping spans: the first one already covers it
            continue
        parts += [text[position:start], mask]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def pii_spans(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, mask) of every phone, ID-card and bank-card number the guard's detectors find in ``text``."""
    return sorted((start, end, mask) for _, start, end, mask in _pii.detect(text, fold(text), frozenset(DETECTORS)))


def redacted_original(result: GuardResult) -> str:
    """The checked text with personal data masked (138****5678) and everything else verbatim:
    what the log and the audit keep, so they show what was changed and why, not a buyer's number."""
    return mask_spans(result.text, _personal_spans(result))


def _violation_records(result: GuardResult) -> List[Dict[str, object]]:
    """Violations as logged and audited; a personal-data violation's ``matched`` is its masked form."""
    spans = _personal_spans(result)
    return [v.as_dict() | {"matched": v.replacement if v.category == PERSONAL_DATA else mask_spans(
        v.matched, [(s - v.start, e - v.start, m) for s, e, m in spans if v.start <= s and e <= v.end])}
            for v in result.violations]


def _audit(decision: OutgoingDecision, conversation_id: str, source: str, settings: Settings,
           error: Optional[str] = None) -> None:
    result = decision.result
    violations: List[Dict[str, object]] = _violation_records(result)
    if error:
        violations.append({"error": error})
    try:
        conn = db.connect(settings.db_path)
        try:
            conn.execute(AUDIT_SCHEMA)
            conn.execute(
                "INSERT INTO guard_audit (created_at, conversation_id, source, platform, verdict, original, sent,"
                " violations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), str(conversation_id), str(source), result.platform, result.verdict,
                 redacted_original(result), decision.text, json.dumps(violations, ensure_ascii=False)),
            )
        finally:
            conn.close()
    except Exception:  # the message is still guarded; the failure to record it is logged loudly
        logger.exception("could not write guard_audit row for conversation %s", conversation_id)


def audit_rows(settings: Optional[Settings] = None, limit: int = 100) -> list:
    """The latest audit rows, newest first (for the console and tests)."""
    settings = settings or Settings.from_env()
    conn = db.connect(settings.db_path)
    try:
        conn.execute(AUDIT_SCHEMA)
        return [dict(row) for row in conn.execute(
            "SELECT * FROM guard_audit ORDER BY id DESC LIMIT ?", (int(limit),))]
    finally:
        conn.close()
