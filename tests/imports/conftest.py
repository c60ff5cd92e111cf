"""Exports written the way back offices write them: UTF-8, UTF-8 with BOM, GBK, XLSX (made here with openpyxl)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Callable, List

import pytest

FIXTURES = Path(__file__).with_name("fixtures")
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "xlsx")


def fixture_rows(name: str) -> List[List[str]]:
    with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle)]


def xlsx_cell(cell: object) -> object:
    """A cell as an XLSX export types it: short digit runs and amounts as numbers (JD's 12-digit
    order numbers too), long ids as text; CSV's ``="..."`` guard is a CSV-only trick."""
    text = str(cell)
    if text.startswith('="') and text.endswith('"'):
        return text[2:-1]
    if re.fullmatch(r"\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    return text


def write_export(rows: List[list], path: Path, encoding: str) -> Path:
    """``rows`` as a CSV in ``encoding`` (Excel's CRLF line ends) or as an .xlsx sheet."""
    if encoding == "xlsx":
        import openpyxl

        path = path.with_suffix(".xlsx")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append([xlsx_cell(cell) for cell in row])
        workbook.save(path)
        return path
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path = path.with_suffix(".csv")
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture()
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh KEFU_STATE_DIR for the CLI (the sample shop is loaded into it on first use)."""
    folder = tmp_path / "state"
    monkeypatch.setenv("KEFU_STATE_DIR", str(folder))
    monkeypatch.delenv("KEFU_DB_PATH", raising=False)
    return folder


@pytest.fixture()
def export(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: List[list], name: str, encoding: str = "utf-8") -> Path:
        return write_export(rows, tmp_path / name, encoding)
    return make
