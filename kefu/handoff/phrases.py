"""快捷短语: the shop's quick-phrase library for agents (``shop/phrases.yml``).

Format (grouped; each phrase has a shortcode the agent types as ``/code``)::

    groups:
      问候:
        - {code: hi, title: 开场, text: 亲，您好，我是人工客服，请问有什么可以帮您？}
      物流:
        - {code: wl, title: 物流在途, text: 亲，您的订单{订单号}已经在路上了……}

Variables in braces are filled from the ticket: {商品名}, {订单号}, {店铺名}.

Besides the file, agents keep **personal** phrases and supervisors edit **team** phrases in the
page (:class:`PhraseStore`, SQLite); they obey the same rules and the same guard check on save.
Search order: the agent's own, then the team's (page, then file); an agent's own shortcode hides
a team phrase with the same code for that agent only.
Every phrase is checked by the guard for **every platform at load** (with sample
values in the variables), so a phrase that would break a platform's rules never
reaches the reply box; the reply is guarded again when it is sent (the agent may
have edited it, and real values replace the samples).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import yaml

from kefu.db import SQLiteStore
from kefu.settings import PLATFORMS
from kefu.guard import Guard

VARIABLES = ("商品名", "订单号", "店铺名")
# Values used for the load-time lint: realistic, rule-neutral.
SAMPLES = {"商品名": "加绒连帽卫衣", "订单号": "240501123456", "店铺名": "简衣小铺"}
_VARIABLE = re.compile(r"\{([^{}]{1,20})\}")
_CODE = re.compile(r"[a-z0-9_]{1,20}")
MAX_TEXT = 500


class PhraseError(ValueError):
    """A malformed or non-compliant phrase library (the message names the file, group and code)."""


SCOPE_LABELS = {"personal": "我的", "team": "团队"}


@dataclass(frozen=True)
class Phrase:
    group: str
    code: str
    title: str
    text: str
    scope: str = "team"
    id: Optional[int] = None  # set for phrases edited in the page (PhraseStore)

    def render(self, values: Mapping[str, Optional[str]]) -> str:
        """The text with variables filled; a variable without a value keeps its placeholder visible."""
        return _VARIABLE.sub(lambda m: values.get(m.group(1)) or m.group(0), self.text)

    def as_dict(self) -> Dict[str, Any]:
        return {"group": self.group, "code": self.code, "title": self.title, "text": self.text, "scope": self.scope,
                "scope_label": SCOPE_LABELS.get(self.scope, self.scope), "id": self.id}


class PhraseLibrary:
    """All phrases, in file order; search by shortcode, title or text."""

    def __init__(self, phrases: Sequence[Phrase]) -> None:
        self.phrases = tuple(phrases)
        self._by_code = {p.code: p for p in self.phrases}

    def get(self, code: str) -> Optional[Phrase]:
        return self._by_code.get(code)

    def search(self, query: str = "", limit: int = 20) -> List[Phrase]:
        """Shortcode prefix matches first, then titles/texts/groups containing the query."""
        query = (query or "").strip().lstrip("/").lower()
        if not query:
            return list(self.phrases[:limit])
        first = [p for p in self.phrases if p.code.startswith(query)]
        rest = [p for p in self.phrases if p not in first and
                (query in p.title.lower() or query in p.text.lower() or query in p.group.lower())]
        return (first + rest)[:limit]

    def groups(self) -> Dict[str, List[Phrase]]:
        out: Dict[str, List[Phrase]] = {}
        for phrase in self.phrases:
            out.setdefault(phrase.group, []).append(phrase)
        return out


def parse_phrases(data: Any, file: str = "shop/phrases.yml", lint: bool = True) -> PhraseLibrary:
    if not isinstance(data, dict) or set(data) != {"groups"} or not isinstance(data["groups"], dict):
        raise PhraseError(f"{file}: expected one key, groups: {{组名: [phrases]}}")
    phrases: List[Phrase] = []
    codes: Dict[str, str] = {}
    for group, entries in data["groups"].items():
        if not isinstance(group, str) or not group.strip() or not isinstance(entries, list) or not entries:
            raise PhraseError(f"{file}: group {group!r} must be a name with a non-empty list of phrases")
        for index, entry in enumerate(entries):
            where = f"{file}: groups.{group}[{index}]"
            if not isinstance(entry, dict) or set(entry) - {"code", "title", "text"} or "code" not in entry or "text" not in entry:
                raise PhraseError(f"{where}: a phrase has code, text and optionally title (nothing else)")
            code, text, title = entry["code"], entry["text"], entry.get("title", "")
            check_fields(code, text, title, where)
            if code in codes:
                raise PhraseError(f"{where}: code {code!r} is already used in group {codes[code]}")
            codes[code] = group
            phrases.append(Phrase(group.strip(), code, title.strip() or text.strip()[:12], text.strip()))
    library = PhraseLibrary(phrases)
    if lint:
        lint_phrases(library, file)
    return library


def check_fields(code: Any, text: Any, title: Any, where: str) -> None:
    """The format rules every phrase obeys, from the file or the page (PhraseError naming ``where``)."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise PhraseError(f"{where}: code must be 1-20 lower-case letters, digits or _")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise PhraseError(f"{where} ({code}): text must be 1-{MAX_TEXT} characters")
    if not isinstance(title, str) or len(title) > 40:
        raise PhraseError(f"{where} ({code}): title must be a short text")
    unknown = sorted(set(_VARIABLE.findall(text)) - set(VARIABLES))
    if unknown:
        raise PhraseError(f"{where} ({code}): unknown variable(s) {', '.join(unknown)}; use {', '.join(VARIABLES)}")


