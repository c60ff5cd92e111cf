"""Retired held-out sets (tests/conversations/retired/<date>/), through the engine, as regression.

A held-out set is scored once per change while nobody building has read it; once its failures
have been studied it is retired here and a new one is written. From then on it is a regression
suite like any other: these floors are the engine-level figures when it was retired, so a change
that makes more of its turns wrong fails. No NLU and no guard here, as in test_shop_dev_sets.py;
the live figure of a set is what `make heldout` reported while it was held out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from tests.dialogue.conftest import replay_files

ROOT = Path(__file__).resolve().parents[2]
RETIRED = ROOT / "tests" / "conversations" / "retired"
# Turns fully correct through the engine when the set was retired; raise them as answers improve. A shop-rule
# hand-off (a refund above the shop's amount) says nothing here: the live action tells the buyer a person comes.
FLOORS: Dict[str, Dict[str, int]] = {
    "2026-12-02": {"sample": 129, "kids": 92, "textiles": 89, "cosmetics": 73},
    "2026-12-03": {"sample": 58, "kids": 65, "textiles": 85, "cosmetics": 85},
    "2026-12-03b": {"sample": 103, "kids": 109, "textiles": 100, "cosmetics": 88},
    "2026-12-04": {"sample": 165, "kids": 172, "textiles": 150, "cosmetics": 143, "digital": 120},
    "2026-12-05": {"sample": 141, "kids": 147, "textiles": 146, "cosmetics": 137, "digital": 137, "food": 127},
    "2026-12-06": {"sample": 155, "kids": 164, "textiles": 142, "cosmetics": 134, "digital": 142, "food": 133,
                   "pets": 143},
    "2026-12-07": {"sample": 128, "kids": 119, "textiles": 94, "cosmetics": 84, "digital": 94, "food": 83,
                   "pets": 110, "appliances": 144},
}


def cases() -> List[tuple]:
    return [(date, shop) for date, shops in FLOORS.items() for shop in shops]


@pytest.mark.parametrize("date,shop", cases())
def test_retired_set_does_not_fall(date: str, shop: str, tmp_path: Path) -> None:
    manifest = yaml.safe_load((RETIRED / date / "manifest.yml").read_text(encoding="utf-8"))
    shop_dir = ROOT / manifest["shops"][shop]
    score, failures = replay_files(shop_dir, sorted((RETIRED / date / shop).glob("*.yml")), tmp_path / "kefu.db")
    out = ROOT / "results" / "retired"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{date}_{shop}_failures.txt").write_text("\n\n".join(failures) + "\n", encoding="utf-8")
    print(f"\nretired {date} {shop}: {score.line()}")
    assert score.turns >= 60
    assert score.correct >= FLOORS[date][shop], score.line() + "\n\n" + "\n\n".join(failures[:40])
