"""``kefu check`` and ``kefu lint`` through kefu.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kefu.cli import main


def test_check_exit_codes(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--platform", "pinduoduo", "亲，您好"]) == 0
    assert main(["check", "--platform", "pinduoduo", "宝贝有货"]) == 1
    assert "rewritten: 商品有货" in capsys.readouterr().out


def test_lint_jsonl_over_txt_csv_and_yaml(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "s.txt").write_text("亲，您好\n\n加我微信\n", encoding="utf-8")
    (tmp_path / "s.csv").write_text("id,reply\n1,全网最低价\n2,请您稍等\n", encoding="utf-8")
    (tmp_path / "domain.yml").write_text(
        "responses:\n  utter_a:\n    - text: 宝贝已发货\n      condition:\n        - {type: slot, name: platform, value: pinduoduo}\n"
        "      buttons:\n        - {title: 好的, payload: /affirm}\n", encoding="utf-8")
    (tmp_path / "replies.yml").write_text("a:\n  b: [你问我我问谁, 您好]\n", encoding="utf-8")
    code = main(["lint", "--platform", "pinduoduo", "--format", "jsonl", "--column", "reply",
                 str(tmp_path / "s.txt"), str(tmp_path / "s.csv"), str(tmp_path / "domain.yml"),
                 str(tmp_path / "replies.yml")])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    texts = {r["text"]: r for r in records}
    assert set(texts) == {"亲，您好", "加我微信", "全网最低价", "请您稍等", "宝贝已发货", "好的", "你问我我问谁", "您好"}
    assert texts["加我微信"]["line"] == 3 and texts["加我微信"]["verdict"] == "blocked"
    assert texts["全网最低价"]["line"] == 2
    assert texts["宝贝已发货"]["rewritten"] == "商品已发货"
    assert texts["宝贝已发货"]["violations"] == [
        {"category": "platform_vocabulary", "term": "宝贝", "start": 0, "end": 2, "action": "rewrite"}]
    assert set(records[0]) >= {"line", "text", "verdict", "violations", "rewritten"}


def test_lint_all_platforms_and_clean_exit(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "ok.txt").write_text("亲，您好\n请您稍等\n", encoding="utf-8")
    assert main(["lint", "--all-platforms", str(tmp_path / "ok.txt")]) == 0
    (tmp_path / "tb.txt").write_text("支付宝付款\n", encoding="utf-8")
    assert main(["lint", "--platform", "taobao", str(tmp_path / "tb.txt")]) == 0
    assert main(["lint", "--all-platforms", str(tmp_path / "tb.txt")]) == 1


def test_html_report_escapes_and_marks(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("<b>加我微信</b>\n", encoding="utf-8")
    report = tmp_path / "r.html"
    assert main(["lint", "--platform", "jd", "--format", "html", "-o", str(report), str(tmp_path / "x.txt")]) == 1
    page = report.read_text(encoding="utf-8")
    assert "&lt;b&gt;" in page and "<b>加" not in page
    assert '<mark class="off_platform_transaction" title="off_platform_transaction: 加微信 (block)">加我微信</mark>' in page


def test_missing_or_unreadable_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["lint", "--platform", "jd", str(tmp_path / "absent.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "bad.yml").write_text("a: [\n", encoding="utf-8")
    assert main(["lint", "--platform", "jd", str(tmp_path / "bad.yml")]) == 2
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    assert main(["lint", "--platform", "jd", str(tmp_path / "bin.txt")]) == 2
    (tmp_path / "c.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["lint", "--platform", "jd", str(tmp_path / "c.csv")]) == 2
    assert "no column 'text'" in capsys.readouterr().err
