"""Which export column holds which kefu field, per platform, and the mapping file for any other export.

Each field lists the header names the platforms' back-office exports use, most
specific first; the first one present in the file wins. The names come from the
platforms' seller-centre export layouts as publicly described (docs/imports.md
lists them and what still needs a real account to confirm); a shop whose export
differs writes a mapping file (``kefu import --mapping my-export.yml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import yaml

from kefu.imports.errors import ImportDataError
from kefu.shop.models import OrderStatus
from kefu.settings import PLATFORMS

KINDS = ("orders", "products", "items")
ORDER_FIELDS = (
    "order_id", "status", "product_id", "product_name", "spec", "color", "size", "quantity", "amount",
    "created_at", "paid_at", "shipped_at", "courier", "tracking_number", "receiver_name", "receiver_phone",
    "receiver_address", "province", "city", "district", "street", "freight_insurance", "delivered_at",
)
# Columns of shop data v2 that every platform's order export may carry (运费险, 签收时间).
_ORDERS_V2: Columns = {
    "freight_insurance": ("运费险", "是否有运费险", "是否购买运费险", "退货运费险", "运费险状态"),
    "delivered_at": ("签收时间", "确认收货时间", "收货时间", "交易成功时间", "完成时间"),
}
PRODUCT_FIELDS = ("product_id", "name", "price", "spec", "color", "size", "stock", "category", "restock_date")
# Taobao/Tmall's 宝贝报表: one line per item, joined with the 订单报表 on 订单编号.
ITEM_FIELDS = ("order_id", "product_id", "product_name", "spec", "color", "size", "quantity")
FIELDS = {"orders": ORDER_FIELDS, "products": PRODUCT_FIELDS, "items": ITEM_FIELDS}
REQUIRED = {
    "orders": ("order_id", "status", "amount", "created_at"),
    "products": ("product_id", "stock"),
    "items": ("order_id",),
}

Columns = Dict[str, Tuple[str, ...]]


@dataclass(frozen=True)
class ColumnMap:
    """Header candidates per field, and the export's own status words -> kefu's order status."""

    kind: str
    platform: Optional[str]
    columns: Columns
    statuses: Mapping[str, OrderStatus] = field(default_factory=dict)
    source: str = "built-in"

    def candidates(self) -> Tuple[str, ...]:
        return tuple(name for names in self.columns.values() for name in names)


_STATUS_COMMON = {status.value: status for status in OrderStatus}
_STATUS = {
    "pinduoduo": {
        "待支付": OrderStatus.UNPAID, "待付款": OrderStatus.UNPAID, "待成团": OrderStatus.UNPAID,
        "待发货": OrderStatus.AWAITING_SHIPMENT, "已发货，待签收": OrderStatus.SHIPPED,
        "已发货，待收货": OrderStatus.SHIPPED, "已签收": OrderStatus.DELIVERED, "已取消": OrderStatus.CANCELLED,
        "已关闭": OrderStatus.CANCELLED,
    },
    "taobao": {
        "等待买家付款": OrderStatus.UNPAID, "买家已付款，等待卖家发货": OrderStatus.AWAITING_SHIPMENT,
        "等待卖家发货": OrderStatus.AWAITING_SHIPMENT, "卖家已发货，等待买家确认": OrderStatus.SHIPPED,
        "等待买家确认收货": OrderStatus.SHIPPED, "交易成功": OrderStatus.DELIVERED,
        "交易关闭": OrderStatus.CANCELLED,
        "交易关闭（付款以后用户退款成功，交易自动关闭）": OrderStatus.CANCELLED,
    },
    "jd": {
        "等待付款": OrderStatus.UNPAID, "等待出库": OrderStatus.AWAITING_SHIPMENT,
        "等待确认收货": OrderStatus.SHIPPED, "完成": OrderStatus.DELIVERED, "已完成": OrderStatus.DELIVERED,
        "已取消": OrderStatus.CANCELLED, "（删除）已取消": OrderStatus.CANCELLED,
    },
    "douyin": {
        "待支付": OrderStatus.UNPAID, "待确认": OrderStatus.UNPAID, "备货中": OrderStatus.AWAITING_SHIPMENT,
        "待发货": OrderStatus.AWAITING_SHIPMENT, "已发货": OrderStatus.SHIPPED, "已完成": OrderStatus.DELIVERED,
        "已关闭": OrderStatus.CANCELLED, "已取消": OrderStatus.CANCELLED,
    },
}

_ORDERS: Dict[str, Columns] = {
    # 拼多多商家后台 › 订单查询 › 导出
    "pinduoduo": {
        "order_id": ("订单号",), "status": ("订单状态",),
        "product_id": ("商家编码-商品维度", "商品id", "商品ID"), "product_name": ("商品",),
        "spec": ("商品规格",), "quantity": ("商品数量(件)", "商品数量"),
        "amount": ("用户实付金额(元)", "商品总价(元)"), "created_at": ("订单成交时间", "支付时间"),
        "paid_at": ("支付时间",), "shipped_at": ("发货时间",), "courier": ("快递公司",),
        "tracking_number": ("快递单号",), "receiver_name": ("收货人",), "receiver_phone": ("手机",),
        "receiver_address": ("收货地址", "详细地址"), "province": ("省",), "city": ("市",), "district": ("区",),
        "street": ("街道",),
    },
    # 千牛/卖家中心 › 已卖出的宝贝 › 批量导出: 订单报表 (the items come from 宝贝报表)
    "taobao": {
        "order_id": ("订单编号",), "status": ("订单状态",), "product_name": ("宝贝标题",),
        "quantity": ("宝贝总数量",), "amount": ("买家实际支付金额", "总金额"), "created_at": ("订单创建时间",),
        "paid_at": ("订单付款时间",), "shipped_at": ("发货时间",), "courier": ("物流公司",),
        "tracking_number": ("物流单号",), "receiver_name": ("收货人姓名",),
        "receiver_phone": ("联系手机", "联系电话"), "receiver_address": ("收货地址",),
    },
    # 京东商家后台 › 订单管理 › 订单导出
    "jd": {
        "order_id": ("订单号",), "status": ("订单状态",), "product_id": ("商家SKU", "商品ID"),
        "product_name": ("商品名称",), "spec": ("销售属性",), "quantity": ("订购数量",),
        "amount": ("应付金额", "订单金额"), "created_at": ("下单时间",), "paid_at": ("付款确认时间",),
        "shipped_at": ("出库时间",), "courier": ("快递公司", "承运商"), "tracking_number": ("运单号",),
        "receiver_name": ("客户姓名",), "receiver_phone": ("联系电话",), "receiver_address": ("客户地址",),
    },
    # 抖店 › 订单管理 › 批量导出
    "douyin": {
        "order_id": ("主订单编号",), "status": ("订单状态",), "product_id": ("商家编码", "商品ID"),
        "product_name": ("选购商品",), "spec": ("商品规格",), "quantity": ("商品数量",),
        "amount": ("订单应付金额",), "created_at": ("订单提交时间",), "paid_at": ("支付完成时间",),
        "shipped_at": ("发货时间",), "courier": ("快递公司",), "tracking_number": ("快递单号",),
        "receiver_name": ("收件人",), "receiver_phone": ("收件人手机号",), "receiver_address": ("详细地址",),
        "province": ("省",), "city": ("市",), "district": ("区",), "street": ("街道",),
    },
}

_ITEMS: Dict[str, Columns] = {
    # 宝贝报表 (ExportOrderDetailList)
    "taobao": {
        "order_id": ("订单编号",), "product_id": ("商家编码", "外部系统编号"), "product_name": ("标题",),
        "spec": ("商品属性",), "quantity": ("购买数量",),
    },
}

# Product/stock exports (商品列表 with SKUs): the names differ less than order exports do.
_PRODUCTS_COMMON: Columns = {
    "product_id": ("商家编码", "商品编码", "货号", "商品ID", "商品id"),
    "name": ("商品名称", "宝贝标题", "商品标题", "标题"),
    "price": ("SKU价格", "价格", "单价", "售价", "一口价", "京东价"),
    "spec": ("SKU规格", "规格", "销售属性", "商品规格", "宝贝属性"),
    "color": ("颜色", "颜色分类"), "size": ("尺码", "尺寸"),
    "stock": ("库存", "SKU库存", "可售库存", "库存数量", "数量"),
    "category": ("类目", "分类", "商品类目"),
    "restock_date": ("补货日期", "预计补货日期"),
}


def builtin_map(kind: str, platform: str) -> ColumnMap:
    """The column map for ``platform``'s ``kind`` of export (``orders``, ``products``, ``items``)."""
    if kind == "products":
        return ColumnMap("products", platform, dict(_PRODUCTS_COMMON))
    table = _ORDERS if kind == "orders" else _ITEMS
    if platform not in table:
        raise ImportDataError(
            "--platform", f"{platform} 没有内置的「{kind}」列映射，请用 --mapping 指定映射文件",
            f"no built-in {kind} column map for {platform}; pass a mapping file with --mapping",
        )
    statuses = {normalize_status(word): status for word, status in {**_STATUS_COMMON, **_STATUS.get(platform, {})}.items()}
    columns = dict(table[platform])
    if kind == "orders":
        columns = {**_ORDERS_V2, **columns}
    return ColumnMap(kind, platform, columns, statuses)


