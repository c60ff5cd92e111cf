"""Rule packs: YAML files under ``rules/``, one per platform, each extending ``common.yml``.

A pack::

    pack: pinduoduo            # name, must match the file name
    extends: common            # optional: the pack whose entries this one inherits
    disable: [pinduoduo_name]  # inherited entry ids this platform allows (its own name...)
    entries:
      - id: wechat             # unique across the pack and the packs it extends
        term: 微信              # a string, or a list of variants (the first is the canonical term)
        variants: [weixin, vx] # more spellings (optional)
        category: third_party_platform
        action: block          # block | rewrite (needs replacement) | mask
        replacement: 商品       # for rewrite
        allow: [微信支付]        # allowed contexts: strings containing a variant; a hit inside one passes
        word_boundary: true    # optional: the hit must not cut a jieba word (北京东路 is not 京东)
        prefixes: [加, 加我]     # optional, with 'of': variants = each prefix + each variant of the
        of: [wechat, qq]       #   named entries (加 + 威信, 加我 + 扣扣 ...)
        note: 拼多多客服禁语 (seed 000 §1)   # the source of the rule
        pinyin: true           # optional: add generated pinyin (weixin, wei1xin4, 微xin, wei信)
        initials: true         # optional: add the term's pinyin initials (wx)
        numerals: true         # optional: every variant/context with 一 also with 1 (第一 → 第1)
      - id: review_for_reward  # a co-occurrence pair: a hit counts only with a near word close by
        term: [好评, 评价]       # the first family (with its own 'allow')
        near: [返, 红包]         # the second family, plus 'near_of: [ids]' for earlier entries' variants
        near_allow: [返回]       # allowed contexts of the second family
        within: 12             # normalised characters between the two (default 8)
        order: any             # or 'after': the near word must come second
      - id: buyer_mobile
        detector: mobile       # personal data found by a detector instead of terms
        category: personal_data
        action: mask
        note: ...

Any malformed pack raises :class:`RulePackError` naming the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from kefu.guard._errors import RulePackError
from kefu.guard._normalize import doubled_characters, normalize_term

CATEGORIES: Tuple[str, ...] = (
    "third_party_platform",
    "off_platform_transaction",
    "review_inducement",
    "extreme_claim",
    "platform_vocabulary",
    "impolite",
    "personal_data",
)
ACTIONS = ("block", "rewrite", "mask")
# Personal data is masked in place; contact handles, own numbers and links block (kefu.guard._contact).
PII_DETECTORS = ("mobile", "id_card", "bank_card")
DETECTORS = PII_DETECTORS + ("contact_handle", "own_number", "link")
_ENTRY_KEYS = {"id", "term", "variants", "category", "action", "replacement", "allow", "word_boundary",
               "note", "detector", "prefixes", "of", "pinyin", "initials", "numerals", "near", "near_of", "near_allow",
               "within", "order"}
ORDERS = ("any", "after")
# Pinyin is generated for CJK variants of this many characters (2**n - 2 mixed spellings each).
PINYIN_LENGTHS = range(2, 5)
DEFAULT_WITHIN = 8


@dataclass(frozen=True)
class Rule:
    """One pack entry, with its variants and allowed contexts normalised."""

    id: str
    term: str
    category: str
    action: str
    note: str
    source: str
    variants: Tuple[str, ...] = ()
    keys: Tuple[str, ...] = ()
    replacement: Optional[str] = None
    allow: Tuple[str, ...] = ()
    word_boundary: bool = False
    detector: Optional[str] = None
    # normalised key -> ((offset of the key inside the allowed context, context), ...)
    allow_index: Mapping[str, Tuple[Tuple[int, str], ...]] = field(default_factory=dict)
    # Co-occurrence: a hit of this entry's keys counts only with a hit of ``near.keys`` at most
    # ``within`` normalised characters away (``order: after``: the near word comes second).
    near: Optional["Rule"] = None
    within: int = 0
    order: str = "any"
    # "term": a hit is a violation; "cooc": half of a co-occurrence pair; "near": its other half
    role: str = "term"
    parent: str = ""


@dataclass(frozen=True)
class RuleSet:
    """Everything one platform's guard needs: term rules by normalised key, and detectors."""

    platform: str
    rules: Tuple[Rule, ...]
    files: Tuple[str, ...]
    keep_doubled: FrozenSet[str] = frozenset()

    def by_key(self) -> Dict[str, List[Rule]]:
        index: Dict[str, List[Rule]] = {}
        for rule in self.rules:
            for part in (rule, rule.near):
                for key in part.keys if part is not None else ():
                    index.setdefault(key, []).append(part)
        return index

    @property
    def detectors(self) -> Tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.detector)