def lint_phrases(library: PhraseLibrary, file: str = "shop/phrases.yml") -> None:
    """Every phrase, with sample values, must pass the guard on every platform (else PhraseError)."""
    problems = []
    for phrase in library.phrases:
        text = phrase.render(SAMPLES)
        for platform in PLATFORMS:
            result = Guard.for_platform(platform).check(text)
            if result.verdict != "pass":
                terms = "、".join(sorted({v.term for v in result.violations}))
                problems.append(f"{phrase.group}/{phrase.code} on {platform}: {result.verdict} ({terms})")
    if problems:
        raise PhraseError(f"{file}: phrases that break platform rules: " + "; ".join(problems))


def load_phrases(path: Path, lint: bool = True) -> PhraseLibrary:
    """The library at ``path`` (an empty one when the file does not exist)."""
    if not path.exists():
        return PhraseLibrary(())
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PhraseError(f"{path}: not valid YAML ({exc})") from None
    return parse_phrases(data, str(path), lint=lint)


PHRASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_phrases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner       TEXT NOT NULL,          -- the agent, or '' for a team phrase
    grp         TEXT NOT NULL,
    code        TEXT NOT NULL,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  REAL NOT NULL,
    UNIQUE (owner, code)
);
"""


class PhraseStore(SQLiteStore):
    """Phrases edited in the page: each agent's personal ones and the team's (supervisors)."""

    SCHEMA = PHRASE_SCHEMA

    def _phrase(self, row: Any) -> Phrase:
        return Phrase(row["grp"], row["code"], row["title"], row["text"], "team" if not row["owner"] else "personal",
                      row["id"])

    def phrases(self, agent: str) -> List[Phrase]:
        rows = self.conn.execute("SELECT * FROM handoff_phrases WHERE owner IN (?, '') ORDER BY owner = '', grp, code",
                                 (agent,)).fetchall()
        return [self._phrase(row) for row in rows]

    def save(self, *, agent: str, scope: str, code: Any, text: Any, title: Any = "", group: Any = "") -> Phrase:
        """Create or replace (by shortcode) a personal or team phrase; PhraseError when it breaks a rule."""
        if scope not in SCOPE_LABELS:
            raise PhraseError("scope must be personal or team")
        title = title if isinstance(title, str) else ""
        group = (group if isinstance(group, str) else "").strip()[:20] or ("我的短语" if scope == "personal" else "团队短语")
        check_fields(code, text, title, "短语")
        phrase = Phrase(group, code, title.strip() or text.strip()[:12], text.strip(), scope)
        lint_phrases(PhraseLibrary([phrase]), "短语")
        owner = agent if scope == "personal" else ""
        self.conn.execute(
            "INSERT INTO handoff_phrases (owner, grp, code, title, text, updated_by, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(owner, code) DO UPDATE SET grp = excluded.grp,"
            " title = excluded.title, text = excluded.text, updated_by = excluded.updated_by,"
            " updated_at = excluded.updated_at",
            (owner, phrase.group, phrase.code, phrase.title, phrase.text, agent, time.time()))
        row = self.conn.execute("SELECT * FROM handoff_phrases WHERE owner = ? AND code = ?", (owner, code)).fetchone()
        return self._phrase(row)

    def delete(self, phrase_id: int, agent: str, supervisor: bool) -> Optional[Phrase]:
        """Remove one's own phrase, or (a supervisor) a team phrase; None when not allowed or absent."""
        row = self.conn.execute("SELECT * FROM handoff_phrases WHERE id = ?", (phrase_id,)).fetchone()
        if row is None or not (row["owner"] == agent or (row["owner"] == "" and supervisor)):
            return None
        self.conn.execute("DELETE FROM handoff_phrases WHERE id = ?", (phrase_id,))
        return self._phrase(row)


def combined(store: PhraseStore, library: PhraseLibrary, agent: str) -> PhraseLibrary:
    """What ``agent`` searches: own phrases, then the team's from the page, then the file's."""
    seen: Dict[str, Phrase] = {}
    for phrase in list(store.phrases(agent)) + list(library.phrases):
        seen.setdefault(phrase.code, phrase)
    return PhraseLibrary(list(seen.values()))
