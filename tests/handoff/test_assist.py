"""智能辅助 as suggestions: the pure engine on a copy of the ticket's state, real shop data, no side effects."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from kefu.handoff.assist import MAX_CANDIDATES, suggestions
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.settings import PROJECT_ROOT
from kefu.shop.config import load_shop_config
from kefu.tasks.store import TaskStore

SHIPPED_ORDER = "2611200930456789012"


@pytest.fixture
def shop(tmp_path: Path) -> Dict[str, Any]:
    from kefu.shop.store import ShopStore, load_shop

    db = tmp_path / "kefu.db"
    load_shop(PROJECT_ROOT / "shop", db)
    return {"db": db, "store": ShopStore(db), "config": load_shop_config(PROJECT_ROOT / "shop" / "shop.yml"),
            "tickets": TicketStore(db)}


def chat(shop: Dict[str, Any], lines: List[tuple], **fields: Any) -> Any:
    now = time.time()
    transcript = [TranscriptLine(sender, text, now + i, f"k:{i}", "xiaolin" if sender == "agent" else None)
                  for i, (sender, text) in enumerate(lines)]
    ticket, _ = shop["tickets"].create(conversation_id=f"assist-test-{now}", platform="pinduoduo",
                                       reason="request_human", priority=3, transcript=transcript, **fields)
    return shop["tickets"].get(ticket.id)


def table_counts(db: Path) -> Dict[str, int]:
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    counts = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
    conn.close()
    return counts


def test_candidates_answer_the_waiting_questions_from_the_shops_data(shop: Dict[str, Any]) -> None:
    ticket = chat(shop, [("buyer", "黑色L码还有货吗"), ("buyer", "叫你们人工客服出来")], product_id="p1002")
    result = suggestions(ticket, shop["store"], shop["config"])
    [candidate] = result["candidates"]  # the handoff request drafts nothing: the agent is the person
    black_l = next(s for s in shop["store"].skus("p1002") if (s.color, s.size) == ("黑色", "L"))
    assert candidate["question"] == "黑色L码还有货吗" and "黑色/L" in candidate["text"]
    assert f"规格：黑色/L 库存 {black_l.stock} 件" in candidate["facts"]
    assert any(f.startswith("商品：加绒连帽卫衣") for f in candidate["facts"]) and "问题：库存" in candidate["facts"]
    assert "人工客服" not in candidate["text"]


def test_no_side_effects_no_tasks_no_records_no_tickets(shop: Dict[str, Any]) -> None:
    ticket = chat(shop, [("buyer", "灰色M到货了通知我"), ("buyer", "帮我开个发票，抬头杭州某某公司"),
                         ("buyer", f"订单{SHIPPED_ORDER}改地址到上海市浦东新区张江路1号")],
                  product_id="p1002", order_id=SHIPPED_ORDER)
    before = table_counts(shop["db"])
    result = suggestions(ticket, shop["store"], shop["config"])
    assert result["candidates"]  # the engine promised a restock notice and more...
    assert any("到货" in c["text"] for c in result["candidates"])
    assert table_counts(shop["db"]) == before  # ...but nothing was stored anywhere: no task, record, ticket
    assert TaskStore(shop["db"]).list() == []
    assert shop["tickets"].get(ticket.id).transcript == ticket.transcript


def test_at_most_three_newest_first_and_only_what_waits_for_the_agent(shop: Dict[str, Any]) -> None:
    ticket = chat(shop, [("buyer", "周日发货吗"), ("agent", "亲，周日不发货哦"), ("buyer", "包邮吗"),
                         ("buyer", "发新疆几天到"), ("buyer", "能开发票吗"), ("buyer", "可以用优惠券吗")],
                  product_id="p1002")
    result = suggestions(ticket, shop["store"], shop["config"])
    assert result["questions"] == ["可以用优惠券吗", "能开发票吗", "发新疆几天到", "包邮吗"]
    assert len(result["candidates"]) == MAX_CANDIDATES
    assert [c["question"] for c in result["candidates"]] == result["questions"][:3]
    assert all(c["facts"] and c["facts"][0].startswith("问题：") for c in result["candidates"])


def test_an_answer_the_bot_already_sent_is_not_offered_again(shop: Dict[str, Any]) -> None:
    first = suggestions(chat(shop, [("buyer", "黑色L码还有货吗")], product_id="p1002"), shop["store"], shop["config"])
    bot_said = first["candidates"][0]["text"]
    again = chat(shop, [("buyer", "黑色L码还有货吗"), ("bot", bot_said)], product_id="p1002")
    assert suggestions(again, shop["store"], shop["config"])["candidates"] == []
