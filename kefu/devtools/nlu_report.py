"""Score intents and entities on the held-out NLU test set (``kefu nlu-report``).

``make test-nlu`` runs ``rasa test nlu`` on ``tests/nlu`` (never used for
training) and fails below an intent macro-F1. Rasa writes its figures as JSON;
this module reads them back, prints one table a person can read, adds the
confusion between ask_shipping_time and ask_logistics (the pair buyers blur the
most: "when will it ship?" before and after paying), and writes the same
summary as Markdown to ``results/nlu/summary.md`` for the README.

Rasa runs as a subprocess from the same virtualenv, so nothing here imports
rasa (kefu/ stays free of it) and the heavy TensorFlow start-up only happens
when a report is actually asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from kefu.cli import CommandError
from kefu.settings import PROJECT_ROOT

DEFAULT_MODEL = Path("models") / "kefu.tar.gz"
DEFAULT_TEST_DATA = Path("tests") / "nlu"
DEFAULT_OUT = Path("results") / "nlu"
INTENT_REPORT = "intent_report.json"
INTENT_ERRORS = "intent_errors.json"
SUMMARY = "summary.md"
# The two intents whose mix-up matters most for the dialogue: one answers with
# the shop's shipping promise, the other looks up the buyer's order.
CONFUSION_PAIR: Tuple[str, str] = ("ask_shipping_time", "ask_logistics")
# Keys of a Rasa/sklearn classification report that are aggregates, not labels.
AGGREGATE_KEYS = frozenset({"accuracy", "micro avg", "macro avg", "weighted avg", "samples avg"})


@dataclass(frozen=True)
class LabelScore:
    """Precision/recall/F1/support of one intent or entity."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class NluReport:
    """Everything the table and the Markdown summary show."""

    intents: List[LabelScore]
    macro_f1: float
    accuracy: float
    # (true intent, predicted intent) -> number of test examples.
    confusion: Dict[Tuple[str, str], int] = field(default_factory=dict)
    entities: List[LabelScore] = field(default_factory=list)
    entity_f1: Optional[float] = None
    entity_extractor: Optional[str] = None

    @property
    def total_support(self) -> int:
        return sum(score.support for score in self.intents)


# --------------------------------------------------------------------- parsing


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{path} not found; did `rasa test nlu` run?") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None


