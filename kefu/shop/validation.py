"""Reading shop YAML with errors that name the file and the entry.

A shop operator edits these files by hand; a mistake must come back as one line
such as ``shop/catalog.yml: products[2].skus[0]: stock must be a whole number ≥ 0``,
never as a Python traceback.

The shape of a file is a pydantic (1.10) model (:mod:`kefu.shop.schema`) built from the
field types below (:func:`text`, :func:`whole`, :func:`choice`, ...), each of which fails
with the operator's sentence; :func:`validate` runs a model over the YAML and turns
pydantic's first error into that one line, with the entry (``products[2] (p1003)``) and
the line number the YAML loader remembered.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, TypeVar, Union

import pydantic
import yaml
from pydantic.errors import PydanticValueError

from kefu.encoding import UnknownEncoding, decode_bytes
from kefu.normalize import PROVINCES
from kefu.settings import PROJECT_ROOT


class ShopDataError(ValueError):
    """A shop file is missing, unreadable or holds an invalid entry."""

    def chinese(self) -> str:
        """The same message for a shop operator who reads Chinese (file, entry and line kept)."""
        return to_chinese(str(self))


# English phrases of the checks below -> Chinese, longest first (the file, entry, values and line stay as they are).
_CHINESE = (
    (r"is not a known key \(did you mean (.+?)\?\)", r"不是可用的键（是不是想写 \1？）"),
    (r"is not a known key \(known keys: (.+?)\)", r"不是可用的键（可用的键：\1）"),
    (r"is not a known measurement \(did you mean (.+?)\?\)", r"不是已知的测量项（是不是想写 \1？）"),
    (r"is not a known measurement \(declare it under custom_measures\)", "不是已知的测量项（请在 custom_measures 里定义）"),
    (r"is a built-in measurement \((\S+)\): list it under measures", r"是内置的测量项（单位 \1），直接写在 measures 里"),
    (r"is not a province \(did you mean (.+?)\?\)", r"不是省份名（是不是想写 \1？）"),
    (r"is not a province", "不是省份名"),
    (r"is not in the (\S+) size chart \((.+?)\)", r"不在「\1」的尺码里（可选：\2）"),
    (r"is not in size_systems \((.+?)\)", r"不在 size_systems 里（已有：\1）"),
    (r"is not in this size system's measures \((.+?)\)", r"不在这个尺码体系的 measures 里（已有：\1）"),
    (r"is not given for any size", "没有任何一个尺码写了这个测量值"),
    (r"is already a spelling of size (\S+)", r"已经是尺码 \1 的写法"),
    (r"names no fact of this product \(facts: (.+?)\)", r"不是这个商品 facts 里的标签（已有：\1）"),
    (r"needs a color or a size \(or both\)", "至少要有颜色或尺码"),
    (r"needs a color or a size", "至少要有颜色或尺码"),
    (r"is not a sku of (\S+)", r"不是商品 \1 的 SKU"),
    (r"goes inside items when the order has items", "订单有 items 时要写在 items 里"),
    (r"is not a product in the catalog", "不是 catalog.yml 里的商品"),
    (r"has no chart in size_charts", "在 size_charts 里没有尺码表"),
    (r"is also a size_charts entry", "和 size_charts 里的名字重复"),
    (r"lists a measurement twice", "重复写了同一个测量项"),
    (r"mixes shoe rows \(foot\) with clothing rows \(height, weight\)", "混用了脚长行和身高体重行"),
    (r"only applies to skus with stock 0", "只适用于库存为 0 的 SKU"),
    (r"is before from", "早于 from"),
    (r"is used by an earlier (\S+)", r"已被前面的 \1 使用"),
    (r"appears twice", "出现了两次"),
    (r"duplicate sku", "重复的 SKU"),
    (r"must be a whole number between (\S+) and (\S+)", r"必须是 \1 到 \2 之间的整数"),
    (r"must be a whole number ≥ (\S+)", r"必须是 ≥ \1 的整数"),
    (r"must be a number between (\S+) and (\S+)", r"必须是 \1 到 \2 之间的数字"),
    (r"must be a number ≥ (\S+)", r"必须是 ≥ \1 的数字"),
    (r"must be a number", "必须是数字"),
    (r"must be a mapping \(key: value\)", "必须是键值对（key: value）"),
    (r"must be a list", "必须是列表"),
    (r"must not be empty", "不能为空"),
    (r"must be text", "必须是文字"),
    (r"must be at most (\d+) characters", r"最多 \1 个字"),
    (r"must be true or false", "必须是 true 或 false"),
    (r"must be a time of day like", "必须是时间，例如"),
    (r"must be a date and time like", "必须是日期和时间，例如"),
    (r"must be a date like", "必须是日期，例如"),
    (r"must be one of", "必须是以下之一："),
    (r"must be \[min, max\] days", "必须写成 [最少天数, 最多天数]"),
    (r"must be \[min, max\]", "必须写成 [最小值, 最大值]"),
    (r"min must be below max", "最小值必须小于最大值"),
    (r"min days must not exceed max days", "最少天数不能大于最多天数"),
    (r"must be 15 to 20 digits \(quote it in YAML\)", "必须是 15 到 20 位数字（在 YAML 里加引号）"),
    (r"must be an 11-digit mobile number \(quote it in YAML\)", "必须是 11 位手机号（在 YAML 里加引号）"),
    (r"is required", "必须填写"),
    (r"file not found", "文件不存在"),
    (r"invalid YAML", "YAML 格式错误"),
    (r" ?\(line (\d+)\)", r"（第 \1 行）"),
    (r"line (\d+):", r"第 \1 行："),
)


def to_chinese(message: str) -> str:
    """``shop/catalog.yml: products[2].skus[0]: stock must be a whole number ≥ 0 (line 12)`` ->
    ``shop/catalog.yml: products[2].skus[0]: stock 必须是 ≥ 0 的整数（第 12 行）``."""
    for pattern, replacement in _CHINESE:
        message = re.sub(pattern, replacement, message)
    return message


def display_path(path: Path) -> str:
    """``shop/catalog.yml`` for files inside the project, the full path otherwise."""
    path = Path(path)
    for base in (Path.cwd(), PROJECT_ROOT):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


class YamlMap(dict):
    """A YAML mapping that remembers the line of each key (for error messages)."""

    lines: Dict[Any, int]


class YamlList(list):
    """A YAML sequence that remembers the line of each item."""

    lines: List[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records lines, and reads an impossible date (2026-12-32) as text so the
    checks can name it instead of a traceback."""

    def construct_yaml_map_lines(self, node: yaml.MappingNode) -> Any:
        data = YamlMap()
        data.lines = {}
        yield data
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            data[key] = self.construct_object(value_node, deep=True)
            data.lines[key] = key_node.start_mark.line + 1

    def construct_yaml_seq_lines(self, node: yaml.SequenceNode) -> Any:
        data = YamlList()
        data.lines = []
        yield data
        for item in node.value:
            data.append(self.construct_object(item, deep=True))
            data.lines.append(item.start_mark.line + 1)

    def construct_yaml_timestamp_or_text(self, node: yaml.ScalarNode) -> Any:
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(self, node)
        except ValueError:
            return self.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map_lines)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq_lines)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp_or_text)


