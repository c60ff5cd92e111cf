"""The one error an import raises: where (file, row, column), what value, why, in Chinese and English."""

from __future__ import annotations

from typing import Optional


class ImportDataError(ValueError):
    """A file, row or cell of an export that cannot be imported.

    ``str()`` is the line printed to the operator, e.g.
    ``orders.csv 第3行 列「订单号」值「2.61E+18」: 订单号被 Excel 存成了数字… / row 3, column 订单号, value …``.
    The value shown is already masked when the column holds buyer data.
    """

    def __init__(self, file: str, zh: str, en: str, *, row: Optional[int] = None,
                 column: Optional[str] = None, value: Optional[str] = None) -> None:
        self.file, self.row, self.column, self.value = file, row, column, value
        self.zh, self.en = zh, en
        super().__init__(self._render())

    def _render(self) -> str:
        where_zh, where_en = [self.file], [self.file]
        if self.row is not None:
            where_zh.append(f"第{self.row}行")
            where_en.append(f"row {self.row}")
        if self.column is not None:
            where_zh.append(f"列「{self.column}」")
            where_en.append(f"column {self.column!r}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "…"
            where_zh.append(f"值「{shown}」")
            where_en.append(f"value {shown!r}")
        return f"{' '.join(where_zh)}: {self.zh}\n  ({', '.join(where_en)}: {self.en})"
