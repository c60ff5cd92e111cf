"""shop/*.yml as a shop owner saves them: GBK from Notepad loads; an impossible date is one line, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

from kefu.cli import main
from kefu.shop.store import ShopStore

SAMPLE = Path(__file__).resolve().parents[2] / "shop"


def shop_copy(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SAMPLE, target)
    return target


def load(shop: Path, tmp_path: Path, monkeypatch) -> int:
    monkeypatch.setenv("KEFU_SHOP_DIR", str(shop))
    monkeypatch.setenv("KEFU_STATE_DIR", str(tmp_path / "state"))
    return main(["load-shop"])


def test_gbk_catalog_loads(tmp_path, monkeypatch):
    shop = shop_copy(tmp_path)
    catalog = shop / "catalog.yml"
    catalog.write_bytes(catalog.read_text(encoding="utf-8").encode("gbk"))
    assert load(shop, tmp_path, monkeypatch) == 0
    assert ShopStore(tmp_path / "state" / "kefu.db").product("p1002").name == "加绒连帽卫衣"
