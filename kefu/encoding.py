"""Text files as shop owners save them: UTF-8 (with or without BOM), UTF-16, GBK/GB18030 (Excel, Notepad).

One reading for exports (kefu/imports) and shop YAML (kefu/shop/validation.py) alike.
"""

from __future__ import annotations

import codecs
from typing import Tuple

from charset_normalizer import from_bytes

STRICT_ENCODINGS = ("utf-8", "gb18030")


class UnknownEncoding(ValueError):
    """No encoding reads the file; ``zh``/``en`` say what to do about it."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} ({en})")


def decode_bytes(data: bytes) -> Tuple[str, str]:
    """(text, encoding): BOMs first, then strict UTF-8 and GB18030, then charset-normalizer's best guess."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    for encoding in STRICT_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None:
        raise UnknownEncoding("无法识别文件编码（不是 UTF-8、GBK/GB18030），请在 Excel 中另存为「CSV UTF-8」",
                              "cannot detect the encoding (not UTF-8 or GBK/GB18030); save as 'CSV UTF-8' in Excel")
    return str(best), best.encoding