def _label_scores(report: Mapping[str, Any], source: Path) -> List[LabelScore]:
    scores = []
    for name, row in report.items():
        if name in AGGREGATE_KEYS or not isinstance(row, Mapping):
            continue
        try:
            scores.append(
                LabelScore(
                    name=str(name),
                    precision=float(row["precision"]),
                    recall=float(row["recall"]),
                    f1=float(row["f1-score"]),
                    support=int(row["support"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CommandError(f"{source}: entry {name!r} is not a classification-report row ({exc})") from None
    return sorted(scores, key=lambda score: score.name)


def parse_intent_report(path: Path) -> Tuple[List[LabelScore], float, float]:
    """Per-intent scores, macro-F1 and accuracy from Rasa's ``intent_report.json``.

    Macro-F1 is the unweighted mean over the intents present in the test set
    (support > 0), the same as sklearn's "macro avg" for Rasa's report; it is
    recomputed so a report without the aggregate rows still works.
    """
    data = _read_json(path)
    if not isinstance(data, Mapping):
        raise CommandError(f"{path}: expected a JSON object, got {type(data).__name__}")
    intents = [score for score in _label_scores(data, path) if score.support > 0]
    if not intents:
        raise CommandError(f"{path}: no intent with test examples; is the test set empty?")
    macro_f1 = sum(score.f1 for score in intents) / len(intents)
    accuracy = data.get("accuracy")
    if not isinstance(accuracy, (int, float)):
        micro = data.get("micro avg")
        accuracy = micro.get("f1-score") if isinstance(micro, Mapping) else None
    if not isinstance(accuracy, (int, float)):
        # Without errors there is no way to tell: derive from recall * support.
        correct = sum(score.recall * score.support for score in intents)
        accuracy = correct / sum(score.support for score in intents)
    return intents, macro_f1, float(accuracy)


def confusion_counts(
    out_dir: Path, intent_report: Mapping[str, Any], pair: Tuple[str, str] = CONFUSION_PAIR
) -> Dict[Tuple[str, str], int]:
    """How often each intent of ``pair`` was predicted as the other.

    Counted exactly from ``intent_errors.json`` when Rasa wrote it; otherwise
    from the report's ``confused_with`` (which lists only the top confusions).
    """
    first, second = pair
    directions = [(first, second), (second, first)]
    errors_path = out_dir / INTENT_ERRORS
    counts = {direction: 0 for direction in directions}
    if errors_path.exists():
        errors = _read_json(errors_path)
        if not isinstance(errors, list):
            raise CommandError(f"{errors_path}: expected a JSON list of errors")
        for error in errors:
            if not isinstance(error, Mapping):
                continue
            prediction = error.get("intent_prediction") or {}
            key = (error.get("intent"), prediction.get("name") if isinstance(prediction, Mapping) else None)
            if key in counts:
                counts[key] += 1  # type: ignore[index]
        return counts
    for true, predicted in directions:
        row = intent_report.get(true)
        confused = row.get("confused_with", {}) if isinstance(row, Mapping) else {}
        counts[(true, predicted)] = int(confused.get(predicted, 0)) if isinstance(confused, Mapping) else 0
    return counts


def find_entity_report(out_dir: Path) -> Optional[Path]:
    """Rasa names entity reports after the extractor (``DIETClassifier_report.json``)."""
    candidates = sorted(
        path for path in out_dir.glob("*_report.json")
        if path.name != INTENT_REPORT and not path.name.startswith("response_selection")
    )
    return candidates[0] if candidates else None


def parse_entity_report(path: Path) -> Tuple[List[LabelScore], Optional[float]]:
    """Per-entity scores and the micro-averaged entity F1 (over all entity tokens)."""
    data = _read_json(path)
    if not isinstance(data, Mapping):
        raise CommandError(f"{path}: expected a JSON object, got {type(data).__name__}")
    entities = [score for score in _label_scores(data, path) if score.support > 0]
    micro = data.get("micro avg")
    if isinstance(micro, Mapping) and isinstance(micro.get("f1-score"), (int, float)):
        return entities, float(micro["f1-score"])
    if isinstance(data.get("accuracy"), (int, float)):
        return entities, float(data["accuracy"])
    return entities, None


def load_report(out_dir: Path) -> NluReport:
    """Read every figure Rasa wrote to ``out_dir`` into one :class:`NluReport`."""
    intent_path = out_dir / INTENT_REPORT
    intents, macro_f1, accuracy = parse_intent_report(intent_path)
    report = NluReport(
        intents=intents,
        macro_f1=macro_f1,
        accuracy=accuracy,
        confusion=confusion_counts(out_dir, _read_json(intent_path)),
    )
    entity_path = find_entity_report(out_dir)
    if entity_path is not None:
        report.entities, report.entity_f1 = parse_entity_report(entity_path)
        report.entity_extractor = entity_path.name[: -len("_report.json")]
    return report


# ------------------------------------------------------------------- rendering


def format_table(report: NluReport) -> str:
    """A plain-text table for the terminal."""
    width = max([len("intent")] + [len(score.name) for score in report.intents + report.entities])
    header = f"{'intent':<{width}}  precision  recall     f1  support"
    lines = [header, "-" * len(header)]
    for score in report.intents:
        lines.append(
            f"{score.name:<{width}}  {score.precision:9.3f}  {score.recall:6.3f}  {score.f1:5.3f}  {score.support:7d}"
        )
    lines.append("-" * len(header))
    lines.append(f"intent macro-F1: {report.macro_f1:.3f}   accuracy: {report.accuracy:.3f}"
                 f"   examples: {report.total_support}")
    for (true, predicted), count in report.confusion.items():
        lines.append(f"{true} predicted as {predicted}: {count}")
    if report.entities:
        lines.append("")
        lines.append(f"{'entity':<{width}}  precision  recall     f1  support")
        for score in report.entities:
            lines.append(
                f"{score.name:<{width}}  {score.precision:9.3f}  {score.recall:6.3f}  {score.f1:5.3f}  {score.support:7d}"
            )
    if report.entity_f1 is not None:
        lines.append(f"entity F1 (micro, {report.entity_extractor}): {report.entity_f1:.3f}")
    return "\n".join(lines)


def render_markdown(report: NluReport, min_macro_f1: Optional[float] = None) -> str:
    """The same figures as Markdown (``results/nlu/summary.md``)."""
    lines = ["# NLU test report (tests/nlu)", ""]
    verdict = ""
    if min_macro_f1 is not None:
        verdict = " (pass)" if passes(report, min_macro_f1) else f" (FAIL: below {min_macro_f1:.2f})"
    lines.append(f"- Intent macro-F1: **{report.macro_f1:.3f}**{verdict}")
    lines.append(f"- Intent accuracy: {report.accuracy:.3f} on {report.total_support} examples")
    if report.entity_f1 is not None:
        lines.append(f"- Entity F1 (micro, {report.entity_extractor}): {report.entity_f1:.3f}")
    for (true, predicted), count in report.confusion.items():
        lines.append(f"- `{true}` predicted as `{predicted}`: {count}")
    lines += ["", "| intent | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for score in report.intents:
        lines.append(f"| {score.name} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} | {score.support} |")
    if report.entities:
        lines += ["", "| entity | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for score in report.entities:
            lines.append(
                f"| {score.name} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} | {score.support} |"
            )
    return "\n".join(lines) + "\n"


def passes(report: NluReport, min_macro_f1: Optional[float]) -> bool:
    """True when there is no threshold or the macro-F1 reaches it."""
    # The tolerance only absorbs float rounding of the mean (0.7+0.8+0.9)/3 < 0.8.
    return min_macro_f1 is None or report.macro_f1 >= min_macro_f1 - 1e-9


# --------------------------------------------------------------------- command


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help=f"trained model (default: {DEFAULT_MODEL})")
    parser.add_argument("--nlu", type=Path, default=DEFAULT_TEST_DATA,
                        help=f"held-out test data, file or directory (default: {DEFAULT_TEST_DATA})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"where Rasa writes its results and summary.md goes (default: {DEFAULT_OUT})")
    parser.add_argument("--min-macro-f1", type=_fraction, default=None, metavar="F1",
                        help="exit 1 when the intent macro-F1 is below this value (0..1)")
    parser.add_argument("--baseline", action="store_true",
                        help="also train and score a char n-gram tf-idf + logistic-regression baseline on the same data")
    parser.add_argument("--no-run", action="store_true",
                        help="do not run rasa; summarise the results already in --out")


def _resolve(path: Path, root: Path) -> Path:
    return path if path.is_absolute() else root / path


def run_rasa_test(model: Path, test_data: Path, out_dir: Path, root: Path) -> None:
    """Run ``rasa test nlu`` from the same virtualenv; raise CommandError on failure."""
    if not model.is_file():
        raise CommandError(
            f"model not found: {model}. Train it first: `make train` (or `kefu train-if-needed`)."
        )
    if not test_data.exists():
        raise CommandError(f"test data not found: {test_data}")
    rasa = Path(sys.executable).with_name("rasa")
    if not rasa.exists():
        raise CommandError(f"rasa is not installed next to {sys.executable}; run `make install`")
    out_dir.mkdir(parents=True, exist_ok=True)
    # A failed run must not leave the previous run's figures to be read back.
    for stale in (INTENT_REPORT, INTENT_ERRORS):
        (out_dir / stale).unlink(missing_ok=True)
    for stale in out_dir.glob("*_report.json"):
        stale.unlink()
    command = [str(rasa), "test", "nlu", "--nlu", str(test_data), "--model", str(model), "--out", str(out_dir)]
    print("Scoring NLU:", " ".join(["rasa"] + command[1:]), flush=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    try:
        result = subprocess.run(command, cwd=root, env=env)
    except OSError as exc:
        raise CommandError(f"cannot start rasa: {exc}") from None
    if result.returncode != 0:
        raise CommandError(f"`rasa test nlu` failed with exit code {result.returncode}; see the output above")


def run(args: argparse.Namespace, root: Optional[Path] = None) -> int:
    """``kefu nlu-report``: 0 when the macro-F1 reaches --min-macro-f1, else 1."""
    root = root or PROJECT_ROOT
    out_dir = _resolve(args.out, root)
    if not args.no_run:
        run_rasa_test(_resolve(args.model, root), _resolve(args.nlu, root), out_dir, root)
    report = load_report(out_dir)
    print(format_table(report))
    summary = out_dir / SUMMARY
    markdown = render_markdown(report, args.min_macro_f1)
    if getattr(args, "baseline", False):
        from kefu.devtools.nlu_baseline import read_examples, score

        base = score(read_examples([root / "data" / "nlu"]), read_examples([_resolve(args.nlu, root)]))
        line = (f"Baseline (char 1-4-gram tf-idf + logistic regression, same {base['train']:.0f} training and "
                f"{base['test']:.0f} held-out examples): macro-F1 {base['macro_f1']:.3f}, accuracy {base['accuracy']:.3f}"
                f" | kefu pipeline: macro-F1 {report.macro_f1:.3f}")
        print(line)
        markdown += "\n" + line + "\n"
    summary.write_text(markdown, encoding="utf-8")
    print(f"Summary written to {summary}")
    if not passes(report, args.min_macro_f1):
        print(
            f"NLU check failed: intent macro-F1 {report.macro_f1:.3f} is below {args.min_macro_f1:.2f}",
            file=sys.stderr,
        )
        return 1
    return 0


__all__: Sequence[str] = (
    "LabelScore", "NluReport", "add_arguments", "run", "load_report", "parse_intent_report",
    "parse_entity_report", "confusion_counts", "format_table", "render_markdown", "passes",
)