def read_yaml(path: Path) -> Any:
    where = display_path(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ShopDataError(f"{where}: file not found") from None
    except OSError as exc:
        raise ShopDataError(f"{where}: cannot read ({exc.__class__.__name__}: {exc})") from None
    try:
        text = decode_bytes(data)[0]  # UTF-8, BOM or GBK (Notepad on Chinese Windows)
    except UnknownEncoding as exc:
        raise ShopDataError(f"{where}: {exc.zh}\n  ({where}: {exc.en})") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ShopDataError(f"{where}:{line}: invalid YAML ({problem})") from None


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def closest(value: str, options: Sequence[str]) -> Optional[str]:
    """The option a typo most likely meant: shared characters, and the same characters in the same place
    (新彊 -> 新疆, 西臧 -> 西藏, not 陕西)."""
    def score(option: str) -> float:
        same_place = sum(a == b for a, b in zip(value, option)) / max(len(value), len(option))
        return difflib.SequenceMatcher(None, value, option).ratio() + same_place

    best = max(options, key=score, default=None)
    return best if best is not None and score(best) >= 0.5 else None


def located(file: str, where: str, message: str, line: Optional[int] = None) -> ShopDataError:
    """``file: entry: field message (line N)``, e.g. ``shop/catalog.yml: products[2].skus[0]: stock must be ...``."""
    if where and not where.endswith("]"):
        parent, _, key = where.rpartition(".")
        if "[" in key:  # key[3] of a top-level list: keep the whole path
            parent, key = where, ""
        if key:
            where, message = parent, f"{key} {message}"
    location = f"{file}: {where}: " if where else f"{file}: "
    return ShopDataError(location + message + (f" (line {line})" if line else ""))


# -- the schema's field types ---------------------------------------------------------------------

class Invalid(PydanticValueError):
    """A value the operator must fix: ``message`` is the sentence; ``at`` the keys below the field."""

    code = "shop"
    msg_template = "{message}"


def field_type(name: str, check: Callable[[Any], Any]) -> Any:
    """A pydantic field type whose only validator is ``check``."""
    return type(name, (), {"__get_validators__": classmethod(lambda cls: iter((check,)))})


def check_text(value: Any, max_len: int = 500) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(message="must be text")
    text_value = str(value).strip()
    if not text_value:
        raise Invalid(message="must not be empty")
    if len(text_value) > max_len:
        raise Invalid(message=f"must be at most {max_len} characters")
    return text_value


def text(max_len: int = 500) -> Any:
    return field_type("Text", lambda value: check_text(value, max_len))


def optional_text(max_len: int = 500) -> Any:
    return field_type("OptionalText", lambda value: "" if value in (None, "") else check_text(value, max_len))


def check_whole(value: Any, minimum: Optional[int] = 0, maximum: Optional[int] = None) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool)
    if ok and minimum is not None and value < minimum:
        ok = False
    if ok and maximum is not None and value > maximum:
        ok = False
    if not ok:
        bounds = f" ≥ {minimum}" if minimum is not None else ""
        if maximum is not None:
            bounds = f" between {minimum} and {maximum}"
        raise Invalid(message=f"must be a whole number{bounds}")
    return int(value)


