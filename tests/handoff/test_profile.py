"""Customer profile over real stores: tags and notes per shop, past tickets and orders from the shop data."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kefu.handoff.profile import ProfileError, ProfileStore, profile
from kefu.tickets.store import TicketStore
from kefu.tickets.triggers import REASON_LABELS
from kefu.handoff.workbench import OUTCOME_LABELS, STATUS_LABELS
from kefu.settings import PROJECT_ROOT

LABELS = {"status": STATUS_LABELS, "reason": REASON_LABELS, "outcome": OUTCOME_LABELS}


def test_tags_notes_per_shop_and_past_tickets_and_orders(tmp_path: Path) -> None:
    from kefu.shop.store import ShopStore, load_shop

    db = tmp_path / "kefu.db"
    load_shop(PROJECT_ROOT / "shop", db)
    tickets, store, shop = TicketStore(db), ProfileStore(db), ShopStore(db)
    old, _ = tickets.create(conversation_id="b-buyer-7", platform="jd", reason="after_sale", priority=2,
                            order_id="2611151122334455667", now=time.time() - 86400)
    tickets.claim(old.id, "lin")
    tickets.close(old.id, "lin", "refund")
    current, _ = tickets.create(conversation_id="b-buyer-7", platform="jd", reason="complain", priority=2,
                                order_id="2611200930456789012")
    other, _ = tickets.create(conversation_id="b-buyer-8", platform="jd", reason="complain", priority=2)
    assert store.set_tags("简衣小铺", "b-buyer-7", ["老客户", "爱退货", "老客户", " "], "lin") == ["老客户", "爱退货"]
    store.add_note("简衣小铺", "b-buyer-7", "上次退货嫌慢，回复要快", "lin")
    store.add_note("另一家店", "b-buyer-7", "不该出现在简衣小铺", "lin")
    view = profile(store, tickets, shop, "简衣小铺", tickets.get(current.id), LABELS)
    assert view["tags"] == ["老客户", "爱退货"]
    assert [n["text"] for n in view["notes"]] == ["上次退货嫌慢，回复要快"]  # per shop
    assert [(t["id"], t["status_label"], t["outcome_label"]) for t in view["tickets"]] == [(old.id, "已结束", "已退款/退货")]
    assert [(o["订单号"], o["商品"]) for o in view["orders"]] == [("2611200930456789012", "加绒连帽卫衣"),
                                                                 ("2611151122334455667", "高腰直筒牛仔裤")]
    assert profile(store, tickets, shop, "简衣小铺", tickets.get(other.id), LABELS)["tags"] == []
    for bad in ("老客户", ["x" * 13], [f"t{i}" for i in range(13)], [1]):
        with pytest.raises(ProfileError):
            store.set_tags("简衣小铺", "b-buyer-7", bad, "lin")
    with pytest.raises(ProfileError):
        store.add_note("简衣小铺", "b-buyer-7", " ", "lin")
