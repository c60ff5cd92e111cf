"""`kefu load-shop` reports, per platform, which of the shop's own texts the guard would change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kefu.cli import main
from kefu.shop.lint import lint_shop_files

SAMPLE_SHOP = Path(__file__).resolve().parents[2] / "shop"


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SAMPLE_SHOP, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _add_risky_data(shop: Path) -> None:
    def config(data: dict) -> None:
        data["shipping"]["couriers"].append("京东快递")
        data["coupons"][0]["how_to_get"] = "确认收货后带图评价，联系客服领取"
    _edit(shop / "shop.yml", config)

    def catalog(data: dict) -> None:
        data["products"][0]["aliases"].append("宝贝T恤")
        data["products"][1]["fit_note"] = "全网最低价，版型正常"
    _edit(shop / "catalog.yml", catalog)


def test_sample_shop_passes_on_every_platform(shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["load-shop", "--shop-dir", str(shop), "--db", str(tmp_path / "kefu.db")]) == 0
    out = capsys.readouterr().out
    for platform in ("pinduoduo", "taobao", "jd", "douyin"):
        assert f"[{platform}] all pass" in out


def test_load_shop_prints_what_each_platform_would_block_or_rewrite(
        shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _add_risky_data(shop)
    assert main(["load-shop", "--shop-dir", str(shop), "--db", str(tmp_path / "kefu.db")]) == 0
    out = capsys.readouterr().out
    blocks = {block.split("]")[0]: block for block in out.split("\n[")[1:]}
    # 京东快递 is JD's own courier: blocked on Pinduoduo, Taobao and Douyin, fine on JD
    assert "shipping.couriers[4]: 京东快递" in blocks["pinduoduo"]
    assert "shipping.couriers[4]: 京东快递" not in blocks["jd"]
    # 宝贝 is rewritten off Taobao, kept on Taobao
    assert "宝贝T恤 -> 商品T恤" in blocks["jd"]
    assert "宝贝T恤" not in blocks["taobao"]
    # review-for-reward coupon text and a superlative fit note are blocked everywhere
    for platform in ("pinduoduo", "taobao", "jd", "douyin"):
        assert "coupons[0].how_to_get" in blocks[platform]
        assert "p1002.fit_note: 全网最低价" in blocks[platform]


def test_report_only_covers_the_platforms_the_shop_sells_on(shop: Path) -> None:
    _add_risky_data(shop)
    _edit(shop / "shop.yml", lambda d: d.update(platforms=["pinduoduo", "jd"]))
    report = lint_shop_files(shop)
    assert report.platforms == ("pinduoduo", "jd")
    assert {f.platform for f in report.findings} == {"pinduoduo", "jd"}
    courier = [f for f in report.for_platform("pinduoduo") if f.item.text == "京东快递"]
    assert courier and courier[0].result.verdict == "blocked"


@pytest.mark.parametrize("platforms, message", [
    (["pinduoduo", "weixin"], "must be one of"),
    (["jd"], "must include default_platform 'pinduoduo'"),
    ([], "must not be empty"),
    ("pinduoduo", "must be a list"),
])
def test_bad_platforms_key_is_a_clear_error(shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                            platforms: object, message: str) -> None:
    _edit(shop / "shop.yml", lambda d: d.update(platforms=platforms))
    assert main(["load-shop", "--shop-dir", str(shop), "--db", str(tmp_path / "kefu.db")]) == 2
    err = capsys.readouterr().err
    assert "shop.yml" in err and "platforms" in err and message in err
    assert "Traceback" not in err


def test_facts_and_tracking_lines_are_checked_too(shop: Path) -> None:
    """The shop's own sentences are quoted in answers as written, and the newest tracking line is shown."""
    def catalog(data: dict) -> None:
        data["products"][0]["facts"] = {"面料": "全网最低价的纯棉面料"}
    _edit(shop / "catalog.yml", catalog)

    def orders(data: dict) -> None:
        data["orders"][1]["events"][-1]["text"] = "【广州市】快件已到达，加微信查物流"
    _edit(shop / "orders.yml", orders)
    report = lint_shop_files(shop)
    for platform in ("pinduoduo", "taobao", "jd", "douyin"):
        where = {f.item.where for f in report.for_platform(platform)}
        assert "catalog.yml: p1001.facts.面料" in where
        assert any(w.startswith("orders.yml: 2611200930456789012.events[") for w in where)
