"""Rows of an export -> the shop's Order, Product and Sku objects, with errors that say where and why.

Order numbers stay text: an XLSX cell holding a float, or a CSV cell in scientific
notation (``2.61122E+18``), has already lost digits in Excel and is refused with
a hint to format the column as text. Receivers' phones and addresses are stored
as the export gives them (usually masked by the platform) and are masked in every
message this module writes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from kefu.imports.errors import ImportDataError
from kefu.imports.mappings import REQUIRED, ColumnMap, normalize_status
from kefu.imports.readers import Table, clean_header, header_index
from kefu.normalize import normalize_province
from kefu.masking import mask_address, mask_name, mask_phone
from kefu.shop.catalog import split_spec
from kefu.shop.models import Order, OrderItem, Product, Sku

ORDER_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{5,39}$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_MONEY_NOISE = re.compile(r"[¥￥元,，\s]")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                     "%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y%m%d%H%M%S")
MASKERS: Dict[str, Callable[[str], str]] = {
    "receiver_phone": mask_phone, "receiver_name": mask_name, "receiver_address": mask_address,
    "street": mask_address,
}
MAX_TEXT = 200


@dataclass
class ImportResult:
    """What one import produced, ready for :func:`kefu.shop.imported.save_import`."""

    kind: str
    file: str
    encoding: str
    orders: List[Order] = field(default_factory=list)
    products: List[Product] = field(default_factory=list)
    skus: List[Sku] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


class _Row:
    """One data row: cells by kefu field, with the file row number and header names for errors."""

    def __init__(self, file: str, line: int, cells: Dict[str, Any], headers: Dict[str, str]) -> None:
        self.file, self.line, self.cells, self.headers = file, line, cells, headers

    def fail(self, name: str, zh: str, en: str) -> ImportDataError:
        raw = self.cells.get(name)
        shown = None if raw is None else str(raw)
        if shown is not None and name in MASKERS:
            shown = MASKERS[name](shown)
        return ImportDataError(self.file, zh, en, row=self.line, column=self.headers.get(name, name), value=shown)

    def text(self, name: str, limit: int = MAX_TEXT) -> str:
        value = self.cells.get(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
        text = str(value).strip().lstrip("'\t").strip()
        if text.startswith('="') and text.endswith('"'):
            text = text[2:-1].strip()
        return text[:limit]

    def has(self, name: str) -> bool:
        return bool(self.text(name))

    def order_id(self, name: str = "order_id") -> str:
        value = self.cells.get(name)
        if isinstance(value, float):
            if not value.is_integer() or abs(value) >= 2 ** 53:
                raise self.fail(name, "订单号被 Excel 存成了数字，已丢失末尾数字；请把该列设为「文本」后重新导出",
                                "the order number was stored as a number by Excel and lost digits; "
                                "format the column as text and export again")
            value = int(value)
        text = self.text(name, 60) if not isinstance(value, int) else str(value)
        if _SCIENTIFIC.match(text):
            raise self.fail(name, "订单号是科学计数法（如 2.61E+18），已丢失数字；请把该列设为「文本」后重新导出",
                            "the order number is in scientific notation and lost digits; format the column as text")
        if not ORDER_ID.match(text):
            raise self.fail(name, "订单号应为 6-40 位数字或字母（可含 -）", "an order number must be 6-40 letters/digits (and -)")
        return text

    def number(self, name: str, minimum: float = 0.0) -> float:
        value = self.cells.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(_MONEY_NOISE.sub("", self.text(name)))
            except ValueError:
                raise self.fail(name, "应为数字（如 129.00）", "must be a number (e.g. 129.00)") from None
        if not math.isfinite(number) or number < minimum:
            raise self.fail(name, f"应为不小于 {minimum:g} 的数字", f"must be a number ≥ {minimum:g}")
        return round(number, 2)

    def whole(self, name: str, minimum: int = 0, default: Optional[int] = None) -> int:
        if default is not None and not self.has(name):
            return default
        number = self.number(name, float(minimum))
        if not number.is_integer():
            raise self.fail(name, "应为整数", "must be a whole number")
        if number > 10_000_000:
            raise self.fail(name, "数值过大", "number too large")
        return int(number)

    def datetime(self, name: str, tz: dt.tzinfo) -> Optional[dt.datetime]:
        value = self.cells.get(name)
        parsed: Optional[dt.datetime] = None
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, dt.date):
            parsed = dt.datetime.combine(value, dt.time())
        else:
            text = self.text(name)
            if not text or text in ("-", "--", "0000-00-00 00:00:00"):
                return None
            for pattern in _DATETIME_FORMATS:
                try:
                    parsed = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
            if parsed is None:
                raise self.fail(name, "应为日期时间，如 2026-11-20 14:30:00", 'must be a date and time like "2026-11-20 14:30:00"')
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(tz)

    def date(self, name: str) -> Optional[dt.date]:
        value = self.cells.get(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = self.text(name)
        if not text:
            return None
        for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise self.fail(name, "应为日期，如 2026-12-05（且该日期存在）", 'must be a real date like "2026-12-05"')


def rows_of(table: Table, column_map: ColumnMap) -> List[_Row]:
    """Data rows with cells keyed by kefu field; the header is found among the first rows."""
    if not table.rows:
        raise ImportDataError(table.file, "文件是空的", "the file is empty")
    start = header_index(table.rows, column_map.candidates())
    header = [clean_header(cell) for cell in table.rows[start]]
    positions: Dict[str, int] = {}
    names: Dict[str, str] = {}
    for kefu_field, candidates in column_map.columns.items():
        for candidate in candidates:
            if candidate in header:
                positions[kefu_field], names[kefu_field] = header.index(candidate), candidate
                break
    missing = [f for f in REQUIRED[column_map.kind] if f not in positions]
    if missing:
        wanted = "；".join(f"{f}（{' 或 '.join(column_map.columns.get(f, (f,)))}）" for f in missing)
        raise ImportDataError(
            table.file, f"找不到必需的列：{wanted}。这是{column_map.platform or '该平台'}的导出吗？可用 --mapping 指定列名",
            f"required columns not found: {', '.join(missing)}; is this a {column_map.platform or 'known'} export? "
            "use --mapping to name the columns", row=start + 1,
        )
    rows: List[_Row] = []
    for index in range(start + 1, len(table.rows)):
        raw = table.rows[index]
        if not any(str(cell).strip() for cell in raw):
            continue
        cells = {f: (raw[p] if p < len(raw) else "") for f, p in positions.items()}
        rows.append(_Row(table.file, index + 1, cells, names))
    return rows


def _color_size(row: _Row) -> Tuple[str, str]:
    color, size = split_spec(row.text("spec"))
    return (row.text("color", 20) or color), (row.text("size", 20) or size)


ProductLookup = Callable[[str], Optional[Product]]


def _lines_per_order(rows: List[_Row]) -> Dict[str, List[_Row]]:
    """Every line of each order number, in file order: PDD/JD/抖店 exports and Taobao's 宝贝报表 list one
    line per item; the lines become the order's items."""
    lines: Dict[str, List[_Row]] = {}
    for row in rows:
        lines.setdefault(row.order_id(), []).append(row)
    return lines


