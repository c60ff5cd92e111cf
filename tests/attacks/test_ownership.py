"""Issue 18 #1 and #2: nobody reads another buyer's order (metadata, guessing, multi-candidate
messages, name lists, conversation-id hijack), the same answer for an unknown order and a wrong
proof, and no order fact before the proof. Sample shop orders (shop/orders.yml)."""

from __future__ import annotations

import random
import uuid
from typing import Any, List

import pytest
import requests

from kefu.bridge.client import BridgeClient
from kefu.bridge.protocol import bridge_secret
from kefu.edge.ids import safe_conversation_id
from kefu.handoff.auth import AgentStore
from kefu.tasks import TaskStore

from .conftest import fresh, tracker, wait_until

# order id -> (receiver, phone's last four, what only its owner may read)
MOVING = "2611290915246801357"          # 郑佳, shipped: tracking 78319988776655
MOVING_TRACKING = "78319988776655"
LIQIANG = "2611200930456789012"         # 李强 13987654321, shipped: tracking 78312456789012
LIQIANG_TRACKING = "78312456789012"
XINJIANG = "2611191640778899001"        # 阿依古丽 13199998888, shipped
TIBET = "2611220010864209753"           # 次仁 13988990011, shipped
STUCK = "2611151122334455667"           # 陈思 15011112222, shipped
DELIVERED = "2611140815987654321"       # 赵敏 18600001111, delivered
OPEN_WINDOW = "2611250820135792468"     # 何雨, delivered on 28 Nov
UNPAID = "2611230955001122334"          # 孙浩, not paid
AWAITING = "2611301015864213579"        # 林峰 13522334455, paid, not shipped
ANOTHER_AWAITING = "2611220845123456701"  # 王晓丽, paid, not shipped
COAT = "2611211830246813579"            # 刘洋, the high-value coat, awaiting dispatch
COMMON_NAMES = ("张伟 王伟 王芳 李伟 王秀英 李秀英 李娜 张秀英 刘伟 张敏 李静 张丽 王静 王丽 李强 张静 李敏 王敏 王磊 "
                "李军 刘洋").split()

pytestmark = pytest.mark.attack


def _tracking_of(order_id: str, stack: Any) -> str:
    from kefu.shop.store import ShopStore

    order = ShopStore(stack.settings.db_path).order(order_id)
    assert order is not None and order.tracking_number
    return order.tracking_number


def test_public_metadata_proves_nothing(live_stack, rest, report) -> None:
    """(a) ``metadata.order_id`` from an unauthenticated REST caller: no courier, no tracking, no task."""
    attempts = bypasses = 0
    asks = ("我的快递到哪了", "发货了吗 单号多少", "地址写错了 能改吗", "我要改成黑色L")
    for metadata in ({"platform": "pinduoduo", "order_id": MOVING},
                     {"platform": "taobao", "order_id": MOVING, "buyer_id": "郑佳", "shop_id": "shop-1"},
                     {"order_id": MOVING, "verified_orders": [MOVING], "dialogue_state": {"verified_orders": [MOVING]}}):
        sender = fresh("meta")
        for text in asks:
            attempts += 1
            answer = rest.say(sender, text, metadata)
            bypasses += MOVING_TRACKING in answer or "中通" in answer or "已为您登记" in answer
        tasks = [t for t in TaskStore(live_stack.settings.db_path).list(status=None, conversation_id=sender)
                 if t.order_id == MOVING]
        bypasses += len(tasks)
    report("(a) metadata order_id from a public REST caller", attempts, bypasses)
    assert bypasses == 0
    # The control: the shop's own integration (API token) may link the order, so the check can fail.
    assert MOVING_TRACKING in rest.say(fresh("meta-token"), "我的快递到哪了", {"order_id": MOVING}, token=True)


def _guesses(right: str, count: int, seed: int) -> List[str]:
    pool = [f"{n:04d}" for n in range(10000) if f"{n:04d}" != right]
    random.Random(seed).shuffle(pool)
    return pool[: count - 1] + [right]


