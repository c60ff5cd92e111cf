"""One buyer message in, one reply turn out: every question answered, in order, from shop data.

``respond`` is a pure function of the message, the conversation's state (kept by
Rasa in the ``dialogue_state`` slot) and the shop: it reads what the message
names (:mod:`kefu.dialogue.mentions`), which questions it asks
(:mod:`kefu.dialogue.questions`), answers each, and returns at most three
bubbles, the new state, the tasks a person must do for the promises made, and
whether a person should take over. No form can stay open or resurface: a
question waiting for an answer ("which colour?") is kept only until the buyer
answers it or asks something else.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from kefu import normalize
from kefu.dialogue import answers as specific
from kefu.dialogue import sizing
from kefu.dialogue import stock as stock_view
from kefu.dialogue import facts
from kefu.dialogue.facts import answer_fact
from kefu.dialogue.mentions import CatalogView, Mentions, read
from kefu.dialogue.promises import Record, TaskRequest
from kefu.dialogue import absent, complaint, memory, moments
from kefu.dialogue.handlers import HANDLERS, HandlerCall, awaiting_order, basket, basket_price, late_dispatch, order_courier_change
from kefu.dialogue.kinds import pending_or_none
from kefu.dialogue.kinds import kind as kind_record
from kefu.dialogue.questions import INTENT_KIND, SMALL_TALK, TOPIC, Question, clauses, detect
from kefu.orders import ownership
from kefu.shop import answers as shop_answers
from kefu.shop.answers import Answer, join_items, reply
from kefu.shop.config import ShopConfig
from kefu.shop.models import Order, OrderStatus, Product
from kefu.tickets.triggers import HandoffRules, asks_for_refund, shop_rule_trigger

MAX_BUBBLES = 3
OUTSIDE_MAINLAND = ("香港", "澳门", "台湾")
HANDOFF_AFTER_MISSES = 2
INTENT_CONFIDENCE = 0.5
# Questions a complaint may ask that the shop's own rules answer before the person takes over.
_RULES_IN_A_COMPLAINT = ("return_who_pays", "refund_time", "freight_insurance")
MISS_INTENTS = ("nlu_fallback", "out_of_scope")
_ADDRESS_HINT = ("省", "市", "区", "县", "路", "街", "号", "镇", "村", "栋", "室", "小区", "大道", "弄")


@dataclass
class State:
    """What the conversation remembers between messages (JSON in the ``dialogue_state`` slot)."""

    product_id: Optional[str] = None
    link_product_id: Optional[str] = None
    order_id: Optional[str] = None
    verified_orders: List[str] = field(default_factory=list)
    color: Optional[str] = None
    size: Optional[str] = None
    last_topic: Optional[str] = None
    last_kind: Optional[str] = None
    # Every kind the last message asked (「多少钱 还有吗」 then 「220x240的呢」 asks both again).
    last_kinds: List[str] = field(default_factory=list)
    pending: Optional[Dict[str, Any]] = None
    misses: int = 0
    acked_ticket: Optional[int] = None
    measures: Dict[str, float] = field(default_factory=dict)  # height, age, bed width … given so far
    province: Optional[str] = None  # the place last asked about (「西藏包邮吗」 … 「那几天到」)
    # The size the bot advised last (「黑的呢」 after advising 41 asks about black in 41).
    advised_size: Optional[str] = None
    # While a person is on the way (actions/waiting.py): when the last queue status was said, and which.
    status_at: Optional[float] = None
    status_said: List[str] = field(default_factory=list)

    @classmethod
    def load(cls, value: Any) -> "State":
        if not isinstance(value, dict):
            return cls()
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        try:
            state = cls(**known)
        except TypeError:
            return cls()
        if not isinstance(state.verified_orders, list):
            state.verified_orders = []
        state.pending = pending_or_none(state.pending) if state.pending is not None else None
        if not isinstance(state.status_said, list):
            state.status_said = []
        if not isinstance(state.last_kinds, list):
            state.last_kinds = []
        return state

    def dump(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass
class Context:
    catalog: CatalogView
    store: Any
    config: ShopConfig
    now: dt.datetime
    platform: str
    link_product_id: Optional[str] = None
    link_order_id: Optional[str] = None
    intent: Optional[str] = None
    confidence: float = 0.0
    # Who is asking, and the record of proof attempts (kefu.orders.ownership.ProofAttempts): the
    # limit per order and per sender. None (unit tests of answers) leaves attempts unlimited.
    conversation_id: str = ""
    proofs: Any = None
    # kefu_rasa.abuse's reading of the message (insult/threat): always a person's case.
    abuse: Optional[str] = None


@dataclass
class Turn:
    messages: List[str]
    state: State
    tasks: List[TaskRequest] = field(default_factory=list)
    records: List[Record] = field(default_factory=list)
    handoff: Optional[str] = None
    kinds: List[str] = field(default_factory=list)


class _Reply:
    """The answers of one turn, collected in order."""

    def __init__(self) -> None:
        self.parts: List[str] = []
        self.tasks: List[TaskRequest] = []
        self.records: List[Record] = []
        self.handoff: Optional[str] = None
        self.pending: Optional[Dict[str, Any]] = None
        self.locked = False  # proof attempts exhausted: a person checks
        self.asked_proof = False  # this reply asks for the receiver's name or phone tail (a verify is open)
        self.kinds_answered: List[str] = []

    def say(self, text: str) -> None:
        text = (text or "").strip()
        if text and text not in self.parts:
            self.parts.append(text)

    def bubbles(self) -> List[str]:
        parts = list(self.parts)
        if len(parts) <= MAX_BUBBLES:
            return parts
        tail = [p[2:] if p.startswith("亲，") else p for p in parts[MAX_BUBBLES - 1:]]
        return parts[: MAX_BUBBLES - 1] + ["亲，" + "".join(tail)]


def respond(text: str, state: State, ctx: Context) -> Turn:
    """Answer one buyer message. Never raises for any text (the caller still guards against bugs)."""
    text = text if isinstance(text, str) else ""
    state = State.load(state.dump())
    link_product = ctx.catalog.product(ctx.link_product_id)
    if link_product and link_product.id != state.link_product_id:
        # A new product link (the channel sends it with every message: only a change counts).
        state.link_product_id = link_product.id
        if link_product.id != state.product_id:
            state.product_id = link_product.id
            state.color = state.size = None
    current = ctx.catalog.product(state.product_id)
    if current is None and state.order_id in state.verified_orders:
        order = ctx.store.order(state.order_id)  # the order's product is the one in question
        current = ctx.catalog.product(order.product_id) if order is not None else None
    found = read(text, ctx.catalog, product=current)
    if current is None and not found.products:
        found.products = _only_product_with(found, ctx.catalog)
    if current is None and not found.products and not found.order_ids:
        answering = facts.product_answering(text, ctx.catalog.products)
        found.products = [answering] if answering is not None else []
    if not found.sizes:
        found.sizes = _size_by_word(text, found.product or current, ctx.catalog)
    if current is not None and found.product and facts.asks_contents(text, current, found.product):
        found.products = [current]  # 「含被芯吗」 asks what this product includes, not about the other product
    if found.product and found.product.id != state.product_id:
        state.product_id = found.product.id
        state.color = state.size = None
    if ctx.link_order_id and ctx.link_order_id not in state.verified_orders:
        state.verified_orders.append(ctx.link_order_id)
        state.order_id = state.order_id or ctx.link_order_id
    memory.remember_mentions(found, state, ctx.catalog)
    if ctx.abuse or complaint.is_complaint(text):
        # A complaint is a person's case: the hand-off says sorry and when. A return-rule question in it
        # (「开线了 质量问题退运费谁出」) is answered first: the rule is the shop's, not the agent's to decide.
        state.pending = None
        out = _Reply()
        if found.order_ids:
            # 「2611… 一个多礼拜了还不发货 什么意思 刘婷」: the order and its proof count for the next turn
            # (「不要了 退款」 is about that order), as they do for the agent who takes over
            order_id = found.order_ids[0]
            if not _prove(order_id, ctx.store.order(order_id), text, state, ctx, out):
                state.order_id = order_id
        if not ctx.abuse:
            for question in detect(text, mode="patterns"):
                if question.kind in _RULES_IN_A_COMPLAINT:
                    _answer(question, text, found, state, ctx, out)
            # 「收到坏了3个 怎么赔」: the product's own rule for it (拍照, 48小时内, 按个数赔) is the shop's too
            product = ctx.catalog.product(state.product_id)
            if product is not None and product.facts and facts.matched_labels(text, product):
                out.say(answer_fact(text, product, ctx.config, ctx.now.date()) or "")
            elif product is not None and (remedy := complaint.remedy_for(text, [sentence for _, sentence in product.facts])):
                out.say(reply("facts.answer", text=remedy))
        return Turn(out.bubbles(), state, out.tasks, out.records, handoff=ctx.abuse or "complain", kinds=["complaint"])
    pending = state.pending
    # With a question open (「抬头?」 -> 「个人」, 「收件人?」 -> 「钱多多」) only the precise patterns may say the
    # message asks something else; the classifier reads it only when it does not answer the open question.
    questions = memory.prune(detect(text, mode="patterns" if pending else "both"), found)
    questions = stock_view.with_price(questions, text)
    questions = stock_view.with_options(questions, text)
    questions = _transit_with_place(questions, text, found)
    questions = _deadline_of_the_return(questions, text, state)
    questions = _basket_follow_up(questions, text, found, state)
    asked_product = ctx.catalog.product(state.product_id)
    questions = facts.with_fact(questions, text, asked_product, ctx.config, ctx.now.date(),
                                names_option=lambda clause: read(clause, ctx.catalog, asked_product).names_sku,
                                measured=found.has_measurements)
    questions = sizing.with_size_question(questions, text, asked_product, ctx.catalog, names_sku=found.names_sku)
    out = _Reply()
    state.pending = None

    handoff = _shop_rule_handoff(ctx, state, questions, text)
    if handoff:
        return Turn([], state, handoff=handoff, kinds=[q.kind for q in questions])
    verified_before = list(state.verified_orders)

    if pending and pending.get("kind") == "verify" and questions and not found.order_ids and \
            ownership.offers_proof(text):
        # 「收件人徐静 尾号8054 啥时候发」: the proof asked for, with a question about that order. The order's
        # own answer (status, dispatch, parcel) answers its shipping questions; the others are answered after.
        _continue(pending, text, found, state, ctx, out)
        questions = [q for q in questions if TOPIC.get(q.kind) not in ("shipping", "logistics", "order")] \
            if state.order_id in state.verified_orders else []
    if pending and _answers_pending(pending, questions, text):
        questions = []
    if not questions and pending:
        _continue(pending, text, found, state, ctx, out)
        if not out.parts and not out.handoff and not out.pending:
            questions = memory.prune(detect(text), found)
    if not out.parts and not out.handoff and not questions:
        questions = _implicit_questions(found, state, ctx, text)

    questions = _follow_up(questions, found, state, text)
    questions = _same_again(questions, found, state, text)
    questions = _of_the_order(questions, found, state, text)
    if questions and sizing.enough_to_advise(found, ctx.catalog.product(state.product_id), ctx.catalog) and \
            not any(q.kind == "size_advice" for q in questions):
        # 「那L呢 我170 120斤」: a body given beside another question asks for a size too.
        questions.append(Question("size_advice", text, len(text)))
    asked_stock = any(q.kind == "stock" for q in questions) and any(q.kind == "restock" for q in questions)
    for question in questions:
        if asked_stock and question.kind == "restock":
            continue
        _answer(question, text, found, state, ctx, out)

    if not out.handoff and state.order_id in state.verified_orders and state.order_id not in verified_before:
        # 「4611… 马晓东 耳机有杂音 我要退款」: the order proven in this very message may be one the shop's rule
        # hands to a person (a refund above the amount); only now, after the proof, is its amount looked at.
        asked = questions or ([Question(pending.get("then") or "logistics", pending.get("asked") or text, 0)]
                              if pending and pending.get("kind") == "verify" else [])
        late = _shop_rule_handoff(ctx, state, asked, text)
        if late:
            return Turn([], state, out.tasks, out.records, handoff=late, kinds=[q.kind for q in questions])
    if out.handoff:
        state.misses = 0
        return Turn(out.bubbles(), state, out.tasks, out.records, handoff=out.handoff,
                    kinds=[q.kind for q in questions])
    if not out.parts and memory.asks_something(text):
        # A question nobody wrote down: honesty and a task, never 「没理解」 and never a guess.
        memory.honest_fallback(text, state, ctx, out)
    if not out.parts:
        state.misses += 1
        if state.misses >= HANDOFF_AFTER_MISSES:
            state.misses = 0
            return Turn([], state, handoff="fallback", kinds=[])
        out.say(reply("talk.rephrase"))
        if pending:
            state.pending = pending  # one more chance to answer the open question
        return Turn(out.bubbles(), state, kinds=[])
    state.misses = 0
    if out.pending is not None:
        state.pending = out.pending
    topics = [TOPIC.get(q.kind) for q in questions if TOPIC.get(q.kind)]
    if topics:
        state.last_topic = topics[-1]
        state.last_kind = next(q.kind for q in reversed(questions) if TOPIC.get(q.kind))
        state.last_kinds = list(dict.fromkeys(q.kind for q in questions))
    return Turn(out.bubbles(), state, out.tasks, out.records, kinds=[q.kind for q in questions])


_WEEKEND_WORDS = ("周六", "周日", "周天", "周末", "星期六", "星期天", "星期日", "礼拜六", "礼拜天", "礼拜日")


_BIG_OR_SMALL = re.compile(r"(大|小)(的|瓶|号|支|罐|盒|包|容量|规格|装|份)")


def _size_by_word(text: str, product: Optional[Product], catalog: CatalogView) -> List[str]:
    """「就要大的」, 「有大瓶的吗」 of a product sold in plain 规格 (30ml/50ml): its largest or smallest one.
    Never for sizes a body decides (「大一点的」 of a jacket is advice, not the last size)."""
    match = _BIG_OR_SMALL.search(text)
    if product is None or match is None or re.search(r"大一|小一|大点|小点", text):
        return []
    system = catalog.system(product)
    sizes = catalog.sizes(product)
    if len(sizes) < 2 or (system is not None and system.measures):
        return []
    return [sizes[-1] if match.group(1) == "大" else sizes[0]]


def _only_product_with(found: Mentions, catalog: CatalogView) -> List[Product]:
    """「雾霾蓝洗了会掉色吗」 with no product yet: the one product sold in that colour (none when several are)."""
    if not found.colors:
        return []
    having = [p for p in catalog.products
              if all(any(s.color == c for s in catalog.skus.get(p.id, ())) for c in found.colors)]
    return having[:1] if len(having) == 1 else []


_STACKING = re.compile(r"(能|可以|可)(不能)?(一起|同时|叠加)(用|使用|享|参加|抵)|叠加|(一起|同时)(用|使用)(吗|嘛|不|么|没)")
_COUPON_VALIDITY = re.compile(r"(到|至)(啥|什么)时候|过期|有效期|截止|期限|还能用|几号前")


def _asks_again(text: str) -> bool:
    """「那L呢」, 「220x240的呢」: a bare follow-up that repeats the last question of another value."""
    return text.rstrip("?？ ").endswith(("呢", "嘞", "咧"))


def _weekend_days(text: str) -> int:
    """How many weekend days the message names: 「周六发货吗 礼拜天呢」 two, 「周末发吗」 one."""
    named = {"sat" if word.endswith("六") else "sun" for word in _WEEKEND_WORDS if word in text and word != "周末"}
    return len(named) or (1 if "周末" in text else 0)


def _follow_up(questions: List[Question], found: Mentions, state: State, text: str) -> List[Question]:
    """「周六呢」 after a weekend question, 「上海呢」 after a transit one: the last question, asked again."""
    if _coupon_again(questions, state, text):
        return [Question("coupon", text, 0)]
    if state.last_kind in ("ship_when", "ship_today") and _CUTOFF_AGAIN.fullmatch(text.strip()):
        return [Question(state.last_kind, text, 0)]  # 「今天下单今天发吗」 then 「几点之前」: the cut-off
    if any(q.kind == "ship_weekend" for q in questions):
        # 「周六发货吗 礼拜天呢」: 「礼拜天呢」 is the same weekend question, not a stock one
        questions = [q for q in questions if not (q.kind == "stock" and not found.names_sku and
                                                  any(word in q.clause for word in _WEEKEND_WORDS))]
    if found.province and not found.names_sku and any(q.kind == "stock" and q.clause.endswith("呢") for q in questions):
        kind = "free_shipping" if state.last_kind == "free_shipping" else "transit"
        kept = [q for q in questions if q.kind != "stock"]
        return kept if any(q.kind == kind for q in kept) else [Question(kind, text, 0)] + kept
    if len(questions) != 1 or questions[0].kind != "stock" or found.names_sku or found.product:
        return questions
    if not _asks_again(text):
        return questions
    if any(word in text for word in _WEEKEND_WORDS):
        return [Question("ship_weekend", text, 0)]
    if found.province:
        return [Question("free_shipping" if state.last_kind == "free_shipping" else "transit", text, 0)]
    return questions


_CUTOFF_AGAIN = re.compile(r"(那)?(要|得|最晚)?几点(之前|前|以前|截止|截单)?(付款|下单|拍|付)?(之前|前)?(呢|啊|呀)?[?？]?")
# 「怎么领」, 「啥时候过期」, 「能用到几号」 right after a coupon answer ask about that coupon.
_OF_A_COUPON = re.compile(r"领|过期|到期|有效|用到|截止|门槛|怎么用|叠加|几号")


def _coupon_again(questions: List[Question], state: State, text: str) -> bool:
    return state.last_kind == "coupon" and len(text) <= 12 and bool(_OF_A_COUPON.search(text)) and \
        not any(q.kind in ("coupon", "bargain", "price") for q in questions)


# What a message naming an order asks when no product is named: that order, not the catalogue
# (「2611… 这单还有吗」, 「2611… 什么时候签收的」 are order questions read as stock or restock).
_PRODUCT_KINDS = ("stock", "restock", "price", "product_fact", "product_topics", "presale")


_MY_THING = re.compile(r"我(的|买的|拍的|下单的|订的)")


def _of_the_order(questions: List[Question], found: Mentions, state: State, text: str = "") -> List[Question]:
    """A product question beside an order number asks about the order (「2611… 赵子涵 我的防晒呢」)."""
    if not found.order_ids or (found.product and not _MY_THING.search(text)) or \
            not any(q.kind in _PRODUCT_KINDS for q in questions):
        return questions
    kept = [q for q in questions if q.kind not in _PRODUCT_KINDS]
    if any(TOPIC.get(q.kind) in ("order", "logistics", "returns") for q in kept):
        return kept
    first = next(q for q in questions if q.kind in _PRODUCT_KINDS)
    return sorted(kept + [Question("logistics", first.clause, first.position)], key=lambda q: q.position)


_HOW_LONG = re.compile(r"^(大概|一般|要|大约|估计|差不多)?(几天|多久|多长时间|哪天)(能|可以|才|就)?(到|送到|收到|到货)?"
                       r"(啊|呀|呢|吗|哇)?$")


_PLACE_KINDS = ("transit", "free_shipping", "courier")
_SEND_THERE = re.compile(r"(能|可以|能不能|可不可以)(寄|发|送|邮)(到|过去|去)?(吗|不|么|嘛|没)?$|(寄|发|送)不(寄|发|送)|(发|寄|送)得?到(吗|不|么)")
_PLACE_FILLER = re.compile(r"我|人|在|是|这边|那边|的|住|收货地址|地址")
_ASKS_OF_A_PLACE = re.compile(r"[吗呢么嘛几多啥什怎能可包运邮费到发寄送久天]")


def _only_a_place(clause: str) -> bool:
    rest = _PLACE_FILLER.sub("", clause)
    return 0 < len(rest) <= 4 and not _ASKS_OF_A_PLACE.search(rest) and normalize.normalize_province(rest) is not None


_DEADLINE = re.compile(r"^(那|那么)?(最晚|最迟|截止|截至|最后)(到|是)?(哪天|哪一天|几号|什么时候|啥时候)(呢|啊|呀)?[?？]?$")


def _deadline_of_the_return(questions: List[Question], text: str, state: State) -> List[Question]:
    """「最晚哪天」 right after a return question: the last day of that return window, not a product fact."""
    if state.last_topic != "returns" or not _DEADLINE.search(text.strip()):
        return questions
    return [Question("return_window", text.strip(), 0)]


def _basket_follow_up(questions: List[Question], text: str, found: Mentions, state: State) -> List[Question]:
    """「四件呢」, 「那A加B呢」 right after a price or coupon question: the price of that basket, not a
    stock question (the classifier's reading of a bare quantity)."""
    if state.last_topic != "money" or stock_view.asks_stock(text) or \
            not ((found.quantity or 0) >= 2 or len(found.products) >= 2):
        return questions
    if questions and not all(q.kind in ("stock", "product_fact", "price") for q in questions):
        return questions  # 「买两条能用吗 一共多少」: 能用 is the coupon's, not a property of the product
    return [Question("price", text.strip(), 0)]


def _transit_with_place(questions: List[Question], text: str, found: Mentions) -> List[Question]:
    """「发啥快递 我在佛山 大概几天」: a bare 「大概几天」 beside a place asks how long delivery takes there."""
    if not found.province:
        return questions
    pieces = clauses(text)
    # 「我在佛山」 says where the buyer is; it asks nothing of its own.
    if len(pieces) > 1:
        questions = [q for q in questions if q.kind in _PLACE_KINDS or not _only_a_place(q.clause)]
    # 「拉萨能寄吗」: whether a parcel goes there, read as the transit answer (it says so and how long).
    sends = [(at, c) for at, c in pieces if _SEND_THERE.search(c)
             and not any(q.clause == c and q.kind not in ("product_fact", "product_topics", "stock") for q in questions)]
    if sends:
        asked = {c for _, c in sends}
        questions = sorted([q for q in questions if q.clause not in asked and q.kind != "transit"]
                           + [Question("transit", sends[0][1], sends[0][0])],
                           key=lambda q: q.position)
    if any(q.kind in ("transit", "logistics") for q in questions):
        return questions
    for at, clause in pieces:
        if _HOW_LONG.search(clause):
            kept = [q for q in questions if q.clause != clause]
            return sorted(kept + [Question("transit", clause, at)], key=lambda q: q.position)
    return questions


# What a bare 「220x240的呢」 asks again of another SKU: the SKU questions of the message before.
_SKU_KINDS = ("price", "stock", "presale")


def _same_again(questions: List[Question], found: Mentions, state: State, text: str) -> List[Question]:
    """「220x240的呢」 after 「150*200的多钱 还有吗」: price and stock of the SKU named now; after
    「浴巾多少钱」, 「小毛巾呢」 asks the price only."""
    if not found.names_sku or [q.kind for q in questions] != ["stock"] or questions[0].clause != text:
        return questions
    if not _asks_again(text):
        return questions
    again = [kind for kind in state.last_kinds if kind in _SKU_KINDS]
    if not again or again == ["stock"]:
        return questions
    return [Question(kind, text, i) for i, kind in enumerate(again)]


_ASKING = ("吗", "?", "？", "什么", "怎么", "多久", "几天", "哪", "呢", "啥", "么", "嘛", "能不能", "可以不")


def _answers_pending(pending: Dict[str, Any], questions: Sequence[Question], text: str) -> bool:
    """「专票」 after "which invoice?" answers the open question; it does not ask about invoice types."""
    if not questions or any(word in text for word in _ASKING):
        return False
    topic = {"invoice": "invoice", "stock": "stock", "size_advice": "size", "new_address": "order",
             "order_change": "order", "transit": "shipping"}.get(pending.get("kind") or "")
    return bool(topic) and all(TOPIC.get(q.kind) == topic for q in questions)


# -- what to answer when the message asks nothing explicitly -------------------------------------------

def _implicit_questions(found: Mentions, state: State, ctx: Context, text: str) -> List[Question]:
    """A bare 「黑色XL」, 「170 120斤」, an order number or a province: the follow-up the context implies."""
    kinds: List[str] = []
    if found.order_ids:
        kinds.append("logistics" if state.last_topic not in ("returns", "order") else
                     ("return_window" if state.last_topic == "returns" else "logistics"))
    elif found.has_measurements or "平时穿" in text:
        kinds.append("size_advice")
    elif found.names_sku and (found.product or state.product_id):
        kinds.append("stock")
    elif state.last_topic == "money" and (found.quantity or len(found.products) >= 2) and \
            (found.product or state.product_id):
        kinds.append("price")  # 「四件呢」, 「那A加B呢」 after a price or coupon question
    elif found.province and state.last_topic in ("shipping", None):
        kinds.append("transit")
    elif state.last_topic == "returns" and normalize.normalize_return_reason(text):
        kinds.append("return_who_pays")  # 「质量问题 开线了」 after a return question
    elif answer_fact(text, ctx.catalog.product(found.product.id if found.product else state.product_id), ctx.config,
                     ctx.now.date()):
        kinds.append("product_fact")
    elif found.product and not found.names_sku and not memory.asks_something(text):
        kinds.append("product_topics")  # a question about the product nobody wrote down gets the honest fallback
    if not kinds and ctx.intent and ctx.intent not in MISS_INTENTS and ctx.confidence >= INTENT_CONFIDENCE:
        kind = INTENT_KIND.get(ctx.intent)
        if kind:
            kinds.append(kind)
        elif ctx.intent == "affirm" or ctx.intent == "deny" or ctx.intent == "inform":
            kinds.append("ok")
    return [Question(kind, text, 0) for kind in kinds]


def _continue(pending: Dict[str, Any], text: str, found: Mentions, state: State, ctx: Context, out: _Reply) -> None:
    """Fill the question the bot asked last turn with this message, when it answers it."""
    kind = pending.get("kind")
    if kind == "stock" and (found.names_sku or found.product):
        found.colors = found.colors or list(pending.get("colors") or [])
        found.sizes = found.sizes or list(pending.get("sizes") or [])
        _answer(Question("stock", text, 0), text, found, state, ctx, out)
    elif kind == "size_advice" and (found.has_measurements or found.sizes):
        _size(found, state, ctx, out, remembered=dict(pending), usual_from_mentions=True)
    elif kind == "transit" and found.province:
        out.say(specific.transit(ctx.config, ctx.now, found.province).text)
    elif kind in ("logistics", "address_change", "order_change", "return_window", "order_cancel", "courier_remark") and \
            (found.order_ids or pending.get("order_id")):
        # 「我是尾号5516的 我的订单到哪了」 then the number: the proof came first and counts with it.
        said = f"{pending['proof']} {text}" if pending.get("proof") else text
        _answer(Question(kind, text, 0), said, found, state, ctx, out)
    elif kind == "verify":
        order_id = str(pending.get("order_id") or "")
        order = ctx.store.order(order_id) if order_id else None
        if order_id and _prove(order_id, order, text, state, ctx, out):
            _answer(Question(pending.get("then") or "logistics", text, 0), text, found, state, ctx, out)
        elif order_id and not out.parts:
            # An unknown order and a wrong proof read the same (nothing tells whether the order exists).
            out.say(reply("order.verify_failed"))
            out.pending = pending
        elif order_id and out.locked:
            out.pending = pending  # every further attempt is refused and audited too
    elif kind == "new_address":
        _address_given(pending, text, state, ctx, out)
    elif kind == "invoice":
        _invoice(pending, text, found, state, ctx, out)
    elif kind == "order_change" and found.names_sku:
        _answer(Question("order_change", text, 0), text, found, state, ctx, out)


# -- answering one question -----------------------------------------------------------------------------

def _call(question: Question, text: str, found: Mentions, state: State, ctx: Context, out: _Reply) -> HandlerCall:
    """What a handler of kefu.dialogue.handlers is given, with the buyer's own order on demand (proof asked)."""
    return HandlerCall(question, text, found, state, ctx, out,
                       lambda then: _known_order(found, state, ctx, out, then=then, text=text))


def _answer(question: Question, text: str, found: Mentions, state: State, ctx: Context, out: _Reply) -> None:
    kind, config, now = question.kind, ctx.config, ctx.now
    if kind == "return_who_pays" and not re.search(r"退|换|寄回", text) and \
            any(TOPIC.get(k) == "invoice" for k in out.kinds_answered):
        return  # 「纸质发票怎么寄 邮费谁出」: the invoice's postage, answered with the invoice
    if kind == "return_who_pays" and not re.search(r"退|换|寄回", text) and state.last_topic == "invoice":
        question = Question("invoice_paper", question.clause, question.position)  # 「纸质的寄过来邮费谁出」 after 专票
        kind = "invoice_paper"
    out.kinds_answered.append(kind)
    if found.province and kind in _PLACE_KINDS:
        state.province = found.province
    record = kind_record(kind)
    handler = HANDLERS.get(record.handler_name) if record else None
    if handler is not None:
        handler(_call(question, text, found, state, ctx, out))
        return
    if kind in ("contact_offplatform", "review_cashback", "cash_on_delivery", "pay_transfer", "cheaper_elsewhere",
                "meet_offline", "superlative", "health_claim", "invoice_inflate", "link_offplatform", "authentic"):
        out.say(specific.policy(kind, config).text)
        product = ctx.catalog.product(state.product_id) if kind in ("superlative", "health_claim") else None
        if product is not None and product.description:
            out.say(reply("facts.answer", text=product.description))  # what this product is, not a ranking
        if kind == "cheaper_elsewhere":
            out.say(specific.coupon(config, now).text if config.current_coupons(now.date()) else "")
    elif kind in ("stock", "restock", "size_advice") and stock_view.asks_which_left(question.clause):
        _left(stock_view.asks_which_left(question.clause) or "size", found, state, ctx, out,
              whole_range=stock_view.asks_whole_range(question.clause))
    elif kind in ("stock", "restock"):
        _stock(found, state, ctx, out, question.clause, restock=kind == "restock")
    elif kind == "restock_notify":
        _restock_notify(found, state, ctx, out)
    elif kind == "return_how":
        out.say("亲，" + reply("returns.how"))
    elif kind == "size_advice":
        before = len(out.parts)
        _size(found, state, ctx, out, remembered=None, usual_from_mentions=True)
        if len(out.parts) == before:  # 「枕芯多大」 of a product with no size to advise: its dimensions, from its facts
            out.say(answer_fact(question.clause, ctx.catalog.product(state.product_id), config, now.date()) or "")
    elif kind == "ship_when" and (_about_an_order(question, found, state) or _MY_ORDER.search(question.clause)):
        _order_question("logistics", text, found, state, ctx, out)  # 「订单… 徐静 啥时候发货」: that order's dispatch
    elif kind == "ship_when":
        presale = _presale_of_sku(found, state, ctx)
        out.say(presale or specific.ship_when(config, now, moments.payment_moment(text, now),
                                              moments.payment_day(text, now)).text)
    elif kind == "ship_weekend":
        # 「周六发货吗 礼拜天呢」: every weekend day the message names
        out.say(specific.ship_weekend(config, now, text if _weekend_days(text) > 1 else question.clause).text)
    elif kind == "courier" and _about_an_order(question, found, state) and not _switch_courier(question.clause):
        _order_question("logistics", text, found, state, ctx, out)  # 「2611… 啥快递 单号多少」: that parcel's courier
    elif kind == "courier" and _about_an_order(question, found, state):
        order_courier_change(_call(question, text, found, state, ctx, out))
    elif kind == "courier":
        own = facts.shipping_fact(ctx.catalog.product(state.product_id), config, _COURIER_FACT)
        out.say(own or specific.courier(config, question.clause, ctx.platform).text)
    elif kind in ("free_shipping", "transit") and found.province and (refused := facts.shipping_fact(
            ctx.catalog.product(state.product_id), config, _SENDING, place=found.province)):
        out.say(refused)  # 「能发新疆吗」 of a product whose own facts say 新疆暂不发生鲜: that, not the shop's transit days
    elif kind == "free_shipping":
        out.say(specific.free_shipping(config, _province_of(question, found)).text)
    elif kind == "presale":
        _presale(found, state, ctx, out)
    elif kind == "transit" and not found.province and (_about_an_order(question, found, state) or
                                                       state.last_topic in ("logistics", "order") and
                                                       state.order_id in state.verified_orders):
        _order_question("logistics", text, found, state, ctx, out, arrival=True)  # 「大概哪天到」 of that parcel
    elif kind in ("transit", "free_shipping", "courier") and found.province in OUTSIDE_MAINLAND and \
            isinstance(config.international, (str, bool)) and config.international is not True:
        out.say(facts.abroad_answer(config))  # 「能寄到香港吗」: the shop's own sentence on delivery abroad
    elif kind == "transit":
        if found.province or state.province:
            place = _province_of(question, found) or state.province
            answer = specific.transit(config, now, place).text
            if _SEND_THERE.search(question.clause):  # 「拉萨能寄吗」: yes first, then how long
                answer = reply("shipping.can_send", province=place) + answer.removeprefix("亲，")
            out.say(answer)
        else:
            out.say(reply("shipping.ask_province_only"))
            out.pending = {"kind": "transit"}
    elif kind in ("logistics", "address_change", "order_change"):
        _order_question(kind, text, found, state, ctx, out)
    elif kind == "return_window":
        # No order fact (delivery date, status) before the proof: the rule, and the proof asked for.
        asked = _Reply()
        order = _known_order(found, state, ctx, asked, then="return_window", text=text, quiet=True)
        reason = normalize.normalize_return_reason(text)
        answer = specific.return_window(config, order, now, reason)
        out.say(answer.text)
        for part in asked.parts:  # the proof asked for comes after the rule
            out.say(part)
        out.tasks += asked.tasks
        out.pending = asked.pending or out.pending
        if answer.data.get("handoff"):
            out.handoff = "after_sale"
        if reason and answer.data.get("within_window") is not False:
            out.say(specific.who_pays(config, reason, order=order).text)
        own_rule = facts.return_fact(ctx.catalog.product(state.product_id), config)
        if own_rule and reason != "quality":
            out.say(reply("facts.answer", text=own_rule))
    elif kind == "return_who_pays":
        asked_insurance = "运费险" in text
        named = found.order_ids[0] if found.order_ids else None
        if named and named not in state.verified_orders:
            # 「2611… 不合适退货运费谁出 赵静」: that order's own 运费险, once proven
            if _known_order(found, state, ctx, out, then="return_who_pays", text=text) is None:
                return
        out.say(specific.who_pays(config, normalize.normalize_return_reason(text), insurance_note=not asked_insurance,
                                  order=_order_of_conversation(found, state, ctx)).text)
    elif kind == "freight_insurance":
        named = found.order_ids[0] if found.order_ids else None
        if named and named not in state.verified_orders:
            # 「2611… 这单有运费险吗」: that order's answer after the proof, like any order fact.
            if _known_order(found, state, ctx, out, then="freight_insurance", text=text) is None:
                return
        out.say(specific.freight_insurance(config, _order_of_conversation(found, state, ctx)).text)
    elif kind == "refund_time":
        order = _known_order(found, state, ctx, out, then="refund_time", text=text) if found.order_ids else \
            _order_of_conversation(found, state, ctx)
        if found.order_ids and order is None:
            return  # the proof is asked first
        if order is not None and order.status is OrderStatus.CANCELLED:  # 「订单取消了 钱退了吗」
            out.say(reply("order.refund_cancelled" if order.paid_at else "order.refund_never_paid",
                          order_id=order.order_id, low=config.refund_days[0], high=config.refund_days[1]))
        else:
            out.say(specific.refund_time(config).text)
    elif kind == "exchange":
        size = _exchange_size(found, state, ctx, question.clause)
        out.say(specific.exchange(config, size).text)
    elif kind == "return_condition":
        out.say(specific.return_condition().text)
    elif kind == "invoice_types":
        asked = question.clause if "专" in question.clause else text  # 「能开发票吗 专票可以吗」: one question
        out.say(shop_answers.invoice_policy_answer(config, normalize.normalize_invoice_type(asked)
                                                   if "专" in asked else None).text)
    elif kind == "invoice_when":
        out.say(specific.invoice_when(config).text)
    elif kind == "invoice_paper":
        out.say(specific.invoice_paper(config, paper_asked="纸" in question.clause).text)
    elif kind == "invoice_wrong_title":
        out.say(reply("invoice.wrong_title"))
        out.pending = {"kind": "invoice", "reissue": True, "type": None, "awaiting": "title"}
    elif kind in ("invoice_request", "invoice_apply"):
        _invoice({"kind": "invoice", "awaiting": None}, text, found, state, ctx, out, starting=True)
    elif kind == "coupon":
        campaigns = facts.campaigns_answer(config, now.date())
        if not (campaigns and re.search(r"活动.{0,4}(到|截止|几号|哪天|什么时候|啥时候|结束)", question.clause) and not re.search(r"券|优惠|满减|红包", question.clause)):
            call = _call(question, text, found, state, ctx, out)
            # 「多钱一件 买三件能用券不」: the price's answer held the basket and the coupon already;
            # 「A加一件B 能用满减券吗」, 「买三件能用券不」: that basket's total against the coupons
            in_basket = not found.order_ids and (("price" in out.kinds_answered and basket(call) is not None)
                                                 or basket_price(call))
            # 「2612… 还没付 可以用券吗」: the coupons that order's amount reaches (an order fact: proven first)
            order = _known_order(found, state, ctx, out, then="coupon", text=text) if found.order_ids else None
            if found.order_ids and order is None:
                return
            if not in_basket:
                out.say(specific.coupon(config, now, question.clause, total=order.amount if order else None).text)
        if campaigns and not _COUPON_VALIDITY.search(text):
            out.say(campaigns)  # 「券到啥时候」 asks the coupon's date, not the campaign's
        if _STACKING.search(text):
            # 「满299减30和新客券能一起用吗」: no shop file says which offers stack; never guess it.
            out.say(reply("coupon.stacking_unknown"))
            out.tasks.append(TaskRequest("promo_question", f"买家问：「{text.strip()[:80]}」，请确认这些优惠能否叠加并回复买家",
                                         dedup=f"stacking:{text.strip()[:40]}"))
    elif kind == "invoice_company":
        out.say(reply("invoice.company_title", types=join_items(config.invoice.types)))
    elif kind == "order_restore":
        out.say(reply("order.restore"))  # a cancelled order cannot be brought back on any platform
    elif kind == "bargain":
        out.say(shop_answers.bargain_answer(config, now).text)
    elif kind == "human":
        out.handoff = "request_human"
    elif kind == "greet":
        out.say(reply("talk.greet"))
    elif kind == "thank":
        out.say(reply("talk.thank"))
    elif kind == "goodbye":
        out.say(reply("talk.goodbye"))
    elif kind == "ok":
        out.say(reply("talk.ok"))
    elif kind == "product_topics":
        product = ctx.catalog.product(state.product_id)
        if product:
            out.say(reply("talk.which_topic", product=product.name))


# -- stock -----------------------------------------------------------------------------------------------

def _ask_product(ctx: Context) -> str:
    names = [p.name for p in ctx.catalog.products[:3]]
    return reply("common.ask_product", examples=join_items(names))


def _stock(found: Mentions, state: State, ctx: Context, out: _Reply, clause: str = "", restock: bool = False) -> None:
    product = ctx.catalog.product(state.product_id)
    if product is not None and not found.names_sku and any(k == "product_fact" for k in out.kinds_answered):
        return  # 「有没有香精酒精」 asked a fact (answered), not for stock
    thing = None if found.names_sku else absent.asked_thing(clause, ctx.catalog.vocabulary)
    if thing and product is not None:
        memory.honest_fallback(clause, state, ctx, out)  # 「有没有AAFCO认证」: nothing written, honesty and a task
        return
    if thing:
        out.say(reply("stock.not_sold", examples=join_items([p.name for p in ctx.catalog.products[:3]])))
        return
    if product is None:
        out.say(_ask_product(ctx))
        # 「XL有吗」 before naming the product: the size and colour wait for it.
        out.pending = {"kind": "stock", "colors": found.colors, "sizes": found.sizes}
        return
    skus = list(ctx.catalog.skus.get(product.id, ()))
    colors = found.colors or ([state.color] if state.color and not found.unknown_colors else [])
    sizes = found.sizes or ([state.size] if state.size else [])
    if found.unknown_colors and not found.colors:
        answer = shop_answers.stock_answer(ctx.store, product, found.unknown_colors[0], sizes[0] if sizes else None,
                                           threshold=ctx.config.low_stock_threshold)
        out.say(answer.text)
        out.pending = {"kind": "stock"}
        return
    offered_colors = {s.color for s in skus}
    offered_sizes = {s.size for s in skus}
    colors = [c for c in colors if c in offered_colors] or (colors[:1] if colors else [])
    if len(colors) <= 1 and len(sizes) <= 1 and not (found.quantity and found.quantity > 1):
        answer = shop_answers.stock_answer(ctx.store, product, colors[0] if colors else None,
                                           sizes[0] if sizes else None, threshold=ctx.config.low_stock_threshold)
        data = answer.data
        state.color = data.get("color") or (colors[0] if colors and colors[0] in offered_colors else state.color)
        state.size = data.get("size") or (sizes[0] if sizes and sizes[0] in offered_sizes else state.size)
        if data.get("missing") and restock and not colors and not sizes:
            # 「什么时候有货」 with no SKU named, of a product with one option: each one's state and date
            axis = [which for which, values in (("color", offered_colors), ("size", offered_sizes)) if len(values) > 1]
            if len(axis) == 1:
                out.say(stock_view.left_answer(product, skus, axis[0], None, None, ctx.now.date(), whole_range=True,
                                               threshold=ctx.config.low_stock_threshold))
                return
        if data.get("missing"):
            listed = stock_view.option_lines(product, skus, data.get("color"), data.get("size"), ctx.now.date(),
                                             ctx.config.low_stock_threshold) if len(data["missing"]) == 1 \
                and not data.get("unknown") and not found.has_measurements else None  # a body or bed: size advice says which
            out.say(listed or answer.text)
            out.pending = {"kind": "stock"}
            return
        text = answer.text
        if data.get("status") == "restock" and data.get("restock_date") and data["restock_date"] <= ctx.now.date():
            text = _restock_unknown(product, data, answer, ctx, out, state)
        elif data.get("status") in ("restock", "sold_out"):
            pass
        out.say(text)
        return
    # several SKUs in one message (「白色M和L各要两件」)
    one_option = [(c, "") for c in colors] if not sizes and offered_sizes <= {""} else \
        [("", z) for z in sizes] if not colors and offered_colors <= {""} else []
    if len(one_option) > 1:  # 「316和999都有吗」 of a product sold by one option only: each one's state
        lines = [specific.sku_line(next((s for s in skus if (s.color, s.size) == pair), None), pair[0], pair[1],
                                   ctx.now.date(), ctx.config.low_stock_threshold, found.quantity)[0]
                 for pair in one_option[:4]]
        state.color, state.size = (one_option[-1][0] or None), (one_option[-1][1] or None)
        out.say(reply("stock.many", lines="，".join(lines)).replace("亲，", f"亲，{product.name}：", 1))
        return
    if not colors:
        colors = [state.color] if state.color else []
    if not colors or not sizes:
        missing = "color" if not colors else "size"
        answer = shop_answers.stock_answer(ctx.store, product, colors[0] if colors else None,
                                           sizes[0] if sizes else None, threshold=ctx.config.low_stock_threshold)
        out.say(answer.text)
        out.pending = {"kind": "stock", "missing": missing}
        return
    lines = []
    for color, size in _asked_skus(found, colors, sizes):
        sku = next((s for s in skus if s.color == color and s.size == size), None)
        if sku is None and size not in offered_sizes:
            lines.append(reply("stock.unknown_size", product=product.name, size=size,
                               size_word=product.option_name("size", reply("stock.option_size")),
                               sizes=join_items(sorted(offered_sizes, key=[s.size for s in skus].index))).rstrip("？?"))
            continue
        line, _ = specific.sku_line(sku, color, size, ctx.now.date(), ctx.config.low_stock_threshold, found.quantity)
        lines.append(line)
    state.color, state.size = colors[-1], sizes[-1]
    out.say(reply("stock.many", lines="，".join(lines)).replace("亲，", f"亲，{product.name}：", 1))


def _asked_skus(found: Mentions, colors: List[str], sizes: List[str]) -> List[tuple]:
    """「藏青100 红色140 都有吗」 asks two SKUs, each colour with the size written after it; 「白色M和L」 asks
    every size of the colour (the colours × sizes named)."""
    named = [(s.kind, s.value) for s in found.spans if s.kind in ("color", "size")]
    pairs = list(zip(named[::2], named[1::2]))
    if len(named) >= 4 and len(named) % 2 == 0 and all(a[0] == "color" and b[0] == "size" for a, b in pairs) \
            and all(a[1] in colors and b[1] in sizes for a, b in pairs):
        return [(a[1], b[1]) for a, b in pairs]
    return [(color, size) for color in colors for size in sizes]


def _restock_notify(found: Mentions, state: State, ctx: Context, out: _Reply) -> None:
    """「到货了通知我」: a restock notice a person sends (a task), for the SKU asked about."""
    product = ctx.catalog.product(state.product_id)
    color = found.colors[0] if found.colors else state.color
    size = found.sizes[0] if found.sizes else state.size
    if product is None or not color or not size:
        out.say(reply("stock.notify_which"))
        return
    out.say(reply("stock.notify_ok", product=product.name, color=color, size=size))
    out.tasks.append(TaskRequest("restock_notice", f"{product.name} {color}/{size} 到货后通知买家",
                                 product_id=product.id, details={"color": color, "size": size},
                                 dedup=f"restock:{product.id}:{color}:{size}"))


def _left(which: str, found: Mentions, state: State, ctx: Context, out: _Reply, whole_range: bool = False) -> None:
    """「灰色还有啥码」: only what is in stock, with restock and presale dates for the rest."""
    product = ctx.catalog.product(state.product_id)
    if product is None:
        out.say(_ask_product(ctx))
        out.pending = {"kind": "stock", "colors": found.colors, "sizes": found.sizes}
        return
    skus = ctx.catalog.skus.get(product.id, ())
    color = found.colors[0] if found.colors else (state.color if which == "size" and not found.sizes else None)
    size = found.sizes[0] if found.sizes else (state.size if which == "color" and not found.colors else None)
    if color:
        state.color = color
    if size:
        state.size = size
    out.say(stock_view.left_answer(product, skus, which, color if which == "size" else None,
                                   size if which == "color" else None, ctx.now.date(), whole_range,
                                   threshold=ctx.config.low_stock_threshold))


def _presale(found: Mentions, state: State, ctx: Context, out: _Reply) -> None:
    """Presale per SKU (its own dispatch date); the shop-wide rule when the product has none."""
    product = ctx.catalog.product(state.product_id)
    skus = ctx.catalog.skus.get(product.id, ()) if product else ()
    color = found.colors[0] if found.colors else state.color
    size = found.sizes[0] if found.sizes else state.size
    text = stock_view.presale_answer(ctx.config, product, skus, color, size, ctx.now.date())
    if text is None and product is not None and (found.colors or found.sizes):
        _stock(found, state, ctx, out)  # 「燕麦色1.8m床是预售吗」 for a SKU coming back: its stock answer
        return
    if text is None and product is None:
        # no product named: 「店里都是现货」 only where no product sells ahead; else the ones that do, with dates
        text = stock_view.presale_in_shop(ctx.config, ctx.catalog.products, ctx.catalog.skus)
    out.say(text or specific.presale(ctx.config).text)


def _presale_of_sku(found: Mentions, state: State, ctx: Context) -> Optional[str]:
    """「燕麦色2米床什么时候发」 for a presale SKU: its own dispatch date, not today's cut-off."""
    product = ctx.catalog.product(state.product_id)
    color = found.colors[0] if found.colors else state.color
    size = found.sizes[0] if found.sizes else state.size
    if product is None:
        return None
    skus = [s for s in ctx.catalog.skus.get(product.id, ())
            if (not color or s.color == color) and (not size or s.size == size)]
    if len(skus) == 1 and skus[0].stock <= 0 and skus[0].presale_ships_on:
        return stock_view.presale_answer(ctx.config, product, skus, color, size, ctx.now.date())
    # 「苹果现在买什么时候发」 of a product with nothing in stock but presale SKUs: their dates, not today's cut-off
    if skus and not any(s.stock > 0 for s in skus) and any(s.presale_ships_on for s in skus):
        return stock_view.presale_answer(ctx.config, product, skus, None, None, ctx.now.date())
    return None


# 「我买的」「这单」「订单」: a dispatch or arrival question about an order already placed, not a new purchase.
# 「我的订单啥时候发货」: an order already placed, even before its number is given (asked for, then looked up)
_MY_ORDER = re.compile(r"我的订单|这个订单|这单|那单|我的(货|包裹|快递)|我(买|拍|下单|订)的(?!话)")
_ORDER_REFERENCE = re.compile(r"订单|这单|那单|我的(货|包裹|快递|东西|订单)|我(买|拍|下单|订)的|已经(拍|买|付款|下单)|(拍|买|付款)了(?!的话)")


# A product fact about its courier: it names one (the couriers' words have one home) or says 冷链/只发.
_COURIER_FACT = re.compile("|".join(map(re.escape, specific.COURIER_WORDS)) + "|冷链|只发", re.IGNORECASE)
_SENDING = re.compile(r"发|寄|配送|送")
_CONTENT = re.compile(r"[\u4e00-\u9fff]{4,}")
_SLOW = re.compile(r"(这么|太|好)慢|(这么|好)久|一(个)?(周|星期|礼拜)|好几天|多少天了|几天了|还没(到|收到|送到)")
_SWITCH_COURIER = re.compile(r"(换|改|指定|能发|可以发|能不能发|补差价|补运费)")


def _switch_courier(clause: str) -> bool:
    """「能换顺丰吗」 asks to change the courier (the shop's policy), 「发的啥快递」 asks which one carried it."""
    return bool(_SWITCH_COURIER.search(clause))


def _province_of(question: Question, found: Mentions) -> Optional[str]:
    """The province named in this clause (「发长沙几天 新疆包邮吗」: 新疆 for the second), else the message's."""
    return normalize.normalize_province(question.clause) or found.province


def _about_an_order(question: Question, found: Mentions, state: State) -> bool:
    """Whether 「啥时候发货」/「今天能到不」 asks about an order: one named in the message, or the buyer's
    verified order when the clause points at it (「我买的啥时候发」, not 「现在拍几号发」)."""
    if found.order_ids:
        return True
    return bool(state.order_id and state.order_id in state.verified_orders and _ORDER_REFERENCE.search(question.clause))


def _order_of_conversation(found: Mentions, state: State, ctx: Context) -> Optional[Order]:
    """The order this conversation is about, for its own 运费险, once it is the buyer's (whether an order
    exists and what it bought are order facts: another buyer's number typed here learns nothing); else None."""
    order_id = found.order_ids[0] if found.order_ids else state.order_id
    return ctx.store.order(order_id) if order_id and order_id in state.verified_orders else None


def _restock_unknown(product: Product, data: Dict[str, Any], answer: Answer, ctx: Context, out: _Reply,
                     state: State) -> str:
    """A restock date already past is never promised: not yet known, alternatives, and a notice task.
    One due today is said as the shop's plan for today, not yet in stock."""
    due_today = data["restock_date"] == ctx.now.date()
    text = reply("stock.restock_due_today" if due_today else "stock.restock_unknown", product=product.name,
                 color=data["color"], size=data["size"], date=shop_answers.format_date(data["restock_date"]))
    text += reply("stock.restock_notice")
    alternatives = data.get("alternatives") or []
    if alternatives:
        options = join_items([reply("stock.option", color=c, size=s) for c, s in alternatives])
        text += reply("stock.alternatives", options=options)
    out.tasks.append(TaskRequest(
        "restock_notice",
        f"{product.name} {data['color']}/{data['size']} 到货后通知买家（原定补货日 {data['restock_date']}"
        + ("，今天还未入库）" if due_today else " 已过）"),
        product_id=product.id,
        details={"color": data["color"], "size": data["size"]},
        dedup=f"restock:{product.id}:{data['color']}:{data['size']}",
    ))
    return text


# -- size ------------------------------------------------------------------------------------------------

def _size(found: Mentions, state: State, ctx: Context, out: _Reply, *, remembered: Optional[Dict[str, Any]],
          usual_from_mentions: bool) -> None:
    product = ctx.catalog.product(state.product_id)
    if product is None:
        out.say(_ask_product(ctx))
        out.pending = sizing.pending_measures(found, None)
        return
    remembered = {**(remembered or {}), "measures": {**state.measures, **((remembered or {}).get("measures") or {})}}
    texts, pending, advised, state.measures = sizing.size_turn(
        found, product, ctx.store, ctx.catalog, remembered, usual_from_mentions=usual_from_mentions, color=state.color,
        today=ctx.now.date())
    if advised:
        state.advised_size = state.size = advised
    for text in texts:
        out.say(text)
    if pending is not None:
        out.pending = pending


# -- orders ----------------------------------------------------------------------------------------------

def _known_order(found: Mentions, state: State, ctx: Context, out: _Reply, *, then: str, text: str = "",
                 quiet: bool = False) -> Optional[Order]:
    """The order the buyer means. Tracking and changes need it to be theirs: linked by the channel
    (the order the conversation is about) or proven with the receiver's name or phone's last four digits."""
    order_id = found.order_ids[0] if found.order_ids else state.order_id
    if not order_id:
        return None
    order = ctx.store.order(order_id)
    if order is not None and order.order_id in state.verified_orders:
        state.order_id = order.order_id
        return order
    if order is None and quiet and not found.order_ids:
        return None
    if _prove(order_id, order, text, state, ctx, out):
        return order
    if not out.locked:
        # The same prompt whether the order exists or not; the number typed is never echoed.
        out.say(reply("order.verify"))
        if not out.asked_proof:  # 「怎么还没发货 都几天了」: the first question of the message waits for the proof
            out.pending = {"kind": "verify", "order_id": order_id, "then": then, "asked": text[:200]}
        out.asked_proof = True
    return None


def _prove(order_id: str, order: Optional[Order], text: str, state: State, ctx: Context, out: _Reply) -> bool:
    """One proof attempt (kefu.orders.ownership): one candidate, limited per order and per sender, audited."""
    judgement = ownership.judge(text, order.receiver_name if order else None, order.receiver_phone if order else None)
    if judgement.outcome == ownership.NONE:
        return False
    proofs = ctx.proofs
    if proofs is not None and proofs.locked(order_id, ctx.conversation_id):
        first = proofs.first_lock(order_id)
        proofs.record(order_id, ctx.conversation_id, ownership.LOCKED, judgement.candidates)
        out.say(reply("order.verify_locked"))
        out.locked = True
        if first:  # one task per locked order a day, not one per guessing sender
            out.tasks.append(TaskRequest("identity_check", f"订单 {order_id} 的收件人核对失败次数过多，请人工核实买家身份",
                                         order_id=order_id, dedup=f"identity:{order_id}"))
        return False
    if proofs is not None:
        proofs.record(order_id, ctx.conversation_id, judgement.outcome, judgement.candidates)
    if judgement.outcome != ownership.PROVED or order is None:
        return False
    if order.order_id not in state.verified_orders:
        state.verified_orders.append(order.order_id)
    state.order_id = order.order_id
    return True


def _order_question(kind: str, text: str, found: Mentions, state: State, ctx: Context, out: _Reply,
                    arrival: bool = False) -> None:
    order_id = found.order_ids[0] if found.order_ids else state.order_id
    if not order_id:
        out.say(reply("common.ask_order_id"))
        out.pending = awaiting_order(kind, text)
        return
    before = len(out.parts)
    # Even an unpaid order's status is an order fact: proven first, like every other.
    order = _known_order(found, state, ctx, out, then=kind, text=text)
    if order is None:
        if len(out.parts) == before and not out.asked_proof:
            out.say(reply("common.ask_order_id"))
            out.pending = awaiting_order(kind, text)
        return
    presale = stock_view.presale_order(order, ctx.catalog, ctx.now.date()) if kind == "logistics" else None
    if presale:
        out.say(presale)  # a presale line ships on its own date: not late
        leaves = stock_view.presale_ships_on(order, ctx.catalog, ctx.now.date())
        if arrival and order.province and leaves:
            out.say("亲，" + specific.arrival_after(ctx.config, order.province, leaves))
    elif kind == "logistics":
        answer = shop_answers.logistics_answer(order, ctx.now, config=ctx.config)
        text_out = answer.text
        if answer.data.get("late") and order.status is OrderStatus.AWAITING_SHIPMENT:
            late_dispatch(order, ctx.config.ship_within_hours, ctx.now, out,  # past the shop's promise
                          compensation=ctx.config.late_shipment_compensation)
            return
        if answer.data.get("stuck") or answer.data.get("late"):
            out.tasks.append(TaskRequest(
                "logistics_check",
                f"订单 {order.order_id} 物流{answer.data.get('days_without_update', '')}天未更新，联系快递核实" if answer.data.get("stuck")
                else f"订单 {order.order_id} 超时未发货/未送达，核实并回复买家",
                order_id=order.order_id, dedup=f"logistics:{order.order_id}",
            ))
            if answer.data.get("late") and not answer.data.get("stuck"):
                text_out += reply("logistics.check_task")
            if answer.data.get("late") and order.status is OrderStatus.AWAITING_SHIPMENT and \
                    ctx.config.late_shipment_compensation:
                text_out += reply("logistics.late_compensation", compensation=ctx.config.late_shipment_compensation)
        elif arrival and order.status is OrderStatus.AWAITING_SHIPMENT and order.province and answer.data.get("ship_date"):
            text_out += specific.arrival_after(ctx.config, order.province, answer.data["ship_date"])
        elif order.status is OrderStatus.SHIPPED and order.province and order.shipped_at and _SLOW.search(text) and \
                ctx.now.date() <= order.shipped_at.date() + dt.timedelta(days=ctx.config.days_to(order.province)[1]):
            # 「怎么这么慢 一周了还没到」 of a parcel still within its province's transit: the shop's own days
            low, high = ctx.config.days_to(order.province)
            text_out += reply("logistics.within_transit", province=order.province, low=low, high=high,
                              shipped=shop_answers.format_date(order.shipped_at.date()))
        out.say(text_out)
    elif kind == "address_change":
        inline = memory.address_in(text)
        answer = shop_answers.change_address_answer(order)
        if inline and answer.data.get("can_change"):  # 「改到南京市江宁区…」: the address is given already
            _address_given({"kind": "new_address", "order_id": order.order_id}, inline, state, ctx, out)
            return
        out.say(answer.text)
        if answer.data.get("can_change"):
            out.pending = {"kind": "new_address", "order_id": order.order_id}
        elif order.status is OrderStatus.SHIPPED:
            out.tasks.append(TaskRequest("address_change", f"订单 {order.order_id} 已发出，联系快递尝试改派",
                                         order_id=order.order_id, dedup=f"redirect:{order.order_id}"))
    elif kind == "order_change":
        color_size = _color_size(found, order, ctx)
        short = _not_in_stock(order, color_size, ctx) if order.status is OrderStatus.AWAITING_SHIPMENT else None
        if short:  # 「能改成28码吗」 when 28 is sold out: nothing registered that cannot be sent
            out.say(reply("order.change_short", order_id=order.order_id, color_size=color_size, state=short))
            return
        answer = specific.order_change(order, ctx.config, color_size)
        out.say(answer.text)
        if answer.data.get("recorded"):
            out.tasks.append(TaskRequest("order_change", f"订单 {order.order_id} 发货前改为 {color_size}",
                                         order_id=order.order_id, details={"to": color_size},
                                         dedup=f"change:{order.order_id}:{color_size}"))
        elif answer.data.get("missing"):
            out.pending = {"kind": "order_change", "order_id": order.order_id}


def _not_in_stock(order: Order, color_size: Optional[str], ctx: Context) -> Optional[str]:
    """How the SKU an order would be changed to stands when it cannot be sent now (sold out, restock date,
    presale); None when it is in stock or no change was named."""
    if not color_size:
        return None
    color, _, size = color_size.partition("/")
    sku = next((s for s in ctx.catalog.skus.get(order.product_id, ()) if s.color == color and s.size == size), None)
    if sku is not None and sku.stock > 0:
        return None
    line, _ = specific.sku_line(sku, "", "", ctx.now.date(), ctx.config.low_stock_threshold, None)
    return line


def _color_size(found: Mentions, order: Order, ctx: Context) -> Optional[str]:
    product = ctx.catalog.product(order.product_id)
    if product is None or not found.names_sku:
        return None
    skus = ctx.catalog.skus.get(product.id, ())
    color = next((c for c in found.colors if any(s.color == c for s in skus)), order.color)
    size = next((z for z in found.sizes if any(s.size == z for s in skus)), order.size)
    if (color, size) == (order.color, order.size):
        return None
    return f"{color}/{size}"


def _address_given(pending: Dict[str, Any], text: str, state: State, ctx: Context, out: _Reply) -> None:
    order = ctx.store.order(pending.get("order_id") or "")
    address = memory.address_in(text) or text.strip()
    if order is None:
        return
    if not any(hint in address for hint in _ADDRESS_HINT) or len(address) < 6:
        out.say(reply("address.ask_new", order_id=order.order_id))
        out.pending = pending
        return
    answer = shop_answers.change_address_answer(order, address)
    out.say(answer.text)
    if answer.data.get("new_address"):
        out.records.append(Record("address_change", {"order_id": order.order_id, "new_address": answer.data["new_address"]}))
        out.tasks.append(TaskRequest("address_change", f"订单 {order.order_id} 发货前改地址为：{answer.data['new_address']}",
                                     order_id=order.order_id, details={"new_address": answer.data["new_address"]}))


def _exchange_size(found: Mentions, state: State, ctx: Context, clause: str) -> Optional[str]:
    """「换大一码」 from the size the buyer has (their order's, or the last one asked about)."""
    if found.sizes:
        return found.sizes[-1]
    step = 1 if ("大一码" in clause or "大一号" in clause or "大码" in clause) else -1 if ("小一码" in clause or "小一号" in clause) else 0
    if not step:
        return None
    order = ctx.store.order(state.order_id) if state.order_id in state.verified_orders else None
    product = ctx.catalog.product(order.product_id if order else state.product_id)
    current = order.size if order else state.size
    if product is None or not current:
        return None
    sizes = ctx.catalog.sizes(product)
    if current not in sizes:
        return None
    index = sizes.index(current) + step
    return sizes[index] if 0 <= index < len(sizes) else None


# -- invoices --------------------------------------------------------------------------------------------

def _invoice(pending: Dict[str, Any], text: str, found: Mentions, state: State, ctx: Context, out: _Reply,
             starting: bool = False) -> None:
    """Collect type -> title -> tax number (company) -> e-mail (electronic), one question per turn."""
    policy = ctx.config.invoice
    request = dict(pending)
    awaiting = request.get("awaiting")
    explicit = any(word in text for word in ("专", "纸", "电子", "普票", "普通"))
    kind = normalize.normalize_invoice_type(text) if explicit else None
    if kind and kind in policy.types:
        request["type"] = kind
    elif kind and kind not in policy.types:
        out.say(reply("invoice.unavailable", invoice_type=kind, types=join_items(policy.types)))
        out.pending = {**request, "awaiting": "type"}
        return
    tax = shop_answers.validate_tax_number(_token_like(text, 15, 20)) if _token_like(text, 15, 20) else None
    email = shop_answers.validate_email(_email_like(text)) if _email_like(text) else None
    if tax:
        request["tax"] = tax
    if email:
        request["email"] = email
    if awaiting == "type" and not starting and not kind and _title_from(text):
        request["title"] = _title_from(text)  # a title given first is kept; the type is asked again
    if awaiting == "title" and not starting and kind:
        out.say(text_ask("title"))  # 「电子普票」 answers the type, not the title
        out.pending = request
        return
    if awaiting == "title" and not starting:
        title = _title_from(text)
        if not title:
            out.say(reply("invoice.wrong_title") if request.get("reissue") else text_ask("title"))
            out.pending = request
            return
        request["title"] = title
    elif awaiting == "tax" and not tax and not starting:
        out.say(reply("invoice.invalid_tax_number"))
        out.pending = request
        return
    elif awaiting == "email" and not email and not starting:
        out.say(reply("invoice.invalid_email"))
        out.pending = request
        return
    if request.get("reissue") and request.get("title"):
        out.say(reply("invoice.reissue_recorded", title=request["title"]))
        out.tasks.append(TaskRequest("invoice_request", f"重开发票，新抬头：{request['title']}",
                                     order_id=state.order_id, details=request))
        return
    if not request.get("type"):
        if len(policy.types) == 1:
            request["type"] = policy.types[0]
        else:
            out.say(text_ask("type", types=join_items(policy.types)))
            out.pending = {**request, "awaiting": "type"}
            return
    if not request.get("title"):
        out.say(text_ask("title"))
        out.pending = {**request, "awaiting": "title"}
        return
    company = request["title"] != "个人"
    if (company or request["type"] == "专票") and not request.get("tax"):
        out.say(text_ask("tax"))
        out.pending = {**request, "awaiting": "tax"}
        return
    if request["type"] == "电子普票" and not request.get("email"):
        out.say(text_ask("email"))
        out.pending = {**request, "awaiting": "email"}
        return
    answer = shop_answers.invoice_recorded_answer(ctx.config, request["type"], request["title"], request.get("email"))
    out.say(answer.text)
    out.records.append(Record("invoice", {"order_id": state.order_id, "invoice_type": request["type"],
                                          "title": request["title"], "tax_number": request.get("tax"),
                                          "email": request.get("email")}))
    out.tasks.append(TaskRequest("invoice_request", f"开具{request['type']}，抬头：{request['title']}",
                                 order_id=state.order_id,
                                 details={k: v for k, v in request.items() if k in ("type", "title", "tax", "email")}))


def text_ask(what: str, **values: Any) -> str:
    return reply(f"invoice.ask_{what}", **values)


def _token_like(text: str, low: int, high: int) -> str:
    match = re.search(r"(?<![0-9A-Za-z])[0-9A-Za-z]{%d,%d}(?![0-9A-Za-z])" % (low, high), text)
    return match.group(0) if match else ""


def _email_like(text: str) -> str:
    match = re.search(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9.\-]+\.[A-Za-z]{2,24}", text)
    return match.group(0) if match else ""


def _title_from(text: str) -> Optional[str]:
    cleaned = re.sub(r"^(抬头|发票抬头|开|写)(是|为|：|:)?", "", text.strip()).strip(" ：:。，,")
    if cleaned in ("个人", "个人抬头", "个人的", "开个人", "个人就行", "个人就可以"):
        return "个人"
    if 2 <= len(cleaned) <= 60 and re.search(r"[\u4e00-\u9fff]", cleaned):
        return cleaned
    return None


# -- shop rules that need a person ----------------------------------------------------------------------

def _shop_rule_handoff(ctx: Context, state: State, questions: Sequence[Question], text: str) -> Optional[str]:
    """shop.yml ``handoff`` (read by kefu.tickets.triggers, the rule's one home): questions about these
    products, and returns of orders above the amount, go to a person unanswered."""
    try:
        rules = HandoffRules.from_section(ctx.config.handoff)
    except ValueError:
        return None
    if questions and not any(q.kind not in SMALL_TALK for q in questions):
        return None
    if not questions and not (state.product_id and _CONTENT.search(text)):
        return None  # nothing recognised: only a message about a hand-off product goes to a person unread
    # Asking whether the order has 运费险 is no return: it is answered from the order. Neither is asking the
    # rule (「还能退吗」, 「退货期限」): the shop's threshold is for a refund asked for (「我要退款」, 「不要了」).
    returns = any(TOPIC.get(q.kind) == "returns" and q.kind not in ("freight_insurance", "return_who_pays")
                  for q in questions) and any(asks_for_refund(q.clause) for q in questions)
    amount = None
    if returns and state.order_id:
        order = ctx.store.order(state.order_id)
        amount = float(order.amount) if order is not None and order.amount is not None else None
    trigger = shop_rule_trigger(rules, intent="ask_return_policy" if returns else None,
                                product_id=state.product_id, order_amount=amount)
    return trigger.reason if trigger else None
