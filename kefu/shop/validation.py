"""Reading shop YAML with errors that name the file and the entry.

A shop operator edits these files by hand; a mistake must come back as one line
such as ``shop/catalog.yml: products[2].skus[0]: stock must be a whole number ≥ 0``,
never as a Python traceback.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import yaml

from kefu.encoding import UnknownEncoding, decode_bytes
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


class Node:
    """A value inside a YAML document plus where it is, for error messages."""

    def __init__(self, value: Any, file: str, where: str = "", line: Optional[int] = None) -> None:
        self.value = value
        self.file = file
        self.where = where
        self.line = line

    # -- navigation -------------------------------------------------------
    def fail(self, message: str) -> "ShopDataError":
        """``file: entry: field message``, e.g. ``shop/catalog.yml: products[2].skus[0]: stock must be ...``."""
        where = self.where
        if where and not where.endswith("]"):
            parent, _, key = where.rpartition(".")
            if "[" in key:  # key[3] of a top-level list: keep the whole path
                parent, key = where, ""
            if key:
                where, message = parent, f"{key} {message}"
        location = f"{self.file}: {where}: " if where else f"{self.file}: "
        line = f" (line {self.line})" if self.line else ""
        return ShopDataError(location + message + line)

    def province(self) -> str:
        """A province's short name (新疆, 广东); a typo gets the closest valid one."""
        from kefu.normalize import PROVINCES

        value = self.text(20)
        if value in PROVINCES:
            return value
        for short, aliases in PROVINCES.items():
            if value in aliases:
                return short
        hint = closest(value, list(PROVINCES))
        raise self.fail(f"{value} is not a province" + (f" (did you mean {hint}?)" if hint else ""))

    def _child_where(self, key: Union[str, int]) -> str:
        if isinstance(key, int):
            return f"{self.where}[{key}]"
        return f"{self.where}.{key}" if self.where else str(key)

    def mapping(self) -> Dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail("must be a mapping (key: value)")
        return self.value

    def _line_of(self, key: Any) -> Optional[int]:
        lines = getattr(self.value, "lines", None)
        if isinstance(lines, dict):
            return lines.get(key, self.line)
        if isinstance(lines, list) and isinstance(key, int) and key < len(lines):
            return lines[key]
        return self.line

    def get(self, key: str, default: Any = ..., ) -> "Node":
        data = self.mapping()
        if key not in data or data[key] is None:
            if default is ...:
                raise Node(None, self.file, self._child_where(key), self.line).fail("is required")
            return Node(default, self.file, self._child_where(key), self._line_of(key))
        return Node(data[key], self.file, self._child_where(key), self._line_of(key))

    def keys(self, allowed: Sequence[str]) -> "Node":
        """Reject keys the shop files do not know (a typo must not be ignored silently)."""
        for key in self.mapping():
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), list(allowed), n=1)
                known = f"did you mean {hint[0]}?" if hint else f"known keys: {', '.join(allowed)}"
                raise Node(key, self.file, self._child_where(str(key)), self._line_of(key)).fail(
                    f"is not a known key ({known})")
        return self

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def items(self) -> List[Tuple[str, "Node"]]:
        return [(str(k), Node(v, self.file, self._child_where(str(k)), self._line_of(k))) for k, v in self.mapping().items()]

    def list(self, allow_empty: bool = True) -> List["Node"]:
        if self.value is None:
            self.value = []
        if not isinstance(self.value, list):
            raise self.fail("must be a list")
        if not allow_empty and not self.value:
            raise self.fail("must not be empty")
        return [Node(v, self.file, self._item_where(i, v), self._line_of(i)) for i, v in enumerate(self.value)]

    def _item_where(self, index: int, value: Any) -> str:
        """``products[1] (p1002)``: an entry with an id is named by it, not only by its position."""
        where = self._child_where(index)
        if isinstance(value, dict):
            label = value.get("id") or value.get("order_id")
            if isinstance(label, (str, int)) and str(label).strip():
                where += f" ({label})"
        return where

    # -- typed values -----------------------------------------------------
    def text(self, max_len: int = 500) -> str:
        if isinstance(self.value, bool) or not isinstance(self.value, (str, int, float)):
            raise self.fail("must be text")
        value = str(self.value).strip()
        if not value:
            raise self.fail("must not be empty")
        if len(value) > max_len:
            raise self.fail(f"must be at most {max_len} characters")
        return value

    def optional_text(self, max_len: int = 500) -> str:
        return "" if self.value in (None, "") else self.text(max_len)

    def texts(self, allow_empty: bool = True) -> Tuple[str, ...]:
        return tuple(node.text() for node in self.list(allow_empty=allow_empty))

    def whole(self, minimum: Optional[int] = 0, maximum: Optional[int] = None) -> int:
        value = self.value
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and minimum is not None and value < minimum:
            ok = False
        if ok and maximum is not None and value > maximum:
            ok = False
        if not ok:
            bounds = f" ≥ {minimum}" if minimum is not None else ""
            if maximum is not None:
                bounds = f" between {minimum} and {maximum}"
            raise self.fail(f"must be a whole number{bounds}")
        return int(value)

    def number(self, minimum: float = 0.0, maximum: Optional[float] = None) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail("must be a number")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"≥ {minimum:g}"
            raise self.fail(f"must be a number {bound}")
        return float(value)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("must be true or false")
        return self.value

    def time(self) -> dt.time:
        value = self.value
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 16:00 as the sexagesimal integer 960.
            if 0 <= value < 24 * 60:
                return dt.time(value // 60, value % 60)
        if isinstance(value, str):
            match = _TIME.match(value.strip())
            if match:
                return dt.time(int(match.group(1)), int(match.group(2)))
        raise self.fail('must be a time of day like "16:00"')

    def date(self) -> dt.date:
        value = self.value
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail("must be a date like 2026-12-05")

    def datetime(self, tz: dt.tzinfo) -> dt.datetime:
        value = self.value
        parsed: Optional[dt.datetime] = None
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                parsed = None
        if parsed is None:
            raise self.fail('must be a date and time like "2026-11-20 14:30"')
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(tz)

    def day_range(self) -> Tuple[int, int]:
        items = self.list()
        if len(items) != 2:
            raise self.fail("must be [min, max] days")
        low, high = items[0].whole(minimum=0, maximum=60), items[1].whole(minimum=0, maximum=60)
        if low > high:
            raise self.fail("min days must not exceed max days")
        return (low, high)

    def choice(self, options: Sequence[str]) -> str:
        if self.value not in options:
            raise self.fail(f"must be one of {', '.join(options)}")
        return str(self.value)
