"""shop.yml's order_source section: what an operator may write, and what is refused with a clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.orders import (FallbackOrderSource, LocalOrderSource, OrderSourceConfigError, build_order_source,
                         validate_order_source)
from kefu.orders.doudian import DoudianOrderClient
from kefu.settings import PROJECT_ROOT, Settings
from tests.orders.fakes import APP_KEY, APP_SECRET, DOUDIAN_ORDER, TOKEN, FakeDoudian


def test_absent_section_means_the_local_store(store):
    config = validate_order_source(None)
    assert config.type == "local"
    assert isinstance(build_order_source(config, store), LocalOrderSource)


@pytest.mark.parametrize("raw,fragment", [
    ({"type": "wechat"}, "order_source.type: must be one of"),
    ({"type": "doudian", "app_secret": "x"}, "secrets do not belong in shop.yml"),
    ({"type": "doudian", "timeout": 3}, "unknown key 'timeout'"),
    ({"type": "doudian", "timeout_s": 0}, "timeout_s: must be a number from 0.5 to 30"),
    ({"type": "doudian", "timeout_s": "5"}, "timeout_s"),
    ({"type": "jd", "retries": 1.5}, "retries: must be a whole number"),
    ({"type": "jd", "retries": 9}, "retries: must be a number from 0 to 5"),
    ({"type": "jd", "fallback": "maybe"}, "fallback: must be local or none"),
    ({"type": "jd", "sign_method": "hmac-sha256"}, "sign_method: for jd"),
    ({"type": "taobao", "base_url": "ftp://x"}, "base_url: must be an http(s) URL"),
    ({"type": "taobao", "credentials_file": "creds.yml"}, "absolute path"),
    ({"type": "taobao", "credentials_file": str(PROJECT_ROOT / "shop" / "creds.yml")}, "inside the repository"),
    (["doudian"], "must be a mapping"),
])
def test_invalid_sections_name_the_key(raw, fragment):
    with pytest.raises(OrderSourceConfigError) as error:
        validate_order_source(raw, "shop/shop.yml")
    assert str(error.value).startswith("shop/shop.yml: order_source")
    assert fragment in str(error.value)


def test_credentials_from_the_environment_build_a_signed_client_with_fallback(store):
    settings = Settings.from_env({"KEFU_ORDER_APP_KEY": APP_KEY, "KEFU_ORDER_APP_SECRET": APP_SECRET,
                                  "KEFU_ORDER_ACCESS_TOKEN": TOKEN})
    config = validate_order_source({"type": "doudian", "timeout_s": 3, "retries": 1})
    fake = FakeDoudian(orders={DOUDIAN_ORDER["order_id"]: DOUDIAN_ORDER})
    source = build_order_source(config, store, settings, transport=fake)
    assert isinstance(source, FallbackOrderSource) and isinstance(source.primary, DoudianOrderClient)
    assert source.get(DOUDIAN_ORDER["order_id"]).tracking_number == "78312456789099"
    assert source.get("2611220845123456701").product_id == "p1001"  # not on 抖店: the local store answers
    assert fake.timeouts[0] == 3.0


def test_credentials_file_outside_the_repository(store, tmp_path: Path):
    creds = tmp_path / "doudian.yml"
    creds.write_text(f"app_key: '{APP_KEY}'\napp_secret: {APP_SECRET}\naccess_token: {TOKEN}\n", encoding="utf-8")
    config = validate_order_source({"type": "doudian", "credentials_file": str(creds), "fallback": "none"})
    fake = FakeDoudian(orders={DOUDIAN_ORDER["order_id"]: DOUDIAN_ORDER})
    source = build_order_source(config, store, Settings.from_env({}), transport=fake)
    assert source.get(DOUDIAN_ORDER["order_id"]) is not None


def test_missing_credentials_say_where_to_put_them(store):
    config = validate_order_source({"type": "pinduoduo"})
    with pytest.raises(OrderSourceConfigError, match="KEFU_ORDER_APP_KEY"):
        build_order_source(config, store, Settings.from_env({}))