_YES = ("是", "有", "已购买", "已投保", "y", "yes", "true", "1", "含运费险")
_NO = ("否", "无", "没有", "未购买", "未投保", "n", "no", "false", "0", "不含")


def _insurance(row: _Row) -> Optional[bool]:
    """运费险 column: 是/有/已购买 -> True, 否/无 -> False, empty or other text -> the shop's default."""
    value = row.text("freight_insurance", 20).strip().lower() if "freight_insurance" in row.cells else ""
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


SkuLookup = Callable[[str], Sequence[Sku]]


def _item(source: _Row, find_product: Optional[ProductLookup], skus_of: Optional[SkuLookup],
          warnings: List[str], first: bool) -> Optional[OrderItem]:
    """One line of an order; a line that cannot be placed is warned about (the first line must be placed)."""
    product_id = source.text("product_id", 40)
    if not product_id and find_product is not None and source.has("product_name"):
        product = find_product(source.text("product_name"))
        product_id = product.id if product else ""
    if not product_id:
        if first:
            raise source.fail("product_name" if source.has("product_name") else "order_id",
                              "找不到该订单的商品编码（商家编码/商品ID），也无法按商品名称匹配到店铺商品",
                              "no product code for this order, and the product name matches no product of the shop")
        warnings.append(f"{source.file} 第{source.line}行: 找不到商品，这一行没有记入订单"
                        f" / no product for this line; it is left out of the order")
        return None
    color, size = _color_size(source)
    if not color and not size:
        warnings.append(f"{source.file} 第{source.line}行: 没有商品规格（SKU），只记商品"
                        f" / no SKU (spec) on this line; only the product is kept")
    elif skus_of is not None:
        skus = list(skus_of(product_id))
        if skus and not any(s.color == color and s.size == size for s in skus):
            sizes = "、".join(dict.fromkeys(s.size for s in skus if s.size))
            warnings.append(f"{source.file} 第{source.line}行: 规格「{'/'.join(p for p in (color, size) if p)}」"
                            f"不是 {product_id} 的 SKU（尺码：{sizes}）"
                            f" / spec matches no SKU of {product_id}")
    quantity = source.whole("quantity", minimum=1, default=1) if "quantity" in source.cells else 1
    return OrderItem(product_id, color, size, quantity)


