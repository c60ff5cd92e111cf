"""Issue 18 #2 at the engine: one candidate per proof, attempts limited per order and per sender,
the same answer for an unknown order and a wrong proof, no order fact before the proof."""

from __future__ import annotations

from pathlib import Path

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.dialogue import CatalogView, Context, State, respond
from kefu.orders.ownership import FAILED, LOCKED, NONE, PROVED, ProofAttempts, judge
from kefu.shop.config import load_shop_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TUESDAY_MORNING = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

LIQIANG = "2611200930456789012"       # 李强 13987654321
TRACKING = "78312456789012"
NAMES = "张伟 王伟 王芳 李伟 王秀英 李秀英 李娜 张秀英 刘伟 张敏 李静 张丽 王静 王丽 李强 张静 李敏 王敏 王磊 李军 刘洋".split()


@pytest.mark.parametrize("text, outcome", [
    ("李强", PROVED), ("收件人是李强", PROVED), ("尾号4321", PROVED), ("13987654321", PROVED),
    ("李强 尾号4321", PROVED), ("李强的快递到哪了", PROVED),
    ("张三", FAILED), ("尾号1234", FAILED), ("李强 尾号1111", FAILED), ("张伟李强", FAILED),
    ("1234 4321", FAILED), (" ".join(NAMES), FAILED), ("".join(NAMES), FAILED), ("、".join(NAMES), FAILED),
    (" ".join(f"{n:04d}" for n in range(4000, 4290)), FAILED),
    ("我的快递到哪了", NONE), ("谢谢", NONE), ("黑色XL", NONE),
])
def test_a_proof_is_one_candidate(text: str, outcome: str) -> None:
    assert judge(text, "李强", "13987654321").outcome == outcome


def test_an_unknown_order_fails_every_offer() -> None:
    assert judge("李强", None, None).outcome == FAILED and judge("在吗", None, None).outcome == NONE


class Buyer:
    def __init__(self, shop, proofs, sender: str) -> None:
        self.shop, self.proofs, self.sender, self.state = shop, proofs, sender, State()
        self.config = load_shop_config(PROJECT_ROOT / "shop" / "shop.yml")
        self.last = None

    def say(self, text: str) -> str:
        ctx = Context(CatalogView.from_store(self.shop), self.shop, self.config, TUESDAY_MORNING, "taobao",
                      conversation_id=self.sender, proofs=self.proofs)
        self.last = respond(text, self.state, ctx)
        self.state = self.last.state
        return "\n".join(self.last.messages)


@pytest.fixture
def proofs(tmp_path: Path) -> ProofAttempts:
    return ProofAttempts(tmp_path / "proofs.db")


def test_guessing_locks_the_order_for_every_sender_and_a_person_checks(shop, proofs) -> None:
    guesser = Buyer(shop, proofs, "guesser")
    guesser.say(f"订单{LIQIANG}到哪了")
    for tail in ("0001", "0002", "0003", "0004", "0005"):
        assert "对不上" in guesser.say(f"尾号{tail}")
    locked = guesser.say("尾号4321")  # the right tail, after five wrong ones
    assert TRACKING not in locked and "核对次数已经用完" in locked
    assert [t.kind for t in guesser.last.tasks] == ["identity_check"]
    owner = Buyer(shop, proofs, "owner")  # a new sender id does not start clean
    assert TRACKING not in owner.say(f"订单{LIQIANG}到哪了 收件人李强")
    assert proofs.counts() == {FAILED: 5, LOCKED: 2}
    assert [row["outcome"] for row in proofs.recent(outcome=LOCKED)] == [LOCKED, LOCKED]


def test_one_sender_guessing_over_orders_is_locked_too(shop, proofs) -> None:
    buyer = Buyer(shop, proofs, "orders")
    for n in range(5):
        buyer.say(f"订单26112000000000000{n}到哪了 尾号{1000 + n}")
    assert TRACKING not in buyer.say(f"订单{LIQIANG}到哪了 收件人李强")


def test_an_unknown_order_and_a_wrong_proof_read_the_same(shop, proofs) -> None:
    known, unknown = Buyer(shop, proofs, "k"), Buyer(shop, proofs, "u")
    assert known.say(f"订单{LIQIANG}到哪了") == unknown.say("订单330106198807153418到哪了")
    assert "330106198807153418" not in unknown.say("张三")
    assert known.say("张三") == unknown.say("张三")


def test_no_order_fact_before_the_proof(shop, proofs) -> None:
    answer = Buyer(shop, proofs, "f").say("2611250820135792468这个还能退吗")
    assert "11月28日" not in answer and "收件人姓名或手机号后四位" in answer and "7天" in answer
    assert "还没有付款" not in Buyer(shop, proofs, "g").say("2611230955001122334 没付款 能改尺码吗")
