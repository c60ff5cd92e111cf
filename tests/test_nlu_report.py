"""`kefu nlu-report`: reading Rasa's result files, the macro-F1 gate, clear errors.

The result files are written by the tests in Rasa's own format (as produced by
`rasa test nlu` 3.6), and the real command function reads them with --no-run,
so no model or TensorFlow is needed here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from kefu import cli
from kefu.cli import CommandError
from kefu.devtools import nlu_report


def _row(precision: float, recall: float, f1: float, support: int, **extra: Any) -> Dict[str, Any]:
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": support, **extra}


def write_results(out: Path, errors: Optional[List[Dict[str, Any]]] = None) -> None:
    """A small but realistic results/nlu: 3 intents, macro-F1 0.8, one entity report."""
    out.mkdir(parents=True, exist_ok=True)
    intent_report = {
        "ask_shipping_time": _row(0.75, 0.6, 0.7, 10, confused_with={"ask_logistics": 3, "greet": 1}),
        "ask_logistics": _row(0.7, 0.8, 0.8, 10, confused_with={"ask_shipping_time": 2}),
        "greet": _row(0.9, 0.9, 0.9, 10, confused_with={}),
        "accuracy": 0.7667,
        "macro avg": _row(0.783, 0.767, 0.8, 30),
        "weighted avg": _row(0.783, 0.767, 0.8, 30),
    }
    (out / "intent_report.json").write_text(json.dumps(intent_report), encoding="utf-8")
    if errors is not None:
        (out / "intent_errors.json").write_text(json.dumps(errors, ensure_ascii=False), encoding="utf-8")
    entity_report = {
        "size": _row(1.0, 0.9, 0.947, 10),
        "color": _row(0.8, 1.0, 0.889, 4),
        "micro avg": _row(0.93, 0.93, 0.93, 14),
        "macro avg": _row(0.9, 0.95, 0.918, 14),
        "weighted avg": _row(0.94, 0.93, 0.93, 14),
    }
    (out / "DIETClassifier_report.json").write_text(json.dumps(entity_report), encoding="utf-8")


def _error(true: str, predicted: str, text: str = "x") -> Dict[str, Any]:
    return {"text": text, "intent": true, "intent_prediction": {"name": predicted, "confidence": 0.6}}


def parse_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    nlu_report.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_figures_are_read_from_rasa_reports(tmp_path: Path) -> None:
    errors = [
        _error("ask_shipping_time", "ask_logistics", "什么时候发"),
        _error("ask_shipping_time", "ask_logistics", "几天到"),
        _error("ask_logistics", "ask_shipping_time", "发了没"),
        _error("greet", "ask_logistics", "在吗"),
    ]
    write_results(tmp_path, errors)
    report = nlu_report.load_report(tmp_path)
    assert [score.name for score in report.intents] == ["ask_logistics", "ask_shipping_time", "greet"]
    assert report.macro_f1 == pytest.approx(0.8)
    assert report.accuracy == pytest.approx(0.7667)
    assert report.total_support == 30
    # Exact counts from the errors file, in both directions; greet's error is not part of the pair.
    assert report.confusion == {
        ("ask_shipping_time", "ask_logistics"): 2,
        ("ask_logistics", "ask_shipping_time"): 1,
    }
    assert report.entity_extractor == "DIETClassifier"
    assert report.entity_f1 == pytest.approx(0.93)
    assert {score.name: score.support for score in report.entities} == {"size": 10, "color": 4}


def test_confusion_falls_back_to_confused_with_without_errors_file(tmp_path: Path) -> None:
    write_results(tmp_path, errors=None)
    report = nlu_report.load_report(tmp_path)
    assert report.confusion == {
        ("ask_shipping_time", "ask_logistics"): 3,
        ("ask_logistics", "ask_shipping_time"): 2,
    }


def test_macro_f1_ignores_labels_without_test_examples(tmp_path: Path) -> None:
    # A label only ever predicted (support 0) must not drag the average down.
    report = {
        "greet": _row(1.0, 1.0, 1.0, 5),
        "goodbye": _row(1.0, 0.5, 0.6, 4),
        "nlu_fallback": _row(0.0, 0.0, 0.0, 0),
    }
    path = tmp_path / "intent_report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    intents, macro_f1, accuracy = nlu_report.parse_intent_report(path)
    assert [score.name for score in intents] == ["goodbye", "greet"]
    assert macro_f1 == pytest.approx(0.8)
    assert accuracy == pytest.approx(7 / 9)  # derived from recall x support when no accuracy row


def test_gate_fails_below_threshold_and_writes_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_results(tmp_path, errors=[_error("ask_logistics", "ask_shipping_time")])
    code = nlu_report.run(parse_args("--no-run", "--out", str(tmp_path), "--min-macro-f1", "0.90"))
    assert code == 1
    captured = capsys.readouterr()
    assert "macro-F1: 0.800" in captured.out
    assert "ask_logistics predicted as ask_shipping_time: 1" in captured.out
    assert "below 0.90" in captured.err
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "Intent macro-F1: **0.800** (FAIL: below 0.90)" in summary
    assert "| ask_shipping_time | 0.750 | 0.600 | 0.700 | 10 |" in summary
    assert "| size | 1.000 | 0.900 | 0.947 | 10 |" in summary


def test_gate_passes_at_or_above_threshold(tmp_path: Path) -> None:
    write_results(tmp_path, errors=[])
    assert nlu_report.run(parse_args("--no-run", "--out", str(tmp_path), "--min-macro-f1", "0.8")) == 0
    assert "(pass)" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    # Without a threshold the command only reports.
    assert nlu_report.run(parse_args("--no-run", "--out", str(tmp_path))) == 0


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    args = parse_args("--model", str(tmp_path / "models" / "kefu.tar.gz"), "--out", str(tmp_path / "out"))
    with pytest.raises(CommandError, match=r"model not found: .*kefu\.tar\.gz.*make train"):
        nlu_report.run(args)


def test_missing_model_through_the_cli_prints_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the devtools commands: the other areas' modules are not under test here.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("kefu.devtools",))
    code = cli.main(["nlu-report", "--model", str(tmp_path / "nope.tar.gz"), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("kefu nlu-report: model not found")
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not found"),
        ("{not json", "cannot read"),
        ("[1, 2]", "expected a JSON object"),
        ('{"greet": {"precision": 1}}', "not a classification-report row"),
        ('{"greet": {"precision": 1, "recall": 1, "f1-score": 1, "support": 0}}', "no intent with test examples"),
    ],
)
def test_bad_result_files_are_clear_errors(tmp_path: Path, content: Optional[str], message: str) -> None:
    if content is not None:
        (tmp_path / "intent_report.json").write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        nlu_report.load_report(tmp_path)


@pytest.mark.parametrize("value", ["1.5", "-0.1", "abc"])
def test_threshold_must_be_a_fraction(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args("--min-macro-f1", value)
    assert exit_info.value.code == 2
    assert "--min-macro-f1" in capsys.readouterr().err
