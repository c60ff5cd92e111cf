"""The held-out answer-quality figure: buyer turns nobody building the engine has read.

The set lives in tests/conversations/heldout/ (``manifest.yml`` names its date, its
writers and the shop files each folder is written against). Each shop gets a fresh
assistant on its own files, ports and state, with the trained model and the frozen
shop clock. The figure is written to results/heldout.txt; it is a measurement, not a
gate: ``make heldout`` runs it and README reports it. Once its failures have been
studied the set is retired into the regression suite and a new one is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from kefu import replay
from kefu.shop.store import load_shop
from kefu.stack import Stack
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = Path(os.environ.get("KEFU_HELDOUT", ROOT / "tests" / "conversations" / "heldout"))
RESULTS = ROOT / "results"

pytestmark = pytest.mark.heldout


def manifest() -> Dict[str, Any]:
    return yaml.safe_load((HELDOUT / "manifest.yml").read_text(encoding="utf-8"))


def shops() -> List[str]:
    return list(manifest()["shops"]) if (HELDOUT / "manifest.yml").exists() else []


@pytest.mark.parametrize("shop", shops())
def test_heldout_shop(shop: str, live_settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    shop_dir = ROOT / manifest()["shops"][shop]
    files = sorted((HELDOUT / shop).glob("*.yml"))
    assert files, f"no held-out files in {HELDOUT / shop}"
    base = tmp_path_factory.mktemp(f"heldout-{shop}")
    settings = replace(
        live_settings, shop_dir=shop_dir, state_dir=base, db_path=base / "kefu.db",
        rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
    )
    load_shop(settings.shop_dir, settings.db_path)
    stack = Stack(settings)
    score = replay.SuiteScore()
    failures: List[str] = []
    stack.start()
    try:
        replay.run_files(files, replay.rest_sender(settings.rasa_url, stack.token),
                         out=lambda line: failures.append(line) if not line.startswith("PASS") else None,
                         facts={}, score=score)
    finally:
        stack.stop()
    out = RESULTS / "heldout"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{shop}_failures.txt").write_text("\n\n".join(failures) + "\n", encoding="utf-8")
    (out / f"{shop}.json").write_text(json.dumps(dataclasses.asdict(score)), encoding="utf-8")
    print(f"\nheld-out {shop}: {score.line()}")
    assert score.turns > 0


def test_heldout_total() -> None:
    """One line per shop and the total, with the set's date: what README reports."""
    out = RESULTS / "heldout"
    total = replay.SuiteScore()
    lines = [f"held-out set {manifest()['set']} ({HELDOUT}), scored {dt.date.today()}"]
    for shop in shops():
        path = out / f"{shop}.json"
        if not path.exists():
            continue
        score = replay.SuiteScore(**json.loads(path.read_text(encoding="utf-8")))
        lines.append(f"  {shop}: {score.line()}")
        for name in ("turns", "correct", "multi", "multi_correct"):
            setattr(total, name, getattr(total, name) + getattr(score, name))
    lines.append(f"  all shops: {total.line()}")
    (RESULTS / "heldout.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines))
    assert total.turns > 0, "no shop was scored"
