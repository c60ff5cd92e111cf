"""Real objects for action tests: rasa-sdk's CollectingDispatcher and Tracker, the real
domain.yml, and a real SQLite shop loaded from the sample shop/ into tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from kefu.shop.config import ShopConfig, load_shop_config
from kefu.shop.store import ShopStore, load_shop

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test writes only under tmp_path and runs as a Pinduoduo shop by default."""
    monkeypatch.setenv("KEFU_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("KEFU_DB_PATH", str(tmp_path / "kefu.db"))
    monkeypatch.setenv("KEFU_DEFAULT_PLATFORM", "pinduoduo")
    from kefu.shop.config import default_platform

    default_platform.cache_clear()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ShopStore]:
    db_path = tmp_path / "kefu.db"
    load_shop(PROJECT_ROOT / "shop", db_path)
    shop = ShopStore(db_path)
    yield shop
    shop.close()


@pytest.fixture
def config() -> ShopConfig:
    return load_shop_config(PROJECT_ROOT / "shop" / "shop.yml")


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