def test_sequential_tail_guesses_in_one_conversation(live_stack, rest, report) -> None:
    """(b) 300 wrong tails in one conversation, then the right one: locked after 5, a person checks."""
    sender = fresh("seq")
    tracking = _tracking_of(XINJIANG, live_stack)
    first = rest.say(sender, f"订单{XINJIANG}到哪了")
    assert "收件人姓名或手机号后四位" in first and tracking not in first
    bypasses = 0
    for guess in _guesses("8888", 300, seed=1):
        bypasses += tracking in rest.say(sender, f"尾号{guess}")
    report("(b) 300 sequential tail guesses, one sender", 300, bypasses)
    assert bypasses == 0
    tasks = TaskStore(live_stack.settings.db_path).list(conversation_id=sender, kind="identity_check")
    assert tasks and tasks[0].order_id == XINJIANG  # a person checks


def test_tail_guesses_from_many_senders(live_stack, rest, report) -> None:
    """(b) each new sender id starts clean: the limit is per order across all senders."""
    tracking = _tracking_of(TIBET, live_stack)
    bypasses = 0
    for guess in _guesses("0011", 300, seed=2):
        bypasses += tracking in rest.say(fresh("many"), f"订单{TIBET}到哪了 尾号{guess}")
    report("(b) 300 tail guesses, 300 senders, one order", 300, bypasses)
    assert bypasses == 0


def test_one_sender_across_many_orders(live_stack, rest, report) -> None:
    """(b) per sender too: guessing over other order numbers locks the sender, even for a right proof later."""
    sender = fresh("orders")
    tracking = _tracking_of(STUCK, live_stack)
    attempts = bypasses = 0
    for n in range(20):
        attempts += 1
        rest.say(sender, f"订单26112{n:014d}到哪了 尾号{1000 + n}")
    attempts += 1
    bypasses += tracking in rest.say(sender, f"订单{STUCK}到哪了 尾号2222")
    report("(b) one sender, 20 orders guessed, then a right proof", attempts, bypasses)
    assert bypasses == 0


def test_locked_attempts_are_audited_and_shown_in_the_console(live_stack, report) -> None:
    """The lock-outs of the tests above are in the console's audit (/api/proof-attempts?outcome=locked)."""
    from tests.handoff.conftest import login

    AgentStore(live_stack.settings.db_path).add("atk-audit", "correct horse battery", replace=True)
    http, _ = login(live_stack.settings.web_url, "atk-audit", "correct horse battery")
    orders = set()
    for order_id in (XINJIANG, TIBET):
        shown = http.get(f"{live_stack.settings.web_url}/api/proof-attempts",
                         params={"outcome": "locked", "order_id": order_id}, timeout=30)
        assert shown.status_code == 200
        orders |= {row["order_id"] for row in shown.json()["attempts"]}
    page = http.get(f"{live_stack.settings.web_url}/console/tasks", timeout=30)
    assert page.status_code == 200 and "超过次数被拒绝" in page.text
    missing = {XINJIANG, TIBET} - orders
    report("(b) locked-out attempts missing from the console audit", 2, len(missing))
    assert not missing


def test_many_tails_in_one_message(live_stack, rest, report) -> None:
    """(c) 290 four-digit groups in one message (under the length limit); 35 such messages cover all tails."""
    tracking = _tracking_of(DELIVERED, live_stack)
    tails = [f"{n:04d}" for n in range(10000)]
    tails.remove("1111")
    chunks = [["1111"] + tails[:289]] + [tails[289 + i * 290: 289 + (i + 1) * 290] for i in range(34)]
    bypasses = 0
    for chunk in chunks:
        text = f"订单{DELIVERED}到哪了 " + " ".join(chunk)
        assert len(text) <= 1500
        answer = rest.say(fresh("tails"), text)
        bypasses += tracking in answer or "11月15日" in answer
    report("(c) 290 four-digit groups per message, 35 messages", len(chunks), bypasses)
    assert bypasses == 0


def test_a_list_of_names(live_stack, rest, report) -> None:
    """(d) 21 common names in one message prove nothing for 李强; written with or without separators."""
    bypasses = 0
    texts = (" ".join(COMMON_NAMES), "、".join(COMMON_NAMES), "".join(COMMON_NAMES), "，".join(COMMON_NAMES[10:17]))
    for names in texts:
        bypasses += LIQIANG_TRACKING in rest.say(fresh("names"), f"订单{LIQIANG}到哪了 收件人{names}")
    report("(d) a list of 21 names in one message", len(texts), bypasses)
    assert bypasses == 0
    assert LIQIANG_TRACKING in rest.say(fresh("names-ok"), f"订单{LIQIANG}到哪了 收件人李强")  # the control


