"""Shared loading of the guard's labelled cases (tests/guard/labelled.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import yaml

HERE = Path(__file__).parent


def load_cases(name: str = "labelled.yml") -> List[Dict[str, object]]:
    data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    legend = data["legend"]
    gaps = data.get("known_gaps") or {}
    cases = []
    for case_id, platform, text, expected, explanation in data["cases"]:
        cases.append({"id": case_id, "platform": platform, "text": str(text),
                      "expected": sorted(legend[c] for c in expected), "explanation": explanation,
                      "known_gap": gaps.get(case_id)})
    return cases
