"""Entity normalisers: what buyers type -> the canonical values the shop data uses.

Rasa extracts raw spans ("一米七", "120斤", "黑的", "新疆维吾尔自治区"); actions turn
them into values the answer functions understand (170, 60.0, "黑色", "新疆").
Every function accepts anything (None, "", a huge paste) and returns None
rather than raising: a normaliser that cannot tell returns None and the
dialogue asks again.

Heuristics for bare numbers (documented because buyers rarely give units):
  * height: a bare number 140-200 is a height in cm; 1.4-2.2 is metres.
  * weight: with a unit, 斤 is halved (120斤 -> 60.0 kg), kg/公斤/千克 kept.
    A bare number 35-99 is kg; 100-300 is 斤 (Chinese buyers quoting a
    three-digit weight mean 斤: 100 kg and more is said as "200多斤" or
    with 公斤). When the height is known, a bare 70-99 whose kg reading gives
    a BMI above 32 while its 斤 reading gives a BMI of 15-28 is read as 斤
    ("160 90" -> 45 kg).
  * "多" after a number ("130多斤") adds half a step: 130多 -> 135.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

MAX_INPUT = 2000  # characters looked at; longer input is cut (a buyer's message, not a document)

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3,
           "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
           "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000}
_CN_NUM_CHARS = "".join(CN_DIGITS) + "".join(_UNITS)
_FULLWIDTH = str.maketrans("０１２３４５６７８９．ＫＧＭＬＳＸｋｇｍｌｓｘ／－　",
                           "0123456789.KGMLSXkgmlsx/- ")


def _clean(text: object) -> Optional[str]:
    """Cut, fold full-width digits/letters; None for non-text or blank input."""
    if not isinstance(text, str):
        return None
    text = text[:MAX_INPUT].translate(_FULLWIDTH).strip()
    return text or None


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

def chinese_number(text: str) -> Optional[float]:
    """"一百二十" -> 120, "一百二" -> 120 (spoken short form), "三十八" -> 38, "一点七" -> 1.7, "170" -> 170.

    Arabic numbers pass through; mixed forms such as "1百2" are accepted.
    Returns None when the text is not a number as a whole.
    """
    text = _clean(text)
    if text is None or len(text) > 30:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    integer_part, point, fraction = text.partition("点")
    whole = _chinese_integer(integer_part)
    if whole is None:
        return None
    if not point:
        return float(whole)
    if not fraction:
        return None
    digits = []
    for char in fraction:
        if char.isdigit():
            digits.append(char)
        elif char in CN_DIGITS:
            digits.append(str(CN_DIGITS[char]))
        else:
            return None
    return float(f"{whole}.{''.join(digits)}")


def _chinese_integer(text: str) -> Optional[int]:
    if not text:
        return None
    if text.isdigit():
        return int(text)
    total, section, number = 0, 0, None
    last_unit = None
    zero_seen = False
    for char in text:
        if char.isdigit():
            number = (number or 0) * 10 + int(char) if number is not None and last_unit is None else int(char)
        elif char in CN_DIGITS:
            value = CN_DIGITS[char]
            if value == 0:
                zero_seen = True
                number = None
                continue
            number = value
        elif char in _UNITS:
            unit = _UNITS[char]
            if number is None and last_unit is not None and not zero_seen and unit != 10000:
                return None  # two units in a row ("十十", "百千") is not a number
            if unit == 10000:
                section = (section + (number or 0)) * unit
                total += section
                section, number, last_unit = 0, None, unit
                continue
            section += (1 if number is None else number) * unit
            number, last_unit = None, unit
            zero_seen = False
        else:
            return None
    if number is not None:
        # Spoken short form: 一百二 = 120, 三千五 = 3500 (not after a 零: 一百零二 = 102).
        if last_unit in (100, 1000, 10000) and not zero_seen:
            number *= last_unit // 10
        section += number
    return total + section


_CN_RUN = re.compile(f"[{_CN_NUM_CHARS}]+(?:点[{''.join(CN_DIGITS)}]+)?")


def _arabicize(text: str) -> str:
    """Replace runs of Chinese numerals by Arabic digits ("一百二十斤" -> "120斤")."""

    def swap(match: "re.Match[str]") -> str:
        value = chinese_number(match.group(0))
        if value is None:
            return match.group(0)
        return f"{value:g}"

    return _CN_RUN.sub(swap, text.replace("千克", "kg"))


# ---------------------------------------------------------------------------
# height and weight
# ---------------------------------------------------------------------------

HEIGHT_RANGE = (80, 230)        # accepted cm values of an explicit height
BARE_HEIGHT_RANGE = (140, 200)  # a number without unit is read as a height only here
WEIGHT_RANGE = (20.0, 200.0)    # accepted kg

_CN_DIGIT_CLASS = "零〇一二三四五六七八九十"
# 1米7 / 一米七五 / 1m70 (metres + centimetre digits)
_METRE_DIGITS = re.compile(rf"([1一])\s*(?:米|m|M)\s*([0-9{_CN_DIGIT_CLASS}]{{1,3}})(?![0-9.])")
# 1.7米 / 1.75m
_METRE_DECIMAL = re.compile(r"([12]\.\d{1,2})\s*(?:米|m(?![a-zA-Z])|M(?![a-zA-Z]))")
_CM = re.compile(r"(\d{2,3}(?:\.\d)?)\s*(?:cm|CM|Cm|厘米|公分|㎝)")
_HEIGHT_WORD = re.compile(r"(?:身高|高|个子|净身高)\s*[:：是为有约大概]*\s*(\d{2,3}(?:\.\d)?)")
_KG = re.compile(r"(\d{2,3}(?:\.\d)?)\s*(多)?\s*(?:kg|KG|Kg|kG|公斤|千克)")
_JIN = re.compile(r"(\d{2,3}(?:\.\d)?)\s*(多)?\s*斤")
_WEIGHT_WORD = re.compile(r"(?:体重|重)\s*[:：是为有约大概]*\s*(\d{2,3}(?:\.\d)?)\s*(多)?")
_BARE = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)(?![\d.])\s*(多)?")


def _metre_digits(match: "re.Match[str]") -> Optional[int]:
    digits = match.group(2)
    if any(ch in "十" for ch in digits):
        value = chinese_number(digits)
        if value is None:
            return None
        centimetres = int(value)
    else:
        text = "".join(ch if ch.isdigit() else str(CN_DIGITS.get(ch, "")) for ch in digits)
        if not text or len(text) > 2:
            return None
        centimetres = int(text) * (10 if len(text) == 1 else 1)
    return 100 + centimetres


def _height_in_range(value: float) -> Optional[int]:
    return int(round(value)) if HEIGHT_RANGE[0] <= value <= HEIGHT_RANGE[1] else None


def _explicit_height(text: str) -> Tuple[Optional[int], List[Tuple[int, int]]]:
    """(height, spans used) from forms that say they are a height."""
    for pattern, convert in (
        (_METRE_DIGITS, _metre_digits),
        (_METRE_DECIMAL, lambda m: float(m.group(1)) * 100),
    ):
        match = pattern.search(text)
        if match:
            value = convert(match)
            if value is not None and _height_in_range(value) is not None:
                return _height_in_range(value), [match.span()]
    arabic = _arabicize(text)
    for pattern in (_CM, _HEIGHT_WORD):
        match = pattern.search(arabic)
        if match:
            height = _height_in_range(float(match.group(1)))
            if height is not None:
                return height, [match.span()]
    return None, []


def normalize_height(text: str) -> Optional[int]:
    """"170", "170cm", "1米7", "一米七", "1.7米", "1m70", "身高一米六五" -> centimetres."""
    text = _clean(text)
    if text is None:
        return None
    height, _ = _explicit_height(text)
    if height is not None:
        return height
    return extract_measurements(text)[0]


def _weight_value(number: str, more: Optional[str], jin: bool) -> Optional[float]:
    value = float(number)
    if more:
        value += 5 if value >= 10 else 0.5
    if jin:
        value /= 2
    return value if WEIGHT_RANGE[0] <= value <= WEIGHT_RANGE[1] else None


def _explicit_weight(arabic: str) -> Tuple[Optional[float], Optional[Tuple[int, int]]]:
    for pattern, jin in ((_JIN, True), (_KG, False)):
        match = pattern.search(arabic)
        if match:
            value = _weight_value(match.group(1), match.group(2), jin)
            if value is not None:
                return value, match.span()
    match = _WEIGHT_WORD.search(arabic)
    if match:
        value = bare_weight(float(match.group(1)), match.group(2), None)
        if value is not None:
            return value, match.span()
    return None, None


def bare_weight(number: float, more: Optional[str], height: Optional[int]) -> Optional[float]:
    """Bare weight: 35-99 kg, 100-300 斤, BMI check for 70-99 when the height is known."""
    if more:
        number += 5 if number >= 10 else 0.5
    if 100 <= number <= 300:
        return number / 2
    if 35 <= number < 100:
        if height and number >= 70:
            metres = height / 100
            bmi_kg, bmi_jin = number / metres**2, number / 2 / metres**2
            if bmi_kg > 32 and 15 <= bmi_jin <= 28:
                return number / 2
        return float(number)
    return None


def normalize_weight(text: str) -> Optional[float]:
    """"60kg", "60公斤", "120斤" (-> 60.0), "一百二十斤", "60KG", "130多斤" (-> 67.5) -> kilograms."""
    text = _clean(text)
    if text is None:
        return None
    value, _ = _explicit_weight(_arabicize(text))
    if value is not None:
        return value
    return extract_measurements(text)[1]


def extract_measurements(text: str) -> Tuple[Optional[int], Optional[float]]:
    """(height cm, weight kg) from one message: "170 120斤", "165/50kg", "身高170体重60", "160 90"."""
    text = _clean(text)
    if text is None:
        return (None, None)
    height, spans = _explicit_height(text)
    # Blank out what was used as the height so its digits are not read again.
    rest = text
    for start, end in spans:
        rest = rest[:start] + " " * (end - start) + rest[end:]
    arabic = _arabicize(rest)
    weight, weight_span = _explicit_weight(arabic)
    if weight_span:
        arabic = arabic[: weight_span[0]] + " " * (weight_span[1] - weight_span[0]) + arabic[weight_span[1]:]
    bare = [(float(m.group(1)), m.group(2)) for m in _BARE.finditer(arabic)]
    if height is None:
        for index, (number, more) in enumerate(bare):
            if BARE_HEIGHT_RANGE[0] <= number <= BARE_HEIGHT_RANGE[1] and not more:
                height = int(round(number))
                del bare[index]
                break
    if weight is None:
        for number, more in bare:
            weight = bare_weight(number, more, height)
            if weight is not None:
                break
    return (height, weight)


# ---------------------------------------------------------------------------
# sizes and colours
# ---------------------------------------------------------------------------

CLOTHING_SIZES = ("XS", "S", "M", "L", "XL", "2XL", "3XL", "4XL")
SIZE_WORDS = {
    "均码": "均码", "均碼": "均码", "free": "均码", "freesize": "均码", "onesize": "均码", "F码": "均码",
    "特小码": "XS", "加小码": "XS", "特小号": "XS", "小码": "S", "小号": "S", "中码": "M", "中号": "M",
    "大码": "L", "大号": "L", "加大码": "XL", "加大号": "XL", "特大码": "2XL", "特大号": "2XL",
    "加加大": "2XL", "加加大码": "2XL", "加加加大": "3XL",
}
_LETTER_SIZE = re.compile(r"(?<![A-Za-z])(\d?)\s*(X{0,4})\s*([SML])(?![A-Za-z])", re.IGNORECASE)
# A letter size as a buyer writes it (XL, 2XL, xxl码), as one word: spans read these, and a size's
# own spelling that matches is left to this grammar. LETTER_SIZE_ALIASES: the spellings kefu folds.
LETTER_SIZE_WORD = re.compile(
    r"(?<![A-Za-z])(XXXXL|XXXL|XXL|XL|XS|[2-4]XL|[2-4]X|S|M|L)(?:码|號|号)?(?![A-Za-z])", re.IGNORECASE
)
LETTER_SIZE_ALIASES = {"XXXXL": "4XL", "XXXL": "3XL", "XXL": "2XL", "2X": "2XL", "3X": "3XL", "4X": "4XL"}
_NUMBER_SIZE = re.compile(r"(?<![\d.])(\d{2})\s*(?:码|號|号)?(?![\d.])")
SHOE_OR_WAIST_RANGE = (24, 48)


def normalize_size(text: str) -> Optional[str]:
    """"s"/"M"/"xl"/"XXL"/"2XL"/"加大码"/"均码"/"L码"/"38码"/"三十八码" -> "S".."4XL", "均码", "38"."""
    text = _clean(text)
    if text is None:
        return None
    compact = re.sub(r"\s+", "", text).lower()
    for word in sorted(SIZE_WORDS, key=len, reverse=True):
        if word.lower() in compact:
            return SIZE_WORDS[word]
    match = _LETTER_SIZE.search(text)
    if match:
        prefix, xs, letter = match.group(1), match.group(2).upper(), match.group(3).upper()
        if letter == "M":
            if xs or prefix:
                return None
            return "M"
        count = (int(prefix) if prefix else 0) + len(xs)
        if prefix and xs and len(xs) != 1:
            return None  # "2XXL" is not a size
        if prefix and not xs:
            return None  # "2L" is not a size
        if prefix:
            count = int(prefix)
        if letter == "S":
            return {0: "S", 1: "XS"}.get(count)
        if count == 0:
            return "L"
        if count == 1:
            return "XL"
        return f"{count}XL" if count <= 4 else None
    arabic = _arabicize(text)
    match = _NUMBER_SIZE.search(arabic)
    if match:
        value = int(match.group(1))
        if SHOE_OR_WAIST_RANGE[0] <= value <= SHOE_OR_WAIST_RANGE[1]:
            return str(value)
    return None


# Canonical colour names with the words buyers use for them (longest match wins).
COLORS: Dict[str, Tuple[str, ...]] = {
    "黑色": ("黑", "black"),
    "白色": ("白", "white"),
    "米白色": ("米白",),
    "灰色": ("灰", "grey", "gray"),
    "深灰色": ("深灰",),
    "浅灰色": ("浅灰",),
    "红色": ("红", "red"),
    "酒红色": ("酒红",),
    "粉色": ("粉", "粉红", "pink"),
    "蓝色": ("蓝", "blue"),
    "浅蓝色": ("浅蓝", "天蓝"),
    "深蓝色": ("深蓝",),
    "藏青色": ("藏青", "藏蓝", "海军蓝"),
    "绿色": ("绿", "green"),
    "军绿色": ("军绿",),
    "黄色": ("黄", "yellow"),
    "紫色": ("紫", "purple"),
    "橙色": ("橙", "橘色", "orange"),
    "卡其色": ("卡其", "khaki"),
    "驼色": ("驼", "驼色", "camel"),
    "咖啡色": ("咖啡", "咖色", "棕", "棕色", "brown"),
    "杏色": ("杏",),
}
# Words containing a colour character that are not about colour.
NOT_COLOR = ("明白", "白天", "坦白", "空白", "白白", "红包", "红利", "网红", "蓝牙", "黄金", "黑龙江", "灰心",
              "粉丝", "骆驼", "黄牛", "白条", "白跑")


def strip_noise(text: str) -> str:
    for word in NOT_COLOR:
        text = text.replace(word, " ")
    return text


def normalize_color(text: str, known: Optional[Iterable[str]] = None) -> Optional[str]:
    """"黑"/"黑的"/"黑色款" -> "黑色". With ``known`` (a product's colours) only those are returned,
    and an ambiguous stem ("蓝的" when 浅蓝色 and 深蓝色 exist) gives None."""
    text = _clean(text)
    if text is None:
        return None
    lowered = strip_noise(text.lower())
    if known is not None:
        options = [k for k in known if isinstance(k, str) and k]
        for option in sorted(options, key=len, reverse=True):
            if option.lower() in lowered:
                return option
        # canonical colour named by the buyer, then the known colours it can mean
        canonical = normalize_color(text)
        if canonical in options:
            return canonical
        stems = []
        for option in options:
            stem = option[:-1] if option.endswith("色") and len(option) > 1 else option
            if stem.lower() in lowered:
                stems.append((len(stem), option))
        if stems:
            stems.sort(reverse=True)
            longest = [o for n, o in stems if n == stems[0][0]]
            return longest[0] if len(longest) == 1 else None
        if canonical:
            family = [o for o in options if canonical[:-1] and canonical[:-1] in o]
            return family[0] if len(family) == 1 else None
        return None
    best: Optional[Tuple[int, str]] = None
    for name, words in COLORS.items():
        for word in (name,) + words:
            if word.lower() in lowered and (best is None or len(word) > best[0]):
                best = (len(word), name)
    return best[1] if best else None


# ---------------------------------------------------------------------------
# provinces
# ---------------------------------------------------------------------------

PROVINCES: Dict[str, Tuple[str, ...]] = {
    "北京": ("北京市",), "天津": ("天津市",), "上海": ("上海市", "沪"), "重庆": ("重庆市", "渝"),
    "河北": ("河北省", "石家庄", "唐山", "保定", "邯郸", "廊坊", "秦皇岛", "张家口", "沧州"),
    "山西": ("山西省", "太原", "大同", "运城", "临汾"),
    "内蒙古": ("内蒙古自治区", "内蒙", "呼和浩特", "包头", "鄂尔多斯", "赤峰"),
    "辽宁": ("辽宁省", "沈阳", "大连", "鞍山", "锦州"),
    "吉林": ("吉林省", "长春", "延边"),
    "黑龙江": ("黑龙江省", "哈尔滨", "大庆", "齐齐哈尔", "牡丹江"),
    "江苏": ("江苏省", "南京", "苏州", "无锡", "常州", "南通", "扬州", "徐州", "镇江", "盐城", "昆山"),
    "浙江": ("浙江省", "杭州", "宁波", "温州", "绍兴", "嘉兴", "金华", "义乌", "台州", "湖州", "丽水", "舟山"),
    "安徽": ("安徽省", "合肥", "芜湖", "蚌埠", "阜阳", "安庆"),
    "福建": ("福建省", "福州", "厦门", "泉州", "漳州", "莆田"),
    "江西": ("江西省", "南昌", "赣州", "九江", "上饶"),
    "山东": ("山东省", "济南", "青岛", "烟台", "潍坊", "临沂", "淄博", "威海", "济宁"),
    "河南": ("河南省", "郑州", "洛阳", "开封", "南阳", "新乡"),
    "湖北": ("湖北省", "武汉", "宜昌", "襄阳", "荆州", "十堰"),
    "湖南": ("湖南省", "长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德"),
    "广东": ("广东省", "广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州", "汕头", "江门", "湛江"),
    "广西": ("广西壮族自治区", "广西省", "南宁", "桂林", "柳州", "北海"),
    "海南": ("海南省", "海口", "三亚"),
    "四川": ("四川省", "成都", "绵阳", "德阳", "宜宾", "南充", "乐山"),
    "贵州": ("贵州省", "贵阳", "遵义"),
    "云南": ("云南省", "昆明", "大理", "丽江", "曲靖", "西双版纳"),
    "西藏": ("西藏自治区", "拉萨", "日喀则", "林芝"),
    "陕西": ("陕西省", "西安", "宝鸡", "咸阳", "延安"),
    "甘肃": ("甘肃省", "兰州", "天水", "酒泉", "嘉峪关"),
    "青海": ("青海省", "西宁", "格尔木"),
    "宁夏": ("宁夏回族自治区", "银川"),
    "新疆": ("新疆维吾尔自治区", "乌鲁木齐", "喀什", "伊犁", "克拉玛依", "库尔勒", "阿克苏", "哈密", "吐鲁番", "石河子"),
    "香港": ("香港特别行政区",), "澳门": ("澳门特别行政区",), "台湾": ("台湾省", "台北"),
}
_PROVINCE_WORDS: Optional[List[Tuple[str, str]]] = None


# Place names that are also everyday words: 「开封后」 is opening the bag, not the city in 河南.
_NOT_A_PLACE = re.compile(r"(?<![在到去寄发从])开封(?=后|了|过|前|的话|之后|以后|就|能|可以|吃)|(?:未|没|已|不|拆|打)开封")


def normalize_province(text: str) -> Optional[str]:
    """"新疆"/"新疆维吾尔自治区"/"乌鲁木齐"/"广州"/"上海市" -> short province name ("新疆", "广东", "上海")."""
    global _PROVINCE_WORDS
    text = _clean(text)
    if text is None:
        return None
    if _PROVINCE_WORDS is None:
        words = [(short, short) for short in PROVINCES]
        words += [(word, short) for short, aliases in PROVINCES.items() for word in aliases if len(word) > 1]
        _PROVINCE_WORDS = sorted(words, key=lambda pair: len(pair[0]), reverse=True)
    best: Optional[Tuple[int, str]] = None  # earliest mention wins, longest word at that position
    text = _NOT_A_PLACE.sub(lambda m: " " * len(m.group(0)), text)
    for word, short in _PROVINCE_WORDS:
        position = text.find(word)
        if position >= 0 and (best is None or position < best[0]):
            best = (position, short)
    if best:
        return best[1]
    single = text.strip()
    for short, aliases in PROVINCES.items():
        if single in aliases:  # one-character abbreviations only on their own (沪, 渝)
            return short
    return None


# ---------------------------------------------------------------------------
# order ids, invoices, return reasons
# ---------------------------------------------------------------------------

# An order number in running text: 15 to 20 digits (the one home of this pattern; kefu/shop/catalog.py
# anchors it to validate shop data, kefu/dialogue/spans.py reads it as a span).
ORDER_NUMBER = re.compile(r"(?<!\d)\d{15,20}(?!\d)")
_SPACED_DIGITS = re.compile(r"(?<![\d])\d{2,}(?:[ \t\-–—_]{1,2}\d{2,}){1,9}(?!\d)")
# A mainland mobile number in running text (the one home of this pattern for reading buyer text).
MOBILE_NUMBER = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def normalize_order_id(text: str) -> Optional[str]:
    """An order number of 15-20 digits, tolerant of spaces/dashes ("2611 2208 4512 3456 701").

    11-digit mobile numbers are never taken for (part of) an order number.
    """
    text = _clean(text)
    if text is None:
        return None
    text = text.replace("ＮＯ", "").replace("：", ":")
    match = ORDER_NUMBER.search(text)
    if match:
        return match.group(0)
    for candidate in _SPACED_DIGITS.finditer(text):
        groups = re.split(r"[ \t\-–—_]+", candidate.group(0))
        if any(MOBILE_NUMBER.fullmatch(group) for group in groups):
            continue
        digits = "".join(groups)
        if 15 <= len(digits) <= 20:
            return digits
    return None


def normalize_invoice_type(text: str) -> Optional[str]:
    """-> "电子普票" | "纸质普票" | "专票" ("增值税专用发票", "纸质发票", "电子发票", "普票", ...)."""
    text = _clean(text)
    if text is None:
        return None
    lowered = text.lower()
    if "专票" in lowered or "专用发票" in lowered or "专用" in lowered and "发票" in lowered or "增值税专" in lowered:
        return "专票"
    if "纸质" in lowered or "纸票" in lowered or "纸的" in lowered or "纸版" in lowered:
        return "纸质普票"
    if any(word in lowered for word in ("电子", "电票", "普票", "普通发票", "普通的", "pdf", "发票")):
        return "电子普票"
    return None


_NOT_QUALITY = re.compile(r"(?:没有?|不是|并非|无|不存在)(?:什么)?(?:质量|品质)问题")
_QUALITY_WORDS = ("质量", "品质", "破", "洞", "开线", "脱线", "掉色", "褪色", "染色", "起球", "瑕疵", "污渍", "脏",
                  "坏", "发错", "错发", "少发", "漏发", "不符", "货不对板", "断了", "开胶", "异味", "味道大",
                  "做工", "线头", "残次", "次品", "假货", "缩水", "变形", "掉毛", "跑绒", "钻绒", "掉绒", "quality")
_NO_REASON_WORDS = ("无理由", "不喜欢", "不想要", "不要了", "不合适", "不合身", "大了", "小了", "偏大", "偏小",
                    "买错", "拍错", "拍多", "买多", "尺码不对", "颜色不喜欢", "不好看", "风格", "穿着不好看",
                    "改变主意", "不需要", "no_reason", "后悔")


def normalize_return_reason(text: str) -> Optional[str]:
    """-> "quality" (defect, wrong item: shop pays return shipping) | "no_reason" (changed mind, fit)."""
    text = _clean(text)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in ("quality", "no_reason"):
        return lowered
    if _NOT_QUALITY.search(lowered):
        return "no_reason"
    if any(word in lowered for word in _QUALITY_WORDS):
        return "quality"
    if any(word in lowered for word in _NO_REASON_WORDS):
        return "no_reason"
    return None
