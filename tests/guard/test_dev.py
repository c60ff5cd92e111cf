"""The development set the packs were tuned on (kept apart from the labelled test set)."""

from __future__ import annotations

from typing import Dict

import pytest

from kefu.guard import Guard

from .conftest import load_cases

DEV = load_cases("dev.yml")


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=str(c["known_gap"]))) if c["known_gap"] else c
     for c in DEV],
    ids=[str(c["id"]) for c in DEV],
)
def test_dev_case(case: Dict[str, object]) -> None:
    got = list(Guard.for_platform(str(case["platform"])).check(str(case["text"])).categories)
    assert got == case["expected"], case["explanation"]
