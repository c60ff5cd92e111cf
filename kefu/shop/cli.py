"""``kefu load-shop`` and ``kefu shop-info``."""

from __future__ import annotations

import argparse
from pathlib import Path

from kefu.settings import Settings
from kefu.cli import CommandError
from kefu.shop.store import load_shop
from kefu.shop.validation import ShopDataError, display_path
from kefu.shop.lint import lint_shop_files  # what each platform's rules would change
from kefu.guard import PASS, Guard
from kefu.shop.catalog import parse_catalog
from kefu.shop.config import load_shop_config
from kefu.shop.validation import display_path, read_yaml
from kefu.shop.store import ShopStore, load_shop
from kefu.shop.validation import ShopDataError


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    load = subparsers.add_parser(
        "load-shop", help="load shop/*.yml (config, catalog, orders) into SQLite when they changed"
    )
    load.add_argument("--shop-dir", type=Path, help="folder with shop.yml, catalog.yml, orders.yml (default: shop/)")
    load.add_argument("--db", type=Path, help="SQLite file (default: .kefu/kefu.db)")
    load.add_argument("--force", action="store_true", help="rebuild even when the files are unchanged")
    load.set_defaults(func=run_load)

    info = subparsers.add_parser("shop-info", help="summary of the loaded shop data (counts)")
    info.add_argument("--shop-dir", type=Path)
    info.add_argument("--db", type=Path)
    info.set_defaults(func=run_info)


def _paths(args: argparse.Namespace) -> "tuple[Path, Path]":
    settings = Settings.from_env()
    return (args.shop_dir or settings.shop_dir, args.db or settings.db_path)


def run_load(args: argparse.Namespace) -> int:
    shop_dir, db_path = _paths(args)
    try:
        report = load_shop(shop_dir, db_path, force=args.force)
    except ShopDataError as exc:
        # Shop operators read Chinese; the English line is for the logs and for developers.
        raise CommandError(f"{exc.chinese()}\n{exc}") from None
    counts = report.counts
    summary = f"{counts.get('products', 0)} products, {counts.get('skus', 0)} skus, {counts.get('orders', 0)} orders"
    if report.loaded:
        print(f"Loaded {display_path(shop_dir)} into {display_path(db_path)}: {summary}")
    else:
        print(f"Shop data unchanged since the last load ({summary}); skipped. Use --force to rebuild.")

    print(lint_shop_files(shop_dir).render())
    for line in lint_v2_texts(shop_dir):
        print(line)
    return 0


def lint_v2_texts(shop_dir: Path) -> "list[str]":
    """Facts, gifts, campaigns and the delivery-abroad sentence checked by each platform's guard: one the
    guard would block is never said (the buyer is told it will be checked), so the operator hears of it here."""
    config = load_shop_config(Path(shop_dir) / "shop.yml")
    catalog = parse_catalog(read_yaml(Path(shop_dir) / "catalog.yml"), display_path(Path(shop_dir) / "catalog.yml"))
    texts = [(f"catalog.yml: {p.id}.facts.{label}", text) for p in catalog.products for label, text in p.facts]
    texts += [(f"catalog.yml: {p.id}.gifts[{i}]", g.text) for p in catalog.products for i, g in enumerate(p.gifts)]
    texts += [(f"shop.yml: campaigns[{i}]", c.text) for i, c in enumerate(config.campaigns)]
    if isinstance(config.international, str):
        texts.append(("shop.yml: shipping.international", config.international))
    if config.late_shipment_compensation:
        texts.append(("shop.yml: late_shipment.compensation", config.late_shipment_compensation))
    lines = []
    for platform in config.platforms:
        guard = Guard.for_platform(platform)
        for where, text in texts:
            result = guard.check(text)
            if result.verdict != PASS:
                terms = "、".join(v.matched for v in result.violations)
                lines.append(f"[{platform}] {where}: {result.verdict} ({terms}) —— 这句不会发给买家 / not said to buyers")
    return lines or [f"Guard check of {len(texts)} facts, gifts and campaigns: all pass"]


def run_info(args: argparse.Namespace) -> int:
    shop_dir, db_path = _paths(args)
    try:
        config = load_shop_config(Path(shop_dir) / "shop.yml")
        counts = load_shop(shop_dir, db_path).counts
        store = ShopStore(db_path)
        products = store.products()
        statuses: dict = {}
        for order_id in store.order_ids():
            order = store.order(order_id)
            if order:
                statuses[order.status.value] = statuses.get(order.status.value, 0) + 1
        store.close()
    except ShopDataError as exc:
        raise CommandError(str(exc)) from None
    print(f"Shop: {config.name} (default platform {config.default_platform})")
    print(f"Products: {counts['products']} ({', '.join(p.id + ' ' + p.name for p in products)})")
    print(f"SKUs: {counts['skus']} ({counts['skus_in_stock']} in stock)")
    print(f"Size charts: {counts['size_charts']}")
    print(f"Orders: {counts['orders']} ({', '.join(f'{k} {v}' for k, v in statuses.items())})")
    print(f"Tracking events: {counts['tracking_events']}")
    start, end = config.service_hours
    print(f"Couriers: {', '.join(config.couriers)}; cut-off {config.cutoff:%H:%M}; "
          f"service hours {start:%H:%M}-{end:%H:%M}")
    return 0