def whole(minimum: Optional[int] = 0, maximum: Optional[int] = None) -> Any:
    return field_type("Whole", lambda value: check_whole(value, minimum, maximum))


def check_number(value: Any, minimum: float = 0.0, maximum: Optional[float] = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(message="must be a number")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"≥ {minimum:g}"
        raise Invalid(message=f"must be a number {bound}")
    return float(value)


def number(minimum: float = 0.0, maximum: Optional[float] = None) -> Any:
    return field_type("Number", lambda value: check_number(value, minimum, maximum))


def check_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(message="must be true or false")
    return value


Boolean = field_type("Boolean", check_boolean)


def check_choice(value: Any, options: Sequence[str]) -> str:
    if value not in options:
        raise Invalid(message=f"must be one of {', '.join(options)}")
    return str(value)


def choice(options: Sequence[str]) -> Any:
    return field_type("Choice", lambda value: check_choice(value, options))


def check_time(value: Any) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 16:00 as the sexagesimal integer 960.
        if 0 <= value < 24 * 60:
            return dt.time(value // 60, value % 60)
    if isinstance(value, str):
        match = _TIME.match(value.strip())
        if match:
            return dt.time(int(match.group(1)), int(match.group(2)))
    raise Invalid(message='must be a time of day like "16:00"')


TimeOfDay = field_type("TimeOfDay", check_time)


def _iso(value: Any, parse: Callable[[str], Any], message: str) -> Any:
    """``value`` written as ISO text, parsed by ``parse``; ``message`` otherwise."""
    if isinstance(value, str):
        try:
            return parse(value.strip())
        except ValueError:
            pass
    raise Invalid(message=message)


def check_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _iso(value, dt.date.fromisoformat, "must be a date like 2026-12-05")


Date = field_type("Date", check_date)


def _pair(value: Any, check_item: Callable[[Any], Any], shape: str) -> List[Any]:
    """``[min, max]``: two items, each checked by ``check_item`` (an error names ``[0]`` or ``[1]``)."""
    if not isinstance(value, list):
        raise Invalid(message="must be a list")
    if len(value) != 2:
        raise Invalid(message=f"must be {shape}")
    bounds = []
    for index, item in enumerate(value):
        try:
            bounds.append(check_item(item))
        except Invalid as exc:
            raise Invalid(message=str(exc), at=(index,)) from None
    return bounds


def check_day_range(value: Any) -> Tuple[int, int]:
    bounds = _pair(value, lambda item: check_whole(item, 0, 60), "[min, max] days")
    if bounds[0] > bounds[1]:
        raise Invalid(message="min days must not exceed max days")
    return (bounds[0], bounds[1])


DayRange = field_type("DayRange", check_day_range)


def province_name(value: Any) -> str:
    """A province's short name (新疆, 广东); a typo gets the closest valid one."""
    name = check_text(value, 20)
    if name in PROVINCES:
        return name
    for short, aliases in PROVINCES.items():
        if name in aliases:
            return short
    hint = closest(name, list(PROVINCES))
    raise Invalid(message=f"{name} is not a province" + (f" (did you mean {hint}?)" if hint else ""))


Province = field_type("Province", province_name)


def _province_key(value: Any) -> str:
    try:
        return province_name(value)
    except Invalid as exc:  # named by the key itself: ``delivery_days: 新彊 is not a province``
        raise Invalid(message=str(exc).replace(f"{value} ", "", 1), at=(str(value),)) from None


ProvinceKey = field_type("ProvinceKey", _province_key)


class Section(pydantic.BaseModel):
    """A mapping in a shop file: only its own keys (a typo must not be ignored silently)."""

    class Config:
        extra = pydantic.Extra.ignore  # unknown keys are refused by _known_keys, with a hint
        allow_population_by_field_name = True

    @pydantic.root_validator(pre=True)
    def _known_keys(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        allowed = [field.alias for field in cls.__fields__.values()]
        for key in values:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                known = f"did you mean {hint[0]}?" if hint else f"known keys: {', '.join(allowed)}"
                raise Invalid(message=f"is not a known key ({known})", at=(str(key),))
        return values


def matching(pattern: "re.Pattern[str]", message: str) -> Any:
    """A pydantic validator: the text must match ``pattern`` (an id's form, a phone number)."""
    def check(cls: Any, value: str) -> str:
        if not pattern.match(value):
            raise Invalid(message=message)
        return value

    return check


M = TypeVar("M", bound=pydantic.BaseModel)

_PYDANTIC_MESSAGES = {
    "value_error.missing": "is required",
    "type_error.none.not_allowed": "is required",
    "type_error.dict": "must be a mapping (key: value)",
    "type_error.list": "must be a list",
    "value_error.list.min_items": "must not be empty",
}


def _without_nones(value: Any) -> Any:
    """A key written with no value (``coupons:``) counts as not written, as the defaults say."""
    if isinstance(value, dict):
        return {k: _without_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nones(v) for v in value]
    return value


def validate(model: Type[M], data: Any, file: str) -> M:
    """``data`` (from :func:`read_yaml`) as ``model``; the first problem as one :class:`ShopDataError`."""
    if not isinstance(data, dict):
        raise located(file, "", "must be a mapping (key: value)")
    try:
        return model.parse_obj(_without_nones(data))
    except pydantic.ValidationError as exc:
        raise schema_error(exc, data, file) from None


def schema_error(exc: pydantic.ValidationError, data: Any, file: str) -> ShopDataError:
    """pydantic's first error -> ``file: entry: field message (line N)``, entry and line from ``data``."""
    error = exc.errors()[0]
    context = error.get("ctx") or {}
    message = context.get("message") or _PYDANTIC_MESSAGES.get(error["type"], error["msg"])
    path = [part for part in error["loc"] if part not in ("__root__", "__key__")] + list(context.get("at", ()))
    return error_at(data, file, path, message)


def error_at(data: Any, file: str, path: Sequence[Union[str, int]], message: str) -> ShopDataError:
    """The error for the value at ``path`` in ``data`` (``("products", 2, "skus", 0, "stock")``):
    a check made after the schema (a size in its chart, an order's product) names it the same way."""
    where, line, node = "", None, data
    for part in path:
        lines = getattr(node, "lines", None)
        child = None
        if isinstance(part, int):
            where += f"[{part}]"
            if isinstance(node, list) and part < len(node):
                child = node[part]
                line = lines[part] if isinstance(lines, list) and part < len(lines) else line
                label = (child.get("id") or child.get("order_id")) if isinstance(child, dict) else None
                if isinstance(label, (str, int)) and str(label).strip():
                    where += f" ({label})"
        else:
            where = f"{where}.{part}" if where else str(part)
            if isinstance(node, dict):
                key = next((k for k in node if str(k) == str(part)), part)
                child = node.get(key)
                line = lines.get(key, line) if isinstance(lines, dict) else line
        node = child
    return located(file, where, message, line)


def check_datetime(value: Any) -> dt.datetime:
    """A date and time as written (its time zone, if any, is applied by the reader of the file)."""
    if isinstance(value, dt.datetime):
        return value
    return _iso(value, dt.datetime.fromisoformat, 'must be a date and time like "2026-11-20 14:30"')


DateTime = field_type("DateTime", check_datetime)


def check_range(value: Any, low: float, high: float, allow_equal: bool = False) -> Tuple[float, float]:
    bounds = _pair(value, lambda item: check_number(item, low, high), "[min, max]")
    if bounds[0] > bounds[1] or (bounds[0] == bounds[1] and not allow_equal):
        raise Invalid(message="min must be below max")
    return (bounds[0], bounds[1])


def number_range(low: float, high: float, allow_equal: bool = False) -> Any:
    return field_type("Range", lambda value: check_range(value, low, high, allow_equal))
