"""Fixtures over the real sample shop (shop/*.yml) loaded into a SQLite file in tmp_path."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kefu.shop.config import ShopConfig, load_shop_config
from kefu.shop.store import ShopStore, load_shop

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SHOP = PROJECT_ROOT / "shop"
TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A Shanghai wall-clock moment (tests pass ``now`` explicitly)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture()
def shop_copy(tmp_path: Path) -> Path:
    """An editable copy of the sample shop folder."""
    target = tmp_path / "shop"
    shutil.copytree(SAMPLE_SHOP, target)
    return target


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shopdb") / "kefu.db"
    load_shop(SAMPLE_SHOP, path)
    return path


@pytest.fixture()
def store(sample_db: Path) -> ShopStore:
    shop_store = ShopStore(sample_db)
    yield shop_store
    shop_store.close()


@pytest.fixture(scope="session")
def config() -> ShopConfig:
    return load_shop_config(SAMPLE_SHOP / "shop.yml")


@pytest.fixture(name="at")
def at_fixture():
    """``at(2026, 11, 23, 15, 59)``: a Shanghai moment for the ``now`` arguments."""
    return at
