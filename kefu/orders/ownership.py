"""Whether a buyer has proven that an order is theirs: one candidate, limited attempts, audited.

The one home of the ownership proof (issue 18 #2). A buyer proves an order with the
receiver's name or the last four digits of the receiver's phone, and:

* **a proof is one candidate.** :func:`judge` reads every tail (a standalone four-digit
  group, the last four of an 11-digit mobile) and every name-like group of the message;
  a message with several tails or several names proves nothing, whatever it contains
  (290 four-digit groups, or a list of 21 common names, are a guess, not a proof);
* **attempts are limited** per order across all senders and per sender across all
  orders (:class:`ProofAttempts`, default 5 failures a day each): after that no proof
  is accepted for the day, a person checks (the dialogue opens an ``identity_check``
  task) and every refused attempt is audited with outcome ``locked``; the console lists
  them (``/api/proof-attempts``);
* an unknown order and a wrong proof get the same answer (kefu.dialogue), so a caller
  cannot tell whether an order number exists.

Names are read without a dictionary of all names: a name-like group is 2–4 CJK
characters beginning with a common surname and holding none of the function words of
a question (的, 吗, 快递 …). The receiver's own name counts wherever it appears.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set

from kefu import normalize
from kefu.db import SQLiteStore, transaction

PROVED, FAILED, NONE, LOCKED = "proved", "failed", "none", "locked"
# Failures a day before a person must check (per order, and per sender).
MAX_FAILURES_PER_DAY = 5
WINDOW_S = 24 * 3600

_TAIL = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9]|\s*(?:年|元|块|米|cm|mm|kg|斤|码|件))")
# What separates one candidate from the next in a message.
_SEPARATORS = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff]+|和|跟|与|或者|或|还是|、")
# The hundred most common surnames (about 85 % of the population).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = frozenset(("欧阳", "司马", "诸葛", "上官", "东方", "慕容"))
# Characters of questions and filler, rarely in a name: a group holding one is not a name.
_FUNCTION_CHARS = frozenset(
    "的了吗呢吧啊呀哦么嘛哪什怎谁是在有没不要想能会我你您他她它们这那到发货快递物流订单号码退换改查问请帮下个"
    "色件款天元块尺寸收寄送地址电话手机尾位后姓名叫就还也都很太多少几时候给让把被从对"
)
_FILLER = ("收件人姓名", "收货人姓名", "收件人", "收货人", "姓名", "名字", "本人", "我叫", "我是", "叫", "是", "为")
_NOT_NAMES = frozenset(("谢谢", "你好", "您好", "麻烦", "好的", "可以", "尽快", "马上", "在吗", "亲亲", "老板",
                        "客服", "高兴", "方便", "江湖", "金额", "石头", "白天", "龙头", "万一"))


@dataclass(frozen=True)
class Judgement:
    """What one message offers as proof: the outcome and how many candidates it held."""

    outcome: str
    candidates: int


def _tails(text: str) -> Set[str]:
    tails = {m.group(1) for m in _TAIL.finditer(text)}
    tails |= {m.group(0)[-4:] for m in normalize.MOBILE_NUMBER.finditer(text)}
    return tails


def _name_like(group: str) -> bool:
    if not 2 <= len(group) <= 4 or group in _NOT_NAMES:
        return False
    if group[0] not in SURNAMES and group[:2] not in COMPOUND_SURNAMES:
        return False
    return not any(ch in _FUNCTION_CHARS for ch in group[1:])


def _strip_filler(group: str) -> str:
    changed = True
    while changed and group:
        changed = False
        for word in _FILLER:
            if group.startswith(word):
                group, changed = group[len(word):], True
            if group.endswith(word) and len(group) > len(word):
                group, changed = group[: -len(word)], True
    return group


def _groups(text: str) -> List[str]:
    return [g for g in (_strip_filler(part) for part in _SEPARATORS.split(text)) if g]


def _other_names(text: str, receiver: str) -> int:
    """Name-like groups other than the receiver's name (a list of names is many candidates)."""
    others: Set[str] = set()
    for group in _groups(text):
        if receiver and receiver in group:
            for rest in group.split(receiver):
                rest = _strip_filler(rest.strip("的"))
                # What is glued to the receiver's name: another name (「张伟李强」), not a question.
                if len(rest) >= 2 and not any(ch in _FUNCTION_CHARS for ch in rest):
                    others.add(rest)
            continue
        if _name_like(group):
            others.add(group)
    return len(others)


_PROOF_CUE = re.compile(r"收件人|收货人|姓名|名字|叫|尾号|后四位|后4位|手机")


