"""The catalogue view a turn reads is cached, and a change in another process is seen on the next turn.

What a shop owner notices: after editing catalog.yml and running ``kefu load-shop``, or after
``kefu import products``, in a separate process, the running action server answers the new stock
on the buyer's next message, without a restart. What the cache buys: while nothing changed, every
turn gets the same view instead of re-reading products, SKUs and size systems.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kefu.dialogue import CatalogView
from kefu.shop.store import ShopStore, load_shop

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS_EXPORT = ROOT / "tests" / "imports" / "fixtures" / "products.csv"


def kefu_cli(shop: Path, db_path: Path, *argv: str) -> None:
    """Run the real ``kefu`` command in its own process, as a shop owner would."""
    env = {**os.environ, "KEFU_SHOP_DIR": str(shop), "KEFU_DB_PATH": str(db_path),
           "KEFU_STATE_DIR": str(db_path.parent)}
    done = subprocess.run([sys.executable, "-m", "kefu", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def stock(view: CatalogView, product_id: str, color: str, size: str) -> int:
    return next(s.stock for s in view.skus[product_id] if (s.color, s.size) == (color, size))


def test_the_view_is_built_once_while_the_catalogue_is_unchanged(shop_copy: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "kefu.db"
    load_shop(shop_copy, db_path)
    store = ShopStore(db_path)
    built = []

    def build(s: ShopStore) -> CatalogView:
        built.append(1)
        return CatalogView.from_store(s)

    first = store.cached(build)
    assert all(store.cached(build) is first for _ in range(20))
    assert len(built) == 1
    assert not load_shop(shop_copy, db_path).loaded  # files unchanged: no rebuild, the view stays
    assert store.cached(build) is first and len(built) == 1


def test_load_shop_in_another_process_shows_the_new_stock_on_the_next_turn(shop_copy: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "kefu.db"
    load_shop(shop_copy, db_path)
    store = ShopStore(db_path)
    before = store.cached(CatalogView.from_store)
    assert stock(before, "p1001", "白色", "L") == 3
    catalog = shop_copy / "catalog.yml"
    text = catalog.read_text(encoding="utf-8")
    assert text.count("{color: 白色, size: L, stock: 3}") == 1
    catalog.write_text(text.replace("{color: 白色, size: L, stock: 3}", "{color: 白色, size: L, stock: 0}"),
                       encoding="utf-8")
    kefu_cli(shop_copy, db_path, "load-shop")
    after = store.cached(CatalogView.from_store)
    assert stock(after, "p1001", "白色", "L") == 0
    assert store.cached(CatalogView.from_store) is after


def test_an_import_in_another_process_invalidates_the_view(shop_copy: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "kefu.db"
    load_shop(shop_copy, db_path)
    store = ShopStore(db_path)
    before = store.cached(CatalogView.from_store)
    assert stock(before, "p1002", "黑色", "L") == 33  # the export says 0 (tests/imports/fixtures/products.csv)
    kefu_cli(shop_copy, db_path, "import", "products", str(PRODUCTS_EXPORT))
    assert stock(store.cached(CatalogView.from_store), "p1002", "黑色", "L") == 0