def _read(path: Path) -> Dict[str, Any]:
    if not path.is_file():
        raise RulePackError("rule pack not found", path=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"cannot read: {exc}", path=str(path)) from exc
    except yaml.YAMLError as exc:
        raise RulePackError(f"invalid YAML: {exc}".replace("\n", " "), path=str(path)) from exc
    if not isinstance(data, dict):
        raise RulePackError("a pack must be a mapping with 'pack' and 'entries'", path=str(path))
    unknown = set(data) - {"pack", "extends", "disable", "entries", "description", "platforms"}
    if unknown:
        raise RulePackError(f"unknown top-level keys {sorted(unknown)}", path=str(path))
    if data.get("pack") != path.stem:
        raise RulePackError(f"'pack' must be {path.stem!r} (the file name), got {data.get('pack')!r}",
                            path=str(path))
    if not isinstance(data.get("entries", []), list):
        raise RulePackError("'entries' must be a list", path=str(path))
    if not isinstance(data.get("disable", []), list):
        raise RulePackError("'disable' must be a list of entry ids", path=str(path))
    return data


def _strings(value: Any, what: str, path: str, entry: str) -> List[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    result = []
    for item in items:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item.strip():
            raise RulePackError(f"{what} must be non-empty strings, got {item!r}", path=path, entry=entry)
        result.append(item)
    return result


def _parse_entry(raw: Any, position: int, path: str, keep: FrozenSet[str],
                 known: Mapping[str, Rule]) -> Rule:
    label = f"#{position}"
    if not isinstance(raw, dict):
        raise RulePackError(f"an entry must be a mapping, got {raw!r}", path=path, entry=label)
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise RulePackError("missing 'id'", path=path, entry=label)
    label = f"#{position} ({entry_id})"
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise RulePackError(f"unknown keys {sorted(unknown)}", path=path, entry=label)
    category = raw.get("category")
    if category not in CATEGORIES:
        raise RulePackError(f"category {category!r} is not one of {', '.join(CATEGORIES)}", path=path, entry=label)
    action = raw.get("action")
    if action not in ACTIONS:
        raise RulePackError(f"action {action!r} is not one of {', '.join(ACTIONS)}", path=path, entry=label)
    note = raw.get("note")
    if not isinstance(note, str) or not note.strip():
        raise RulePackError("missing 'note' (the rule's source)", path=path, entry=label)
    replacement = raw.get("replacement")
    if action == "rewrite" and (not isinstance(replacement, str)):
        raise RulePackError("action 'rewrite' needs a 'replacement' string", path=path, entry=label)
    if action != "rewrite" and replacement is not None:
        raise RulePackError(f"'replacement' only goes with action 'rewrite', not {action!r}", path=path, entry=label)
    detector = raw.get("detector")
    if detector is not None:
        if detector not in DETECTORS:
            raise RulePackError(f"detector {detector!r} is not one of {', '.join(DETECTORS)}", path=path, entry=label)
        if raw.get("term") or raw.get("variants"):
            raise RulePackError("an entry has either 'detector' or 'term', not both", path=path, entry=label)
        wanted_action = "mask" if detector in PII_DETECTORS else "block"
        if action != wanted_action:
            raise RulePackError(f"detector {detector!r} entries use action {wanted_action!r}", path=path, entry=label)
        return Rule(id=entry_id, term=detector, category=category, action=action, note=note, source=path,
                    detector=detector)
    variants = _strings(raw.get("term"), "'term'", path, label) + _strings(raw.get("variants"), "'variants'", path, label)
    prefixes = _strings(raw.get("prefixes"), "'prefixes'", path, label)
    combined = _strings(raw.get("of"), "'of'", path, label)
    if bool(prefixes) != bool(combined):
        raise RulePackError("'prefixes' and 'of' go together", path=path, entry=label)
    for other_id in combined:
        other = known.get(other_id)
        if other is None or other.detector:
            raise RulePackError(f"'of' names {other_id!r}, which is not an earlier term entry", path=path, entry=label)
        variants.extend(prefix + variant for prefix in prefixes for variant in other.variants)
    if not variants:
        raise RulePackError("needs 'term' (or 'detector')", path=path, entry=label)
    for flag in ("pinyin", "initials", "numerals", "word_boundary"):
        if not isinstance(raw.get(flag, False), bool):
            raise RulePackError(f"'{flag}' must be true or false", path=path, entry=label)
    if raw.get("initials"):
        variants.extend(initials_of(variants[0]))
    if raw.get("pinyin"):
        variants.extend(spelling for variant in list(variants) for spelling in pinyin_spellings(variant))
    allow = _strings(raw.get("allow"), "'allow'", path, label)
    if raw.get("numerals"):  # 第一 → 第1 (① ₁ 壹 fold to 1), for the terms and their allowed contexts alike
        variants.extend(v.replace("一", "1") for v in list(variants) if "一" in v)
        allow.extend(c.replace("一", "1") for c in list(allow) if "一" in c)
    keys = _keys(variants, keep, path, label)
    near = None
    within, order = 0, "any"
    if raw.get("near") is not None or raw.get("near_of") is not None:
        near_words = _strings(raw.get("near"), "'near'", path, label)
        for other_id in _strings(raw.get("near_of"), "'near_of'", path, label):
            other = known.get(other_id)
            if other is None or other.detector:
                raise RulePackError(f"'near_of' names {other_id!r}, which is not an earlier term entry",
                                    path=path, entry=label)
            near_words.extend(other.variants)
        if not near_words:
            raise RulePackError("'near' needs at least one word", path=path, entry=label)
        within = raw.get("within", DEFAULT_WITHIN)
        if isinstance(within, bool) or not isinstance(within, int) or not 0 <= within <= 40:
            raise RulePackError(f"'within' must be a whole number of characters 0-40, got {within!r}",
                                path=path, entry=label)
        order = raw.get("order", "any")
        if order not in ORDERS:
            raise RulePackError(f"'order' must be one of {', '.join(ORDERS)}, got {order!r}", path=path, entry=label)
        near_keys = _keys(near_words, keep, path, label)
        near_allow = _strings(raw.get("near_allow"), "'near_allow'", path, label)
        near = Rule(id=f"{entry_id}/near", term=near_words[0], category=category, action=action, note=note,
                    source=path, variants=tuple(near_words), keys=tuple(near_keys), allow=tuple(near_allow),
                    allow_index=_allow_index(near_allow, near_keys, keep, path, label + " near_allow"),
                    role="near", parent=entry_id)
    else:
        for key in ("near_allow", "within", "order"):
            if key in raw:
                raise RulePackError(f"'{key}' only goes with 'near' or 'near_of'", path=path, entry=label)
    return Rule(
        id=entry_id, term=variants[0], category=category, action=action, note=note, source=path,
        variants=tuple(variants), keys=tuple(keys), replacement=replacement, allow=tuple(allow),
        word_boundary=bool(raw.get("word_boundary", False)),
        allow_index=_allow_index(allow, keys, keep, path, label),
        near=near, within=within, order=order, role="cooc" if near is not None else "term",
    )


def _keys(variants: Sequence[str], keep: FrozenSet[str], path: str, label: str) -> List[str]:
    keys: List[str] = []
    for variant in variants:
        key = normalize_term(variant, keep)
        if not key:
            raise RulePackError(f"variant {variant!r} is empty once normalised", path=path, entry=label)
        if key not in keys:
            keys.append(key)
    return keys


def _allow_index(allow: Sequence[str], keys: Sequence[str], keep: FrozenSet[str], path: str,
                 label: str) -> Dict[str, Tuple[Tuple[int, str], ...]]:
    """Allowed contexts by the key they contain: ``key -> ((offset of key in context, context), ...)``."""
    index: Dict[str, List[Tuple[int, str]]] = {}
    for context in allow:
        normalised = normalize_term(context, keep)
        found = False
        for key in keys:
            offset = normalised.find(key)
            while offset >= 0:
                index.setdefault(key, []).append((offset, normalised))
                found = True
                offset = normalised.find(key, offset + 1)
        if not found:
            raise RulePackError(f"allowed context {context!r} contains none of the entry's variants",
                                path=path, entry=label)
    return {k: tuple(v) for k, v in index.items()}


def _is_cjk_word(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def pinyin_spellings(word: str) -> List[str]:
    """Pinyin spellings of a CJK deny term, generated (pypinyin) instead of typed by hand.

    For 最好: ``zuihao`` (tone-less; toned zuìhǎo folds to it in the normaliser), ``zui4hao3``
    (tone numbers) and every mix of characters and syllables (``zui好``, ``最hao``). Only for
    words of 2-4 characters: a single syllable (zui) is far too common in ordinary Latin text.
    """
    if not _is_cjk_word(word) or len(word) not in PINYIN_LENGTHS:
        return []
    from pypinyin import Style, lazy_pinyin  # pack-build time only, never at import

    syllables = lazy_pinyin(word)
    spellings = ["".join(syllables), "".join(lazy_pinyin(word, style=Style.TONE3))]
    for mask in range(1, 2 ** len(word) - 1):
        spellings.append("".join(syllables[i] if mask >> i & 1 else word[i] for i in range(len(word))))
    return spellings


def initials_of(word: str) -> List[str]:
    """The pinyin initials sellers abbreviate a name to (淘宝 → tb, 拼多多 → pdd, 抖音 → dy)."""
    if not _is_cjk_word(word) or len(word) < 2:
        return []
    from pypinyin import Style, lazy_pinyin

    return ["".join(lazy_pinyin(word, style=Style.FIRST_LETTER))]


def load_rules(rules_dir: Path, pack_name: str) -> Tuple[List[Rule], List[str], FrozenSet[str]]:
    """Rules of ``pack_name`` with everything it extends, minus what it disables."""
    chain: List[Path] = []
    seen = set()
    name: Optional[str] = pack_name
    datas: List[Dict[str, Any]] = []
    while name:
        if not isinstance(name, str):
            raise RulePackError(f"'extends' must be a pack name, got {name!r}", path=str(chain[-1]))
        if name in seen:
            raise RulePackError(f"'extends' forms a cycle through {name!r}", path=str(chain[-1]))
        seen.add(name)
        path = rules_dir / f"{name}.yml"
        data = _read(path)
        chain.append(path)
        datas.append(data)
        name = data.get("extends")
    keep = doubled_characters(_all_term_strings(datas))
    rules: Dict[str, Rule] = {}
    # Base packs first, so the platform pack may disable what it inherits.
    for path, data in reversed(list(zip(chain, datas))):
        for entry_id in data.get("disable") or []:
            if entry_id not in rules:
                raise RulePackError(f"'disable' names {entry_id!r}, which no extended pack defines", path=str(path))
            del rules[entry_id]
        for position, raw in enumerate(data.get("entries") or [], start=1):
            rule = _parse_entry(raw, position, str(path), keep, rules)
            if rule.id in rules:
                raise RulePackError(f"duplicate id {rule.id!r} (also in {rules[rule.id].source})",
                                    path=str(path), entry=f"#{position} ({rule.id})")
            rules[rule.id] = rule
    return list(rules.values()), [str(p) for p in chain], keep


def _all_term_strings(datas: Iterable[Dict[str, Any]]) -> List[str]:
    strings: List[str] = []
    for data in datas:
        for raw in data.get("entries") or []:
            if isinstance(raw, dict):
                for key in ("term", "variants", "allow", "prefixes", "near", "near_allow"):
                    value = raw.get(key)
                    items = value if isinstance(value, list) else [value]
                    strings.extend(item for item in items if isinstance(item, str))
    return strings


def load_ruleset(rules_dir: Path, platform: str) -> RuleSet:
    rules, files, keep = load_rules(Path(rules_dir), platform)
    return RuleSet(platform=platform, rules=tuple(rules), files=tuple(files), keep_doubled=keep)


def pack_names(rules_dir: Path) -> Sequence[str]:
    return sorted(p.stem for p in Path(rules_dir).glob("*.yml"))