def load_mapping_file(path: Path) -> ColumnMap:
    """A shop's own column map (see docs/imports.md): kind, optional platform, columns, optional status words."""
    name = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportDataError(name, "映射文件不存在", "mapping file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportDataError(name, f"无法读取映射文件（{exc.__class__.__name__}）",
                              f"cannot read the mapping file ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ImportDataError(name, "映射文件应是 YAML 映射（kind / columns / status）",
                              "the mapping file must be a YAML mapping (kind / columns / status)")
    unknown = set(data) - {"kind", "platform", "columns", "status"}
    if unknown:
        raise ImportDataError(name, f"未知的键：{'、'.join(sorted(map(str, unknown)))}",
                              f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ImportDataError(name, f"kind 必须是 {' / '.join(KINDS)}", f"kind must be one of {', '.join(KINDS)}",
                              column="kind", value=str(kind))
    platform = data.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise ImportDataError(name, f"platform 必须是 {' / '.join(PLATFORMS)}",
                              f"platform must be one of {', '.join(PLATFORMS)}", column="platform", value=str(platform))
    columns = _columns(data.get("columns"), kind, name)
    statuses = {normalize_status(word): status for word, status in _STATUS_COMMON.items()}
    raw_status = data.get("status") or {}
    if not isinstance(raw_status, dict):
        raise ImportDataError(name, "status 应是「导出里的状态: kefu 状态」的映射",
                              "status must map the export's status words to kefu statuses", column="status")
    for word, value in raw_status.items():
        try:
            statuses[normalize_status(str(word))] = OrderStatus.parse(value)
        except ValueError:
            raise ImportDataError(name, f"状态必须是 {'、'.join(s.value for s in OrderStatus)} 之一",
                                  f"status must be one of {', '.join(s.value for s in OrderStatus)}",
                                  column=f"status.{word}", value=str(value)) from None
    return ColumnMap(kind, platform, columns, statuses, source=name)


def _columns(raw: Any, kind: str, name: str) -> Columns:
    if not isinstance(raw, dict) or not raw:
        raise ImportDataError(name, "columns 应是「kefu 字段: 导出列名」的映射", "columns must map kefu fields to export headers",
                              column="columns")
    allowed = FIELDS[kind]
    columns: Columns = {}
    for key, value in raw.items():
        if key not in allowed:
            raise ImportDataError(name, f"未知字段，可用：{'、'.join(allowed)}", f"unknown field; known: {', '.join(allowed)}",
                                  column=f"columns.{key}")
        names = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list) else ()
        if not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise ImportDataError(name, "列名应是文字或文字列表", "a header must be text or a list of texts",
                                  column=f"columns.{key}", value=str(value))
        columns[key] = tuple(n.strip() for n in names)
    missing = [f for f in REQUIRED[kind] if f not in columns]
    if missing:
        raise ImportDataError(name, f"缺少必填字段：{'、'.join(missing)}", f"required fields missing: {', '.join(missing)}",
                              column="columns")
    return columns


def normalize_status(word: str) -> str:
    """Status words compared without spaces and with full-width commas (exports differ in both)."""
    return "".join(str(word).split()).replace(",", "，").replace("(", "（").replace(")", "）")
