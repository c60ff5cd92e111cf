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
# Turns fully correct through the engine when the set was retired; raise them as answers improve. A hand-off
# reads as the sentence the live action sends for its reason (tests.dialogue.conftest.handoff_reply).
FLOORS: Dict[str, Dict[str, int]] = {
    "2026-12-02": {"sample": 144, "kids": 95, "textiles": 94, "cosmetics": 78},
    "2026-12-03": {"sample": 63, "kids": 68, "textiles": 86, "cosmetics": 89},
    "2026-12-03b": {"sample": 110, "kids": 113, "textiles": 109, "cosmetics": 95},
    "2026-12-04": {"sample": 178, "kids": 183, "textiles": 158, "cosmetics": 153, "digital": 124},
    "2026-12-05": {"sample": 152, "kids": 155, "textiles": 153, "cosmetics": 144, "digital": 144, "food": 133},
    "2026-12-06": {"sample": 165, "kids": 168, "textiles": 147, "cosmetics": 141, "digital": 147, "food": 139,
                   "pets": 150},
    "2026-12-07": {"sample": 137, "kids": 124, "textiles": 98, "cosmetics": 88, "digital": 98, "food": 85,
                   "pets": 121, "appliances": 157},
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
