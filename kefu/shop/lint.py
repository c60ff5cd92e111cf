"""Lint a shop's own data: every buyer-visible string in shop.yml, catalog.yml and the orders' tracking
lines, per platform.

A shop's data can collide with a platform's rules: 京东快递 among the couriers is fine on
JD and blocked on Pinduoduo; a product alias 宝贝 is fine on Taobao and rewritten
elsewhere. ``kefu load-shop`` prints this report after loading, for every platform the
shop sells on (``platforms:`` in shop.yml), so the operator sees what answers would lose or
change before a buyer does. The answers themselves leave a forbidden optional part out
(kefu/shop/answers.py); this report says which parts that will be.

Only plain attributes of the loaded objects are read (``ShopConfig``, ``Catalog``), so the
guard does not depend on how kefu.shop parses its files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple

from kefu.guard import PASS, Guard, GuardResult
from kefu.shop.catalog import parse_catalog, parse_orders
from kefu.shop.config import load_shop_config
from kefu.shop.validation import display_path, read_yaml


@dataclass(frozen=True)
class ShopText:
    """One buyer-visible string and where it comes from (``shop.yml: shipping.couriers[2]``)."""

    where: str
    text: str


@dataclass(frozen=True)
class Finding:
    platform: str
    item: ShopText
    result: GuardResult

    def line(self) -> str:
        terms = ", ".join(f"{v.category}: {v.matched}" for v in self.result.violations)
        change = f" -> {self.result.rewritten}" if self.result.rewritten is not None else ""
        return f"  {self.result.verdict:<9} {self.item.where}: {self.item.text}{change}  ({terms})"


@dataclass(frozen=True)
class ShopLintReport:
    platforms: Tuple[str, ...]
    checked: int
    findings: Tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        return not self.findings

    def for_platform(self, platform: str) -> List[Finding]:
        return [f for f in self.findings if f.platform == platform]

    def render(self) -> str:
        """What ``kefu load-shop`` prints: one block per platform with what would be rewritten or blocked."""
        lines = [f"Guard check of the shop's buyer-visible texts ({self.checked} strings) on "
                 f"{', '.join(self.platforms)}:"]
        for platform in self.platforms:
            found = self.for_platform(platform)
            if not found:
                lines.append(f"[{platform}] all pass")
                continue
            blocked = sum(1 for f in found if f.result.verdict != "rewritten")
            lines.append(f"[{platform}] {blocked} blocked, {len(found) - blocked} rewritten:")
            lines.extend(f.line() for f in found)
        return "\n".join(lines)


def _texts(where: str, values: Sequence[Any]) -> Iterator[ShopText]:
    for index, value in enumerate(values):
        if isinstance(value, str) and value.strip():
            yield ShopText(f"{where}[{index}]", value)


def shop_texts(config: Any, catalog: Any) -> List[ShopText]:
    """Every string of the shop's data a buyer can read in an answer, with where it comes from."""
    found: List[ShopText] = [ShopText("shop.yml: name", config.name)]
    found += _texts("shop.yml: shipping.couriers", config.couriers)
    found += _texts("shop.yml: shipping.remote_provinces", config.remote_provinces)
    invoice = config.invoice
    found += _texts("shop.yml: invoice.types", invoice.types)
    found += _texts("shop.yml: invoice.special_requires", invoice.special_requires)
    for key in ("issued_after", "paper_delivery"):
        value = getattr(invoice, key, "")
        if value:
            found.append(ShopText(f"shop.yml: invoice.{key}", value))
    for index, coupon in enumerate(config.coupons):
        for key in ("name", "how_to_get"):
            value = getattr(coupon, key, "")
            if value:
                found.append(ShopText(f"shop.yml: coupons[{index}].{key}", value))
    found += _texts("shop.yml: campaigns", [c.text for c in getattr(config, "campaigns", ())])
    colors = set()
    for product in catalog.products:
        where = f"catalog.yml: {product.id}"
        found.append(ShopText(f"{where}.name", product.name))
        found += _texts(f"{where}.aliases", product.aliases)
        for key in ("fit_note", "description"):
            value = getattr(product, key, "")
            if value:
                found.append(ShopText(f"{where}.{key}", value))
        # the shop's own sentences, quoted in answers as written
        found += [ShopText(f"{where}.facts.{label}", text) for label, text in product.facts if text.strip()]
        found += _texts(f"{where}.gifts", [g.text for g in product.gifts])
    for sku in catalog.skus:
        if sku.color not in colors:
            colors.add(sku.color)
            found.append(ShopText(f"catalog.yml: {sku.product_id} sku color", sku.color))
    return found


def order_texts(orders: Sequence[Any]) -> List[ShopText]:
    """The tracking lines of the orders file: a buyer reads the newest one in the logistics answer."""
    seen: set = set()
    found: List[ShopText] = []
    for order in orders:
        for index, event in enumerate(order.events):
            if event.text.strip() and event.text not in seen:
                seen.add(event.text)
                found.append(ShopText(f"orders.yml: {order.order_id}.events[{index}]", event.text))
    return found


def lint_shop(config: Any, catalog: Any, platforms: Optional[Sequence[str]] = None,
              orders: Sequence[Any] = ()) -> ShopLintReport:
    """Check :func:`shop_texts` (and the orders' tracking lines) on every platform the shop sells on."""
    chosen = tuple(platforms or getattr(config, "platforms", None) or (config.default_platform,))
    items = shop_texts(config, catalog) + order_texts(orders)
    findings: List[Finding] = []
    for platform in chosen:
        guard = Guard.for_platform(platform)
        for item in items:
            result = guard.check(item.text)
            if result.verdict != PASS:
                findings.append(Finding(platform, item, result))
    return ShopLintReport(chosen, len(items), tuple(findings))


def lint_shop_files(shop_dir: Path) -> ShopLintReport:
    """Parse shop.yml and catalog.yml in ``shop_dir`` (as ``kefu load-shop`` does) and lint them."""
    catalog_file = Path(shop_dir) / "catalog.yml"
    config = load_shop_config(Path(shop_dir) / "shop.yml")
    catalog = parse_catalog(read_yaml(catalog_file), display_path(catalog_file))
    orders_file = Path(shop_dir) / "orders.yml"
    orders = parse_orders(read_yaml(orders_file), catalog, config.tz, display_path(orders_file)) \
        if orders_file.exists() else ()
    return lint_shop(config, catalog, orders=orders)
