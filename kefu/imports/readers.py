"""Read a back-office export (CSV in UTF-8, UTF-8 with BOM, GBK/GB18030, or XLSX) into rows of cells.

Cells keep their types from XLSX (an order number typed as a number arrives as
``int`` or, fatally, ``float``) so :mod:`kefu.imports.records` can tell a lost
order number from a good one. CSV cells are strings exactly as written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Sequence, Tuple

from kefu.encoding import UnknownEncoding, decode_bytes
from kefu.imports.errors import ImportDataError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
# Tried in this order; GB18030 is a superset of GBK and GB2312 (what Excel on Chinese Windows writes).


@dataclass(frozen=True)
class Table:
    """Every row of one sheet or CSV file; ``rows[i]`` is file row ``i + 1`` (as Excel numbers them)."""

    file: str
    rows: Tuple[Tuple[Any, ...], ...]
    encoding: str


def read_table(path: Path, display: str = "") -> Table:
    """The rows of ``path`` (.csv/.txt/.tsv or .xlsx); :class:`ImportDataError` for anything unreadable."""
    path = Path(path)
    name = display or path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportDataError(name, "文件不存在", "file not found") from None
    except OSError as exc:
        raise ImportDataError(name, f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise ImportDataError(name, f"文件太大（{size // 1_048_576} MB，上限 {MAX_FILE_BYTES // 1_048_576} MB），请分批导出",
                              f"file too large ({size} bytes, limit {MAX_FILE_BYTES}); export in smaller batches")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, name)
    if suffix == ".xls":
        raise ImportDataError(name, "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV",
                              "legacy .xls is not supported; save as .xlsx or CSV in Excel")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportDataError(name, f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})") from None
    if data[:2] == b"PK":
        return _read_xlsx(path, name)
    text, encoding = decode(data, name)
    return Table(name, _parse_csv(text, name), encoding)


def decode(data: bytes, name: str) -> Tuple[str, str]:
    """(text, encoding) of an export file; an undecodable one -> ImportDataError naming the file."""
    try:
        return decode_bytes(data)
    except UnknownEncoding as exc:
        raise ImportDataError(name, exc.zh, exc.en) from None


def _parse_csv(text: str, name: str) -> Tuple[Tuple[Any, ...], ...]:
    if "\x00" in text:
        raise ImportDataError(name, "文件含有空字符，不是文本表格", "the file contains NUL characters: not a text table")
    # The delimiter splits the header most: judged over the first lines, as a title line may come first.
    lines = [line for line in text.splitlines()[:20] if line.strip()][:10] or [""]
    delimiter = max((",", "\t", ";"), key=lambda d: max(line.count(d) for line in lines))
    rows: List[Tuple[Any, ...]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            rows.append(tuple(row))
            if len(rows) > MAX_ROWS:
                raise ImportDataError(name, f"行数超过上限 {MAX_ROWS}，请分批导出", f"more than {MAX_ROWS} rows; export in batches")
    except csv.Error as exc:
        raise ImportDataError(name, f"CSV 格式错误（{exc}）", f"malformed CSV ({exc})", row=reader.line_num) from None
    return tuple(rows)


def _read_xlsx(path: Path, name: str) -> Table:
    import openpyxl  # deferred: heavy, only for XLSX files
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportDataError(name, f"不是有效的 XLSX 文件（{exc.__class__.__name__}）",
                              f"not a valid XLSX file ({exc.__class__.__name__})") from None
    except Exception as exc:  # zipfile.BadZipFile and friends from a damaged file
        raise ImportDataError(name, f"XLSX 文件已损坏（{exc.__class__.__name__}）",
                              f"damaged XLSX file ({exc.__class__.__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        rows: List[Tuple[Any, ...]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(tuple("" if cell is None else cell for cell in row))
            if len(rows) > MAX_ROWS:
                raise ImportDataError(name, f"行数超过上限 {MAX_ROWS}，请分批导出", f"more than {MAX_ROWS} rows; export in batches")
    finally:
        workbook.close()
    return Table(name, tuple(rows), "xlsx")


def header_index(rows: Sequence[Tuple[Any, ...]], wanted: Sequence[str], scan: int = 10) -> int:
    """Index of the header row: the one among the first ``scan`` rows naming most ``wanted`` columns
    (some exports put a title or export-time line above the header)."""
    best, best_hits = 0, -1
    for index, row in enumerate(rows[:scan]):
        names = {clean_header(cell) for cell in row}
        hits = sum(1 for name in wanted if name in names)
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def clean_header(cell: Any) -> str:
    """A header as compared with column maps: no BOM, no surrounding spaces, no Excel ``="..."``."""
    text = str(cell).replace("\ufeff", "").strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.strip()
