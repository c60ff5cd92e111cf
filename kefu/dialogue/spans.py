"""One pass over a buyer's message: typed spans with positions, read against the loaded catalogue.

A message such as 「粉色130有货吗」, 「1米8的床 雾霾蓝有吗」 or 「宝宝身高100 体重32斤」 is read once,
left to right, by claims in a fixed order of precedence; a character claimed by one span is never
read again (as Rasa's extractors return ``{entity, value, start, end}`` over the original text):

1. order numbers (15–20 digits, also spaced);
2. the catalogue's own words, longest first: product names and aliases, every size string of the
   product's size system with its aliases and spoken forms (1.8m床 = 1米8 = 一米八 = 1.8米),
   colours (and their stems and common spellings);
3. measurements said with a unit or a keyword (身高112, 32斤, 5岁, 脚长24.5, 腰围2尺1, 1.6米的床, 50ml);
4. the remaining bare numbers: a size when the product has it (130, 41), else a measurement where it
   is plausible for the product's size system (112 for a child's height chart, 170 120 for an adult one);
5. the place and the quantity.

Which measurement a value is depends on the size system the product declares (``measures`` and the
ranges of its rows), never on a category name: a 16 kg weight is read for a children's chart whose
rows start at 14 kg, and a bare 110 is a size there, not 110斤.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from kefu import normalize
from kefu.shop.models import Product, SizeSystem

NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+(?:点[零一二三四五六七八九]+)?)"
_CN_DIGIT = "零〇一二两三四五六七八九"
_SPACED_ORDER = re.compile(r"(?<!\d)\d{3,}(?:[ \-]\d{3,}){1,6}(?!\d)")
_BARE_NUMBER = re.compile(r"(?<![\d.#])(\d{2,3}(?:\.\d)?)(?![\d.])(\s*(?:码|號|号))?")
_UNIT_AFTER = re.compile(
    r"^\s*多?\s*(?:cm|CM|厘米|公分|kg|KG|公斤|千克|斤|元|块|天|小时|岁|mm|毫米|分钟|号楼|栋|%|度|点|ml|毫升|克|g\b|个月|寸|米|m)")
_QUANTITY = re.compile(r"(?:各|要|买|拍|来)?\s*([0-9一二两三四五六七八九十]{1,3})\s*(?:件|个|条|双|套|箱|盒|份|瓶|支)")
_METRIC_SIZE = re.compile(r"^(\d)\.(\d)\s*(?:m|米)")
_UNIT_SIZE = re.compile(r"(\d{2,3})\s*(?:g|克|ml|毫升|kg|斤|w|mah|片|袋|包|支|瓶|粒|颗)(?:装)?", re.I)
_FIRST_DIMENSION = re.compile(r"(\d{2,3})\s*[×xX*＊]\s*\d{2,3}")  # 「150×200cm」: said 150的
_TRAILING_NUMBER = re.compile(r"(?<=[A-Za-z\u4e00-\u9fff])\s*(\d{2,3})$")  # 「iPhone 17」, 「Mate 60」: said 17, 60
_BARE_DECIMAL = re.compile(r"(?<![\d.])(\d\.\d)(?![\d.])")


@dataclass(frozen=True)
class Span:
    """What a stretch of the message names. ``kind``: product, color, size, measure, order_id, place,
    quantity; ``value``: the canonical value (a product id, a catalogue colour or size, a number in the
    size system's unit); ``measure``: the measurement kind of a ``measure`` span."""

    kind: str
    value: Any
    start: int
    end: int
    measure: str = ""
    unit: str = ""


class _Claims:
    """The characters already read, so nothing is read twice."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.taken = [False] * len(text)
        self.spans: List[Span] = []

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def claim(self, span: Span) -> None:
        for i in range(span.start, span.end):
            self.taken[i] = True
        self.spans.append(span)

    def rest(self) -> str:
        """The text with claimed characters blanked (positions kept)."""
        return "".join(" " if taken else ch for ch, taken in zip(self.text, self.taken))


def number(raw: str) -> Optional[float]:
    value = normalize.chinese_number(raw)
    return float(value) if value is not None else None


# -- the catalogue's words ---------------------------------------------------------------------------

def spoken_forms(size: str) -> List[str]:
    """1.8m床 -> 1.8米, 1米8, 一米八, 1.8m; 2.0m床 -> 2米, 两米 (how buyers say a metric size)."""
    match = _METRIC_SIZE.match(size)
    if not match:
        return []
    whole, tenth = int(match.group(1)), int(match.group(2))
    cn = "零一二三四五六七八九"
    forms = [f"{whole}.{tenth}米", f"{whole}.{tenth}m", f"{whole}.{tenth}M"]
    if tenth:
        forms += [f"{whole}米{tenth}", f"{cn[whole]}米{cn[tenth]}", f"{whole}m{tenth}"]
    else:
        forms += [f"{whole}米", f"{cn[whole]}米"] + (["两米"] if whole == 2 else [])
    return forms


def size_forms(systems: Sequence[SizeSystem], sizes: Sequence[str]) -> List[Tuple[str, str]]:
    """(spelling, size) for every size sold: the size itself, its aliases, its spoken forms.
    Pure numbers and letter sizes are left to the number and letter grammars (they need context)."""
    forms: List[Tuple[str, str]] = []
    rows = {row.size: row for system in systems for row in system.rows}
    for size in sizes:
        spellings = [size] + list(rows[size].aliases if size in rows else ()) + spoken_forms(size) + option_forms(size)
        for spelling in spellings:
            if spelling and not spelling.isdigit() and not normalize.LETTER_SIZE_WORD.fullmatch(spelling):
                forms.append((spelling, size))
    return forms


_OPTION_SUFFIX = re.compile(r"^(?P<stem>.{2,}?)(?:级|款|装|型|版|系列)$")
_RANGE_OPTION = re.compile(r"^(?P<a>\d+(?:\.\d+)?)\s*[-~～—]\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<unit>mm|cm|毫米|厘米)?$", re.I)
_OVER_OPTION = re.compile(r"^(?P<a>\d+(?:\.\d+)?)\s*(?P<unit>mm|cm|毫米|厘米)?\s*(?P<side>以上|以下)$", re.I)
_UNIT_OPTION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>m|cm|mm|ml|g|kg|w|mah)$", re.I)
_UNIT_WORDS = {"m": ("米",), "cm": ("厘米", "公分"), "mm": ("毫米",), "ml": ("毫升",), "g": ("克",),
               "kg": ("公斤", "千克"), "w": ("瓦",), "mah": ("毫安",)}
_UNIT_SPELLINGS = {"mm": ("毫米",), "cm": ("厘米", "公分"), "毫米": ("mm",), "厘米": ("cm", "公分")}


def option_forms(value: str) -> List[str]:
    """How buyers write a shop's own option word: 「JJJ级」 as JJJ, 「经典款」 as 经典, 「70-80mm」 as 70-80,
    70到80 or 70~80, 「80mm以上」 as 80以上 (the shop writes options as it likes; buyers drop the unit)."""
    forms: List[str] = []
    suffix = _OPTION_SUFFIX.match(value)
    if suffix:
        forms.append(suffix.group("stem"))
    span = _RANGE_OPTION.match(value)
    if span:
        a, b, unit = span.group("a"), span.group("b"), span.group("unit") or ""
        for joint in ("-", "到", "~", "～", "至", "—"):
            forms.append(f"{a}{joint}{b}")
            for spelling in _UNIT_SPELLINGS.get(unit.lower(), ()):
                forms.append(f"{a}{joint}{b}{spelling}")
    unit = _UNIT_OPTION.match(value)
    if unit:  # 「2m」 said 2米, 「35W」 35瓦, 「50ml」 50毫升
        forms += [f"{unit.group('n')}{word}" for word in _UNIT_WORDS.get(unit.group("unit").lower(), ())]
    over = _OVER_OPTION.match(value)
    if over:
        a, unit, side = over.group("a"), over.group("unit") or "", over.group("side")
        forms.append(f"{a}{side}")
        forms += [f"{a}{spelling}{side}" for spelling in _UNIT_SPELLINGS.get(unit.lower(), ())]
    return [form for form in forms if form != value]


def color_forms(colors: Sequence[str]) -> List[Tuple[str, str]]:
    forms: List[Tuple[str, str]] = []
    for color in colors:
        forms.append((color, color))
        forms += [(form, color) for form in option_forms(color)]
        if color.startswith("#") and len(color) > 2:
            forms.append((color[1:], color))  # 色号 #316, said 316
        if color.endswith("色") and len(color) > 1:
            forms.append((color[:-1], color))
        for alias in normalize.COLORS.get(color, ()):
            forms.append((alias, color))
    return forms


def _claim_words(claims: _Claims, words: Iterable[Tuple[str, Any, str]]) -> None:
    """Claim (word, value, kind) longest first, each occurrence not overlapping an earlier claim."""
    lowered = claims.text.lower()
    for word, value, kind in sorted(words, key=lambda item: len(item[0]), reverse=True):
        needle = word.lower()
        start = lowered.find(needle)
        while start >= 0:
            end = start + len(needle)
            digit_edge = (needle[0].isdigit() and start > 0 and (lowered[start - 1].isdigit() or lowered[start - 1] == ".")) \
                or (needle[-1].isdigit() and end < len(lowered) and (lowered[end].isdigit() or lowered[end] == "."))
            # 「1.8米床」, 「1米8」: a one-character colour stem (米 of 米色) beside a digit is a unit
            unit_like = kind == "color" and len(needle) == 1 and (
                (start > 0 and lowered[start - 1].isdigit()) or (end < len(lowered) and lowered[end].isdigit()))
            # 「2米」 of a 2m cable is not the 2 of 「1米7」 (a height)
            unit_like = unit_like or (needle.endswith("米") and end < len(lowered) and lowered[end].isdigit())
            if claims.free(start, end) and not digit_edge and not unit_like:
                claims.claim(Span(kind, value, start, end))
            start = lowered.find(needle, end)


# -- measurements ------------------------------------------------------------------------------------

# (kind, pattern): each pattern's group "n" is the number, "u" the unit, "more" a 多 (130多斤).
_HEIGHT_METRE_DIGITS = re.compile(rf"(?P<a>[1一])\s*(?:米|m|M)\s*(?P<b>[0-9{_CN_DIGIT}十]{{1,3}})(?![0-9.])")
_METRE_DECIMAL = re.compile(r"(?P<n>[12]\.\d{1,2})\s*(?:米|m(?![a-zA-Z])|M(?![a-zA-Z]))")
_GRAMMARS: Sequence[Tuple[str, "re.Pattern[str]"]] = (
    ("height", re.compile(rf"(?:身高|个子|净身高|高)\s*[:：是为有约大概]*\s*{NUM.replace('(', '(?P<n>', 1)}\s*(?P<u>cm|CM|厘米|公分|米|m)?")),
    ("weight", re.compile(rf"(?:体重|重)\s*[:：是为有约大概]*\s*{NUM.replace('(', '(?P<n>', 1)}\s*(?P<more>多)?\s*(?P<u>斤|kg|KG|公斤|千克)?")),
    ("weight", re.compile(rf"{NUM.replace('(', '(?P<n>', 1)}\s*(?P<more>多)?\s*(?P<u>斤|kg|KG|Kg|公斤|千克)")),
    ("age", re.compile(rf"{NUM.replace('(', '(?P<n>', 1)}\s*(?P<u>周岁|岁半|岁|个月)")),
    ("foot", re.compile(r"(?:脚长|脚掌长|脚)\s*(?:是|有|大概|约)?\s*(?P<n>\d{2,3}(?:\.\d)?)\s*(?P<u>mm|毫米|cm|厘米|公分)?", re.I)),
    ("foot", re.compile(r"(?P<n>\d{2,3}(?:\.\d)?)\s*(?P<u>mm|毫米)", re.I)),
    ("foot", re.compile(r"(?<![\d.])(?P<n>[12]\d(?:\.\d)?)\s*(?P<u>cm|厘米|公分)", re.I)),
    ("chest", re.compile(rf"胸围\s*[:：是为有约大概]*\s*{NUM.replace('(', '(?P<n>', 1)}\s*(?P<u>cm|厘米|公分)?")),
    ("volume", re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>ml|mL|ML|毫升|L|l|升)(?![a-zA-Z])")),
    ("screen", re.compile(rf"{NUM.replace('(', '(?P<n>', 1)}\s*(?P<u>英寸|寸)")),
    ("height", re.compile(r"(?P<n>\d{2,3}(?:\.\d)?)\s*(?P<u>cm|CM|Cm|厘米|公分|㎝)")),
)
_BED = re.compile(rf"(?:(?:床宽|床垫宽|宽)\s*)?{NUM.replace('(', '(?P<n>', 1)}\s*(?P<u>米|m|cm|厘米|公分)?\s*(?:的|宽的|宽)?\s*床")
_BED_METRE_DIGITS = re.compile(rf"(?P<a>[1-2一两二])\s*米\s*(?P<b>[0-9{_CN_DIGIT}])?\s*(?:的|宽的|宽)?\s*床?")
_WAIST_CHI = re.compile(r"(?P<a>[一二两三1-3](?:\.\d)?)\s*尺\s*(?P<b>[0-9一二三四五六七八九])?")
_WAIST_CM = re.compile(r"腰围?\s*(?:是|有)?\s*(?P<n>\d{2,3}(?:\.\d)?)\s*(?P<u>cm|厘米|公分|寸)?", re.I)
_WAIST_INCH = re.compile(r"(?P<n>\d{2})\s*寸")


BODY = ("height", "weight", "age", "foot", "waist", "chest")


def _measures_of(system: Optional[SizeSystem]) -> Tuple[str, ...]:
    """Kinds read for this product: its system's (with height and weight when it measures a body);
    without one, the ones buyers of worn goods give most (a message that names no product yet)."""
    if system is not None and system.measures:
        if any(kind in BODY for kind in system.measures):
            return tuple(dict.fromkeys(system.measures + ("height", "weight", "foot", "waist")))
        return system.measures
    return ("height", "weight", "foot", "waist")


def plausible(kind: str, value: float, system: Optional[SizeSystem]) -> bool:
    """A reading is kept only near the system's own rows (a 16 kg child for a children's chart,
    not for an adult one); without rows, within what people measure."""
    hard = {"height": (40, 230), "weight": (2, 200), "age": (0, 100), "foot": (80, 330), "waist": (30, 200),
            "chest": (30, 200), "bed_width": (60, 300), "volume": (0.1, 100000), "screen": (5, 120)}
    low, high = hard.get(kind, (0, float("inf")))
    if not low <= value <= high:
        return False
    bounds = system.bounds(kind) if system is not None else None
    if bounds is None:
        if kind == "weight" and (system is None or "height" in system.measures):
            return value >= 20  # an adult chart without weight rows
        return True
    span = max(bounds[1] - bounds[0], 1.0)
    return bounds[0] - 0.5 * span - 5 <= value <= bounds[1] + 0.5 * span + 5


def _convert(kind: str, value: float, unit: str, more: bool) -> Optional[float]:
    unit = (unit or "").lower()
    if more:
        value += 5 if value >= 10 else 0.5
    if kind == "height":
        if unit in ("米", "m") or (not unit and value < 3):
            value *= 100
        return value
    if kind == "weight":
        return value / 2 if unit == "斤" else value
    if kind == "age":
        if unit == "个月":
            return round(value / 12, 2)
        return value + 0.5 if unit == "岁半" else value
    if kind == "foot":
        return value * 10 if unit in ("cm", "厘米", "公分") or (not unit and value < 35) else value
    if kind == "volume":
        return value * 1000 if unit in ("l", "升") else value
    return value


# A shop's own measurement (catalog.yml ``custom_measures``) in the units buyers write, as multiples of a base.
_UNIT_FACTORS: Dict[str, Tuple[str, float]] = {
    "mm": ("length", 1), "毫米": ("length", 1), "cm": ("length", 10), "厘米": ("length", 10), "公分": ("length", 10),
    "m": ("length", 1000), "米": ("length", 1000), "g": ("mass", 1), "克": ("mass", 1), "kg": ("mass", 1000),
    "公斤": ("mass", 1000), "千克": ("mass", 1000), "斤": ("mass", 500), "ml": ("volume", 1), "毫升": ("volume", 1),
    "l": ("volume", 1000), "升": ("volume", 1000),
}
_UNIT_WORD = "|".join(sorted(map(re.escape, _UNIT_FACTORS), key=len, reverse=True))


def _read_custom(claims: _Claims, system: SizeSystem) -> None:
    """「手指周长5.2cm」, 「指围52」, 「手腕一圈15厘米」: each measurement the size system declares itself, read
    after one of its words and converted to its unit (a number without a unit in another unit of the same
    kind, 5.2 for a 52 mm finger, is taken in the one that puts it among the system's rows)."""
    for measure in system.custom:
        if measure.name not in system.measures:
            continue
        words = "|".join(sorted(map(re.escape, measure.words + (measure.name,)), key=len, reverse=True))
        pattern = re.compile(rf"(?:{words})\s*(?:是|有|大概|约|大约|差不多|[:：])*\s*{NUM.replace('(', '(?P<n>', 1)}"
                             rf"\s*(?P<u>{_UNIT_WORD})?(?![a-zA-Z])", re.IGNORECASE)
        dimension, base = _UNIT_FACTORS[measure.unit]
        for match in pattern.finditer(claims.rest()):
            value = number(match.group("n"))
            if value is None or not claims.free(*match.span()):
                continue
            written = (match.group("u") or "").lower()
            if written:
                given = _UNIT_FACTORS.get(written)
                candidates = [value * given[1] / base] if given and given[0] == dimension else []
            else:
                candidates = [value * factor / base for unit, (dim, factor) in _UNIT_FACTORS.items()
                              if dim == dimension and unit.isascii()]
                candidates.sort(key=lambda v: v != value)  # the measure's own unit first
            for candidate in candidates:
                if plausible(measure.name, candidate, system):
                    claims.claim(Span("measure", round(candidate, 2), match.start(), match.end(), measure.name,
                                      measure.unit))
                    break


def _read_measures(claims: _Claims, system: Optional[SizeSystem]) -> None:
    kinds = _measures_of(system)
    if system is not None and system.custom:
        _read_custom(claims, system)
    rest = claims.rest()
    if "bed_width" in kinds:
        for match in list(_BED_METRE_DIGITS.finditer(rest)):
            whole, tenth = number(match.group("a")), number(match.group("b")) if match.group("b") else 0.0
            if whole is None or tenth is None or not claims.free(*match.span()):
                continue
            value = whole * 100 + tenth * 10
            if plausible("bed_width", value, system):
                claims.claim(Span("measure", value, match.start(), match.end(), "bed_width", "cm"))
        rest = claims.rest()
        for match in list(_BED.finditer(rest)):
            value = number(match.group("n"))
            if value is None or not claims.free(*match.span()):
                continue
            unit = match.group("u") or ""
            value = value * 100 if unit in ("米", "m") or value < 3 else value
            if plausible("bed_width", value, system):
                claims.claim(Span("measure", value, match.start(), match.end(), "bed_width", "cm"))
    if "height" in kinds:
        rest = claims.rest()
        for pattern in (_HEIGHT_METRE_DIGITS, _METRE_DECIMAL):
            for match in pattern.finditer(rest):
                if not claims.free(*match.span()):
                    continue
                if pattern is _HEIGHT_METRE_DIGITS:
                    digits = match.group("b")
                    cm = number(digits) if "十" in digits else number(
                        "".join(ch if ch.isdigit() else str(normalize.CN_DIGITS.get(ch, "")) for ch in digits))
                    if cm is None:
                        continue
                    if "十" not in digits and len(digits) == 1:
                        cm *= 10
                    value = 100 + cm
                else:
                    value = float(match.group("n")) * 100
                if plausible("height", value, system):
                    claims.claim(Span("measure", value, match.start(), match.end(), "height", "cm"))
    for kind, pattern in _GRAMMARS:
        if kind not in kinds and not (kind == "weight" and "height" in kinds):
            continue
        rest = claims.rest()
        for match in pattern.finditer(rest):
            if not claims.free(*match.span()) or any(s.measure == kind for s in claims.spans):
                continue
            value = number(match.group("n"))
            if value is None:
                continue
            groups = match.groupdict()
            value = _convert(kind, value, groups.get("u") or "", bool(groups.get("more")))
            if value is not None and plausible(kind, value, system):
                claims.claim(Span("measure", value, match.start(), match.end(), kind, groups.get("u") or ""))
    if "waist" in kinds:
        _read_waist(claims)


def _read_waist(claims: _Claims) -> None:
    """Waist in inches (2尺2 = 29.1, 腰围72cm = 28.3, 29寸), the unit trouser sizes use."""
    rest = claims.rest()
    match = _WAIST_CHI.search(rest)
    if match and claims.free(*match.span()):
        chi = number(match.group("a"))
        cun = number(match.group("b")) if match.group("b") else 0.0
        if chi is not None and cun is not None:
            claims.claim(Span("measure", (chi + cun / 10) * 33.33 / 2.54, match.start(), match.end(), "waist", "寸"))
            return
    match = _WAIST_CM.search(rest)
    if match and "腰" in match.group(0) and claims.free(*match.span()):
        value = float(match.group("n"))
        claims.claim(Span("measure", value if value < 45 else value / 2.54, match.start(), match.end(), "waist", "寸"))
        return
    match = _WAIST_INCH.search(rest)
    if match and claims.free(*match.span()):
        claims.claim(Span("measure", float(match.group("n")), match.start(), match.end(), "waist", "寸"))


def _bare_numbers(claims: _Claims, sizes: Sequence[str], system: Optional[SizeSystem], product: Optional[Product],
                  systems: Sequence[SizeSystem] = (), aliases_only: bool = False) -> None:
    """Numbers without a unit: a size the product sells (or a numeric alias of one: 180 = 1.8m床),
    else a plausible measurement."""
    rest = claims.rest()
    offered = {size: size for size in sizes}
    for chosen in ([system] if system else systems):
        for row in chosen.rows:
            for alias in row.aliases:
                if alias.isdigit() and row.size in sizes:
                    offered.setdefault(alias, row.size)
    # 「250的有吗」: the number of a size sold with its unit (250g, 50ml), when no other size has that number
    numbered = [(m.group(1), size) for size in sizes
                for m in [_UNIT_SIZE.fullmatch(size) or _TRAILING_NUMBER.search(size) or _FIRST_DIMENSION.match(size)]
                if m and not size.isdigit()]
    for raw, size in numbered:
        if sum(1 for other, _ in numbered if other == raw) == 1:
            offered.setdefault(raw, size)
    metric = {f"{m.group(1)}.{m.group(2)}": size for size in sizes for m in [_METRIC_SIZE.match(size)] if m}
    for match in _BARE_DECIMAL.finditer(rest):  # 「雾霾蓝1.8的」: 1.8 of a shop selling 1.8m床
        if match.group(1) in metric and claims.free(*match.span()) and not _UNIT_AFTER.match(rest[match.end():]):
            claims.claim(Span("size", metric[match.group(1)], match.start(), match.end()))
    rest = claims.rest()
    for match in _BARE_NUMBER.finditer(rest):
        raw, suffix = match.group(1), match.group(2)
        if not claims.free(*match.span()):
            continue
        if _UNIT_AFTER.match(rest[match.end():]) and not suffix:
            continue
        if aliases_only:
            if offered.get(raw, raw) != raw:
                claims.claim(Span("size", offered[raw], match.start(), match.end()))
            continue
        if raw in offered and (product is not None or suffix or len(raw) == 2 or offered[raw] != raw):
            claims.claim(Span("size", offered[raw], match.start(), match.end()))
        elif suffix and product is None:
            claims.claim(Span("size", raw, match.start(), match.end()))
    if aliases_only:
        return
    kinds = _measures_of(system)
    if "height" in kinds and "weight" in kinds and (system is None or system.needs == "all"):
        _adult_bare(claims, system)
        return
    rest = claims.rest()
    for kind in kinds:
        if kind not in ("height", "bed_width", "foot", "chest") or any(s.measure == kind for s in claims.spans):
            continue
        for match in _BARE_NUMBER.finditer(rest):
            if match.group(2) or not claims.free(*match.span()) or _UNIT_AFTER.match(rest[match.end():]):
                continue
            value = float(match.group(1))
            if system is not None and system.bounds(kind) and plausible(kind, value, system):
                claims.claim(Span("measure", value, match.start(), match.end(), kind, ""))
                break


def _adult_bare(claims: _Claims, system: Optional[SizeSystem]) -> None:
    """「170 120」, 「165/50」: the height/weight heuristics of :mod:`kefu.normalize` on what is left."""
    rest = claims.rest()
    have_height = next((s.value for s in claims.spans if s.measure == "height"), None)
    have_weight = next((s.value for s in claims.spans if s.measure == "weight"), None)
    if have_height and have_weight:
        return
    bare = [m for m in _BARE_NUMBER.finditer(rest)
            if not m.group(2) and claims.free(*m.span()) and not _UNIT_AFTER.match(rest[m.end():])]
    if not bare:
        return
    height = have_height
    if height is None:
        for match in bare:
            value = float(match.group(1))
            if normalize.BARE_HEIGHT_RANGE[0] <= value <= normalize.BARE_HEIGHT_RANGE[1]:
                claims.claim(Span("measure", value, match.start(), match.end(), "height", ""))
                height = value
                bare.remove(match)
                break
    if have_weight is None and height is not None:
        for match in bare:
            more = rest[match.end():match.end() + 1] == "多"
            weight = normalize.bare_weight(float(match.group(1)), "多" if more else None, int(height))
            if weight is not None and plausible("weight", weight, system):
                claims.claim(Span("measure", weight, match.start(), match.end(), "weight", ""))
                break


def _letter_sizes(claims: _Claims, sizes: Sequence[str]) -> None:
    rest = claims.rest()
    for match in normalize.LETTER_SIZE_WORD.finditer(rest):
        upper = re.sub(r"(码|號|号)$", "", match.group(1).upper())
        size = normalize.LETTER_SIZE_ALIASES.get(upper, upper if upper in normalize.CLOTHING_SIZES else None)
        if size and claims.free(*match.span()):
            claims.claim(Span("size", size, match.start(), match.end()))
    rest = claims.rest()
    for word, size in normalize.SIZE_WORDS.items():
        position = rest.find(word)
        # 「多大码」「什么码」 ask for a size; they do not name 大码.
        if position > 0 and rest[position - 1] in "多什啥么几":
            continue
        if position >= 0 and size in sizes and claims.free(position, position + len(word)):
            claims.claim(Span("size", size, position, position + len(word)))


def read_spans(text: str, products: Sequence[Product], colors: Sequence[str], sizes: Sequence[str],
               system: Optional[SizeSystem], product: Optional[Product], all_colors: Sequence[str] = (),
               systems: Sequence[SizeSystem] = ()) -> List[Span]:
    """Every span of ``text``, in the order written. ``colors``/``sizes`` are the product's (or the shop's)
    options, ``system`` the product's size system (``systems``: all of the shop's, for their aliases)."""
    claims = _Claims(text)
    for match in normalize.ORDER_NUMBER.finditer(text):
        claims.claim(Span("order_id", match.group(0), match.start(), match.end()))
    for match in _SPACED_ORDER.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 15 <= len(digits) <= 20 and claims.free(*match.span()):
            claims.claim(Span("order_id", digits, match.start(), match.end()))
    words: List[Tuple[str, Any, str]] = [(w, p.id, "product") for p in products for w in p.words if w]
    words += [(form, size, "size") for form, size in size_forms([system] if system else systems, sizes)]
    cleaned_forms = color_forms(list(dict.fromkeys(list(colors) + list(all_colors))))
    words += [(form, color, "color") for form, color in cleaned_forms]
    words += [(word, word, "noise") for word in normalize.NOT_COLOR]  # 明白 is no 白色
    _claim_words(claims, words)
    _read_measures(claims, system)
    if product is None:
        _bare_numbers(claims, sizes, system, product, systems, aliases_only=True)  # 180 = 1.8m床
        _adult_bare(claims, system)  # 「165 45」 before any product: a body, not shoe size 45
    _bare_numbers(claims, sizes, system, product, systems)
    _letter_sizes(claims, sizes)
    rest = claims.rest()
    for match in _QUANTITY.finditer(rest):  # 「多钱一件 买三件能用券不」: each quantity named
        value = normalize.chinese_number(match.group(1))
        if value and 1 <= value <= 999 and claims.free(match.start(1), match.end()):
            claims.claim(Span("quantity", int(value), match.start(1), match.end()))
    return sorted((s for s in claims.spans if s.kind != "noise"), key=lambda span: span.start)


def measures(spans: Iterable[Span]) -> Dict[str, float]:
    """The first value of each measurement kind."""
    found: Dict[str, float] = {}
    for span in spans:
        if span.kind == "measure" and span.measure not in found:
            found[span.measure] = float(span.value)
    return found