def offers_proof(text: str) -> bool:
    """Whether a message that also asks something offers a proof: a phone tail, or a name said to be one
    (「收件人徐静 尾号8054 啥时候发」); a bare question never counts as an attempt."""
    text = unicodedata.normalize("NFKC", text or "")
    return bool(_tails(text)) or (bool(_PROOF_CUE.search(text)) and judge(text, None, None).candidates > 0)


def judge(text: str, receiver_name: Optional[str], receiver_phone: Optional[str]) -> Judgement:
    """``proved`` when the message holds exactly one name and/or one tail and every one given is right;
    ``failed`` when it offers any candidate otherwise; ``none`` when it offers nothing.

    With no receiver (an order that does not exist) every offer fails, as a wrong proof does."""
    text = unicodedata.normalize("NFKC", text or "")
    name = (receiver_name or "").strip()
    name = name if len(name) >= 2 else ""
    digits = re.sub(r"[^0-9]", "", receiver_phone or "")
    tail = digits[-4:] if len(digits) >= 4 else None
    tails = _tails(text)
    names = _other_names(text, name)
    named = bool(name) and name in text
    candidates = len(tails) + names + (1 if named else 0)
    if candidates == 0:
        return Judgement(NONE, 0)
    right_tail = tail is not None and tails == {tail}
    if names == 0 and len(tails) <= 1 and (named or right_tail) and (not tails or right_tail):
        return Judgement(PROVED, candidates)
    return Judgement(FAILED, candidates)


# -- attempts ------------------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS proof_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              REAL NOT NULL,
    order_id        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    candidates      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS proof_attempts_order ON proof_attempts (order_id, at);
CREATE INDEX IF NOT EXISTS proof_attempts_conversation ON proof_attempts (conversation_id, at);
"""


class ProofAttempts(SQLiteStore):
    """Every proof attempt, in kefu.db: the limit's memory and the console's audit of lock-outs."""

    SCHEMA = SCHEMA

    def __init__(self, db_path: Any, *, max_failures: int = MAX_FAILURES_PER_DAY, window_s: float = WINDOW_S) -> None:
        super().__init__(db_path)
        self.max_failures = max_failures
        self.window_s = window_s

    def locked(self, order_id: str, conversation_id: str, now: Optional[float] = None) -> bool:
        """True when this order, or this sender, failed ``max_failures`` times within the window."""
        since = (time.time() if now is None else now) - self.window_s
        for column, value in (("order_id", order_id), ("conversation_id", conversation_id)):
            row = self.conn.execute(
                f"SELECT COUNT(*) AS n FROM proof_attempts WHERE {column} = ? AND at >= ? AND outcome = ?",
                (value, since, FAILED)).fetchone()
            if int(row["n"]) >= self.max_failures:
                return True
        return False

    def first_lock(self, order_id: str, now: Optional[float] = None) -> bool:
        """True when no attempt on this order was refused yet within the window (a person is told once)."""
        since = (time.time() if now is None else now) - self.window_s
        row = self.conn.execute("SELECT COUNT(*) AS n FROM proof_attempts WHERE order_id = ? AND at >= ? AND outcome = ?",
                                (order_id, since, LOCKED)).fetchone()
        return int(row["n"]) == 0

    def record(self, order_id: str, conversation_id: str, outcome: str, candidates: int = 0,
               now: Optional[float] = None) -> None:
        with transaction(self.conn) as conn:
            conn.execute("INSERT INTO proof_attempts (at, order_id, conversation_id, outcome, candidates)"
                         " VALUES (?, ?, ?, ?, ?)",
                         (time.time() if now is None else now, order_id, conversation_id, outcome, int(candidates)))

    def recent(self, *, outcome: Optional[str] = None, order_id: Optional[str] = None,
               limit: int = 200) -> List[Dict[str, Any]]:
        """The newest attempts first (the console's audit view), optionally of one outcome or order."""
        clauses = [(column, value) for column, value in (("outcome", outcome), ("order_id", order_id)) if value]
        where = (" WHERE " + " AND ".join(f"{column} = ?" for column, _ in clauses)) if clauses else ""
        params: tuple = tuple(value for _, value in clauses)
        rows = self.conn.execute(f"SELECT * FROM proof_attempts{where} ORDER BY at DESC, id DESC LIMIT ?",
                                 params + (int(limit),)).fetchall()
        return [{k: row[k] for k in ("id", "at", "order_id", "conversation_id", "outcome", "candidates")}
                for row in rows]

    def counts(self) -> Dict[str, int]:
        rows = self.conn.execute("SELECT outcome, COUNT(*) AS n FROM proof_attempts GROUP BY outcome").fetchall()
        return {row["outcome"]: int(row["n"]) for row in rows}


__all__ = ["FAILED", "LOCKED", "NONE", "PROVED", "Judgement", "MAX_FAILURES_PER_DAY", "ProofAttempts", "judge"]