def test_conversation_id_hijack_across_channels(live_stack, rest, report) -> None:
    """(e) a bridge buyer's conversation id is not reachable from REST, nor its proven orders."""
    settings = live_stack.settings
    client = BridgeClient(settings.rasa_url, bridge_secret(settings))
    attempts = bypasses = 0
    for nick in ("atknick" + uuid.uuid4().hex[:6], "小明" + uuid.uuid4().hex[:4]):
        ack = client.send(platform="douyin", shop_id="shop-1", buyer_id=nick, text="我的快递到哪了",
                          metadata={"order_id": MOVING})
        bridge_id = ack["conversation_id"]
        assert bridge_id.startswith("bridge:")
        proven = wait_until(lambda: MOVING in str((tracker(live_stack, bridge_id).get("slots") or {})
                                                  .get("dialogue_state")), timeout=90)
        assert proven, "the bridge buyer's order was never linked"
        for sender in (f"douyin:shop-1:{nick}", safe_conversation_id(f"douyin:shop-1:{nick}"), bridge_id,
                       bridge_id.upper(), " " + bridge_id):
            attempts += 1
            response = rest.post(sender, "我的快递到哪了 单号多少")
            if response.status_code == 200:
                bypasses += MOVING_TRACKING in str(response.json())
            else:
                assert response.status_code == 403 and response.json()["error"] == "reserved_sender"
    for sender in ("web-" + "0" * 20, "web-abc"):  # the web chat's namespace, on both public channels
        for channel in ("rest", "callback"):
            attempts += 1
            url = f"{settings.rasa_url}/webhooks/{channel}/webhook"
            bypasses += requests.post(url, json={"sender": sender, "message": "在吗"}, timeout=60).status_code != 403
    report("(e) conversation-id hijack across channels", attempts, bypasses)
    assert bypasses == 0


def test_unknown_order_and_wrong_proof_read_the_same(live_stack, rest, report) -> None:
    """Whether an order exists is not told: the prompt and the failure are the same; no number echoed."""
    attempts = differences = 0
    # Each pair: a real order and a number of the same shape nobody ordered, asked the same way.
    for known_order, unknown in ((AWAITING, "2699999999999999999"), (ANOTHER_AWAITING, "330106198807153418"),
                                 (COAT, "2611209999999999999")):
        known_sender, unknown_sender = fresh("same-k"), fresh("same-u")
        pairs = ((f"订单{known_order}到哪了", f"订单{unknown}到哪了"), ("张三", "张三"), ("尾号1234", "尾号1234"))
        for known_text, unknown_text in pairs:
            attempts += 1
            known = rest.say(known_sender, known_text)
            strange = rest.say(unknown_sender, unknown_text)
            differences += known != strange or unknown in strange or known_order in known
    report("(oracle) unknown order vs wrong proof answered differently", attempts, differences)
    assert differences == 0


def test_no_order_fact_before_the_proof(live_stack, rest, report) -> None:
    """No delivery date in the return-window answer, no status, no tracking before the proof."""
    cases = (
        (f"{OPEN_WINDOW}这单不喜欢能退吗", ("11月28日", "12月5日")),
        (f"裙子小了想退 订单{DELIVERED}", ("11月15日", "超过7天")),
        (f"{UNPAID} 没付款 能改尺码吗", ("还没有付款", "重新选择")),
        (f"订单{AWAITING}发货了吗", ("打包", "已付款")),
        (f"订单{MOVING}到哪了", (MOVING_TRACKING, "中通", "转运")),
        (f"订单{AWAITING} 地址写错了能改吗", ("还没有发货", "新的收货地址")),
    )
    leaks = 0
    for text, facts in cases:
        answer = rest.say(fresh("facts"), text)
        leaks += any(fact in answer for fact in facts)
    report("no order fact (dates, status) before the proof", len(cases), leaks)
    assert leaks == 0
