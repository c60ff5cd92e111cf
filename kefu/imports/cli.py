"""``kefu import orders|products FILE``: a back-office export into the shop store."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from kefu.settings import PLATFORMS, Settings
from kefu.cli import CommandError
from kefu.imports.errors import ImportDataError
from kefu.shop.validation import ShopDataError
from kefu.imports.mappings import builtin_map, load_mapping_file
from kefu.imports.readers import read_table
from kefu.imports.records import parse_orders, parse_products, summary_line
from kefu.shop.imported import save_import
from kefu.shop.config import load_shop_config
from kefu.shop.store import ShopStore, load_shop


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser(
        "import", help="import a back-office export (orders, products/stock) from CSV or XLSX",
        description="Import a seller back-office export (CSV in UTF-8/GBK, or XLSX) into the shop store. "
                    "Built-in column maps: " + ", ".join(PLATFORMS) + "; any other export: --mapping FILE.",
    )
    parser.add_argument("kind", choices=("orders", "products"), help="what the file holds")
    parser.add_argument("file", type=Path, help="the exported .csv or .xlsx")
    parser.add_argument("--platform", choices=PLATFORMS, help="whose export it is (picks the column map)")
    parser.add_argument("--items", type=Path, help="Taobao/Tmall: the 宝贝报表 to join with the 订单报表 on 订单编号")
    parser.add_argument("--mapping", type=Path, help="a column-map YAML for an export kefu has no map for")
    parser.add_argument("--category", help="products: size-chart category for new products without a 类目 column")
    parser.add_argument("--dry-run", action="store_true", help="check the file and report, store nothing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (ImportDataError, ShopDataError) as exc:
        raise CommandError(str(exc)) from None
    except sqlite3.Error as exc:  # locked by a long transaction elsewhere, disk full, read-only file
        raise CommandError(f"无法写入店铺数据库，未导入任何数据（{exc}）；稍后重试"
                           f" / cannot write the shop database, nothing imported ({exc}); try again") from None
    except Exception as exc:  # a bug must still come back as one line the operator can report
        raise CommandError(f"{args.file}: 导入失败（内部错误 {exc.__class__.__name__}），请把此行报告给技术支持"
                           f" / import failed (internal error {exc.__class__.__name__}: {exc})") from None


def _run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.mapping is None and args.platform is None and args.kind == "orders":
        raise CommandError("orders: name the platform (--platform pinduoduo|taobao|jd|douyin) or give --mapping FILE"
                           " / 订单导出需要 --platform 或 --mapping")
    column_map = load_mapping_file(args.mapping) if args.mapping else builtin_map(args.kind, args.platform or "")
    platform = args.platform or column_map.platform or ""
    load_shop(settings.shop_dir, settings.db_path)  # the shop tables the import lands in
    store = ShopStore(settings.db_path)
    table = read_table(args.file)
    if args.kind == "orders":
        items = None
        if args.items is not None:
            items = read_table(args.items)
        elif platform == "taobao" and args.mapping is None:
            raise CommandError("taobao: the 订单报表 has no product columns; add --items 宝贝报表.csv"
                               " / 淘宝订单报表需同时提供宝贝报表（--items）")
        tz = load_shop_config(settings.shop_config_path).tz
        result = parse_orders(table, column_map, tz, items=items,
                              items_map=builtin_map("items", platform) if items is not None else None,
                              find_product=store.find_product, skus_of=store.skus)
        unknown = sorted({o.product_id for o in result.orders if store.product(o.product_id) is None})
        if unknown:
            result.warnings.append(f"{len(unknown)} 个商品编码不在店铺商品里（先导入商品）/ product codes not in the "
                                   f"catalogue (import products first): {', '.join(unknown[:5])}")
    else:
        result = parse_products(table, column_map, category=args.category, find_existing=store.product)
        charts = {category for category in {p.category for p in result.products} if _has_chart(store, category)}
        for category in sorted({p.category for p in result.products} - charts):
            result.warnings.append(f"类目「{category}」没有尺码表（shop/catalog.yml size_charts），尺码推荐不可用"
                                   f" / category {category!r} has no size chart: no size advice for it")
    store.close()
    print(f"{table.file}: {table.encoding}, {summary_line(result)}")
    for warning in result.warnings[:20]:
        print(f"  注意 / note: {warning}")
    if len(result.warnings) > 20:
        print(f"  … {len(result.warnings) - 20} more")
    if args.dry_run:
        print("dry run: nothing stored / 试运行：未写入")
        return 0
    batch = save_import(settings.db_path, result, platform)
    print(f"stored as import #{batch} in {settings.db_path} / 已写入")
    return 0


def _has_chart(store: object, category: str) -> bool:
    try:
        store.size_chart(category)  # type: ignore[attr-defined]
    except KeyError:
        return False
    return True
