"""The conversation suite (tests/conversations/suite, 200+ buyer turns) against the live stack.

What is scored is what a buyer reads: Rasa's NLU on the buyer's text, the real
actions, the real guard. The same suite runs against the sample shop and against a
second, generated shop (other products, colours, sizes, cut-off, window, couriers)
with the same trained model, so the answers provably come from the shop's files.
Three shops of other categories written by people who had not read the code
(tests/shops/{kids,textiles,cosmetics}) run their own dev sets
(tests/conversations/shops/<shop>/) on the same model. The figures are written to
results/conversation_suite.txt (README reports them).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml

from kefu import replay

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "conversations" / "suite"
RESULTS = ROOT / "results" / "conversation_suite.txt"
MIN_SHARE = 0.95

pytestmark = pytest.mark.live
sys.path.insert(0, str(ROOT / "tests" / "conversations"))


SHOPS = ROOT / "tests" / "shops"
SHOP_SETS = ROOT / "tests" / "conversations" / "shops"
# Dev sets of shops whose data the engine was not written for: below this the test fails.
MIN_DEV_SHARE = 0.80


def play(rasa_url: str, agent_step: Any, facts: Optional[Dict[str, Any]], token: str, suite: Path = SUITE
         ) -> "tuple[replay.SuiteScore, List[str]]":
    """The suite as the shop's own integration: with the stack's API token, so ``order_id`` metadata
    counts as the channel's link (a public caller's would prove nothing, kefu.edge.identity)."""
    score = replay.SuiteScore()
    failures: List[str] = []
    files = sorted(suite.glob("*.yml"))

    def keep(line: str) -> None:
        if not line.startswith("PASS"):
            failures.append(line)

    replay.run_files(files, replay.rest_sender(rasa_url, token), agent_step, out=keep, facts=facts, score=score)
    return score, failures


def record(shop: str, score: replay.SuiteScore, failures: List[str]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    slug = shop.split()[0]
    RESULTS.with_name(f"conversation_suite_failures_{slug}.txt").write_text("\n\n".join(failures) + "\n", encoding="utf-8")
    lines = [l for l in (RESULTS.read_text(encoding="utf-8").splitlines() if RESULTS.exists() else [])
             if not l.startswith(f"{shop}:")]
    RESULTS.write_text("\n".join(lines + [f"{shop}: {score.line()}"]) + "\n", encoding="utf-8")


def test_the_suite_is_big_enough() -> None:
    facts = yaml.safe_load((ROOT / "tests" / "conversations" / "sample_facts.yml").read_text(encoding="utf-8"))
    conversations = [c for p in sorted(SUITE.glob("*.yml")) for c in replay.load_conversations(p, facts)]
    turns = [t for c in conversations for t in c.turns if t.user is not None]
    platforms = {c.metadata.get("platform") for c in conversations}
    assert len(turns) >= 200 and platforms == {"pinduoduo", "taobao", "jd", "douyin"}
    assert sum(t.questions >= 2 for t in turns) >= 10


def test_sample_shop_answers(live_stack, console_agent) -> None:
    facts = yaml.safe_load((ROOT / "tests" / "conversations" / "sample_facts.yml").read_text(encoding="utf-8"))
    score, failures = play(live_stack.settings.rasa_url, console_agent.step, facts, live_stack.token)
    record("sample shop", score, failures)
    print(f"\nsample shop: {score.line()}")
    assert score.share >= MIN_SHARE and score.multi_share >= MIN_SHARE, score.line() + "\n\n" + "\n\n".join(failures)


def _write_shop(name: str, target: Path) -> Optional[Dict[str, Any]]:
    """The shop's files in ``target``; the suite's facts (None for a shop with its own dev set)."""
    if name == "second":
        from second_shop import write_second_shop

        return write_second_shop(target)
    shutil.copytree(SHOPS / name, target)
    return None


@pytest.fixture(scope="module", params=["second", "kids", "textiles", "cosmetics"])
def shop_stack(request: pytest.FixtureRequest, live_stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Another assistant on another shop's files: same trained model, own state and ports."""
    from kefu.shop.store import load_shop
    from kefu.stack import Stack
    from tests.conftest import free_port

    name = request.param
    base = tmp_path_factory.mktemp(f"{name}-shop")
    facts = _write_shop(name, base / "shop")
    settings = replace(
        live_stack.settings, shop_dir=base / "shop", state_dir=base / "state", db_path=base / "state" / "kefu.db",
        rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
    )
    load_shop(settings.shop_dir, settings.db_path)
    stack = Stack(settings)  # every service gets these settings as KEFU_* variables
    try:
        stack.start()
        yield name, stack, facts
    finally:
        stack.stop()


def test_other_shops_answer_from_their_own_files(shop_stack) -> None:
    name, stack, facts = shop_stack
    if name == "second":  # the sample suite, its placeholders filled from the generated shop
        score, failures = play(stack.settings.rasa_url, None, facts, stack.token)
        record("second shop", score, failures)
        print(f"\nsecond shop: {score.line()}")
        assert score.share >= MIN_SHARE and score.multi_share >= MIN_SHARE, score.line() + "\n\n" + "\n\n".join(failures)
        return
    score, failures = play(stack.settings.rasa_url, None, None, stack.token, suite=SHOP_SETS / name)
    record(f"{name} shop (dev set)", score, failures)
    print(f"\n{name} shop (dev set): {score.line()}")
    assert score.turns >= 30
    assert score.share >= MIN_DEV_SHARE, score.line() + "\n\n" + "\n\n".join(failures)