def parse_orders(table: Table, column_map: ColumnMap, tz: dt.tzinfo, *, items: Optional[Table] = None,
                 items_map: Optional[ColumnMap] = None, find_product: Optional[ProductLookup] = None,
                 skus_of: Optional[SkuLookup] = None) -> ImportResult:
    """Orders of an order export, every line an item; ``items`` is Taobao's 宝贝报表, joined on 订单编号."""
    result = ImportResult("orders", table.file, table.encoding)
    by_order = _lines_per_order(rows_of(items, items_map)) if items and items_map else {}
    for order_id, rows in _lines_per_order(rows_of(table, column_map)).items():
        row = rows[0]
        sources = by_order.get(order_id) or rows
        if len(rows) > 1:
            result.warnings.append(f"{row.file} 第{rows[1].line}行: 订单 {order_id} 已在第{row.line}行出现，"
                                   f"记为同一订单的第2件商品 / order already on row {row.line}: another item of it")
        lines = [_item(source, find_product, skus_of, result.warnings, index == 0)
                 for index, source in enumerate(sources)]
        order_items = tuple(item for item in lines if item is not None)
        first = order_items[0]
        status_word = normalize_status(row.text("status"))
        status = column_map.statuses.get(status_word)
        if status is None:
            known = "、".join(sorted(column_map.statuses))
            raise row.fail("status", f"不认识的订单状态；可识别：{known}（或在映射文件的 status 里补充）",
                           "unknown order status; add it under 'status' in a mapping file")
        created = row.datetime("created_at", tz)
        if created is None:
            raise row.fail("created_at", "下单时间不能为空", "the order time is required")
        address = row.text("receiver_address", 300)
        parts = [row.text(p, 40) for p in ("province", "city", "district", "street")]
        if parts[0] and not address.startswith(parts[0]):
            address = "".join(parts) + address
        result.orders.append(Order(
            order_id=order_id, status=status, product_id=first.product_id, color=first.color, size=first.size,
            quantity=first.quantity, amount=row.number("amount"), created_at=created,
            paid_at=row.datetime("paid_at", tz) if "paid_at" in row.cells else None,
            shipped_at=row.datetime("shipped_at", tz) if "shipped_at" in row.cells else None,
            courier=row.text("courier", 20) or None, tracking_number=row.text("tracking_number", 40) or None,
            receiver_name=row.text("receiver_name", 40), receiver_phone=row.text("receiver_phone", 20),
            receiver_address=address[:300], province=normalize_province(parts[0] or address),
            items=order_items, freight_insurance=_insurance(row),
            signed_at=row.datetime("delivered_at", tz) if "delivered_at" in row.cells else None,
        ))
    if not result.orders:
        raise ImportDataError(table.file, "没有订单数据行", "no order rows")
    return result


def parse_products(table: Table, column_map: ColumnMap, *, category: Optional[str] = None,
                   find_existing: Optional[ProductLookup] = None) -> ImportResult:
    """Products with their SKUs and stock: one row per SKU; name and price from the product's first row."""
    result = ImportResult("products", table.file, table.encoding)
    products: Dict[str, Product] = {}
    sku_rows: Dict[Tuple[str, str, str], int] = {}
    for row in rows_of(table, column_map):
        product_id = row.text("product_id", 40)
        if not product_id:
            raise row.fail("product_id", "商品编码不能为空", "the product code is required")
        if product_id not in products:
            existing = find_existing(product_id) if find_existing else None
            name = row.text("name", 100) or (existing.name if existing else "")
            if not name:
                raise row.fail("name", "新商品需要商品名称", "a new product needs a name")
            if "price" in row.cells and row.has("price"):
                price = row.number("price")
            elif existing is not None:
                price = existing.price
            else:
                raise row.fail("price", "新商品需要价格", "a new product needs a price")
            cat = row.text("category", 20) or category or (existing.category if existing else "")
            if not cat:
                raise row.fail("category", "新商品需要类目（尺码表名，如 上衣）：加一列「类目」或用 --category",
                               "a new product needs a category (a size chart name): add a 类目 column or --category")
            products[product_id] = Product(
                id=product_id, name=name, category=cat, price=price,
                aliases=existing.aliases if existing else (), fit=existing.fit if existing else "正常",
                fit_note=existing.fit_note if existing else "", description=existing.description if existing else "",
            )
        color, size = _color_size(row)
        key = (product_id, color, size)
        if key in sku_rows:
            raise row.fail("spec", f"同一商品的同一规格已在第{sku_rows[key]}行出现", f"same SKU already on row {sku_rows[key]}")
        sku_rows[key] = row.line
        result.skus.append(Sku(product_id, color, size, row.whole("stock"), row.date("restock_date")
                               if "restock_date" in row.cells else None))
    if not products:
        raise ImportDataError(table.file, "没有商品数据行", "no product rows")
    result.products = list(products.values())
    return result


def summary_line(result: ImportResult) -> str:
    if result.kind == "orders":
        return f"{len(result.orders)} 个订单 / orders"
    return f"{len(result.products)} 个商品、{len(result.skus)} 个规格 / products, SKUs"


__all__ = ["ImportResult", "parse_orders", "parse_products", "summary_line"]
