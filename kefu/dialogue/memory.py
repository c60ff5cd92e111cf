"""What the conversation remembers and reads from free text, so the buyer is never asked twice.

The colour and size a buyer named (even beside a size question: 「藏青 一米七八 75公斤」), the size
the bot advised, and the address inside a sentence (「地址改到深圳福田… 谢谢 尽快发哈」 stores
only the address). Also: which questions a message still asks once an order change names a SKU,
and whether an unrecognised message asks something (then it gets an honest answer and a task).
"""

from __future__ import annotations

import re
from typing import Any, List, Optional

from kefu import normalize
from kefu.dialogue.facts import without_names
from kefu.dialogue.handlers import HandlerCall, product_fact
from kefu.dialogue.mentions import fold
from kefu.dialogue.questions import Question, clauses, pattern_kinds

_ADDRESS_HINT = re.compile(r"(省|市|区|县|路|街|道|镇|村|栋|幢|单元|室|小区|大厦|花园|弄|巷|号楼|号)")
_ADDRESS_LEAD = re.compile(r"^(收货)?(地址|新地址)?(帮我|麻烦)?(改到|改成|改为|换到|换成|改寄到?|改发到?|寄到|发到|送到|是|为|：|:)+")
_ASKING = re.compile(r"(吗|么|嘛|\?|？|什么|啥|怎么|咋|多少|几|哪|能不能|可不可以|会不会|是不是|有没有|行不|可以不|能否|是否)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Kinds that name the SKU the order should become: the SKU is not a stock question there.
_ORDER_KINDS = ("order_change", "order_cancel", "courier_remark", "address_change")


def remember_mentions(found: Any, state: Any, catalog: Any) -> None:
    """Keep the colour and size the buyer named for the product in question."""
    product = catalog.product(state.product_id)
    if product is None:
        return
    skus = catalog.skus.get(product.id, ())
    color = next((c for c in found.colors if any(s.color == c for s in skus)), None)
    size = next((z for z in found.sizes if any(s.size == z for s in skus)), None)
    if color:
        state.color = color
    if size:
        state.size = size


def prune(questions: List[Question], found: Any) -> List[Question]:
    """「码拍错了 改成41 白色」: one order change, not also a stock question about 白色/41;
    「今天拍几号发 发江西的」: the dispatch day and the transit to the province named."""
    if found.province and any(q.kind == "ship_when" for q in questions) and \
            not any(q.kind in ("transit", "free_shipping") for q in questions):
        questions = questions + [Question("transit", found.province, len(questions))]  # 「几号发 发江西的」
    questions = [q for q in questions if not _only_the_name_asks(q, found)]
    if any(q.kind in _ORDER_KINDS for q in questions):
        return [q for q in questions if q.kind not in ("stock", "size_advice")]
    return questions


def _only_the_name_asks(question: Question, found: Any) -> bool:
    """「鹅绒被那单咋样了」: the fact word (鹅绒) is inside a product's name, not a question about the product.
    Only a fact the patterns read is dropped, and only when they no longer read it without the names."""
    if question.kind != "product_fact" or not found.products:
        return False
    blanked = without_names(question.clause, found.products)
    return blanked != question.clause and "product_fact" in pattern_kinds(question.clause) and \
        "product_fact" not in pattern_kinds(blanked)


def address_in(text: str) -> Optional[str]:
    """The address inside a message (the address clauses, without 「改到」 or 「谢谢 尽快发哈」), or None."""
    folded = fold(text)
    start = end = None
    for position, piece in clauses(text):
        is_address = bool(_ADDRESS_HINT.search(piece) or normalize.MOBILE_NUMBER.search(piece))
        filler = not is_address and piece not in _CHAT and not _ASKING.search(piece) and \
            (piece.isdigit() or len(_HAN.findall(piece)) <= 4 and len(piece) <= 6)
        if is_address:
            start = position if start is None else start
            end = position + len(piece)
        elif start is not None and filler and 2 <= len(_HAN.findall(piece)) <= 4 and not _NOT_A_NAME.search(piece):
            end = position + len(piece)  # 「… 88 号 林峰」: the receiver's name stays with the address
        elif start is not None and not filler:
            break
    if start is None or end is None:
        return None
    address = _ADDRESS_LEAD.sub("", folded[start:end].strip()).strip()
    return address if len(address) >= 6 and _ADDRESS_HINT.search(address) else None


_NOT_A_NAME = re.compile(r"(谢|发|好|吧|哈|呀|啊|麻烦|辛苦|快|急|改|呢)")
_CHAT = ("谢谢", "谢谢亲", "尽快发", "尽快发哈", "麻烦了", "辛苦了", "快点发", "好的", "谢啦")


def asks_something(text: str) -> bool:
    """A message that asks a question (not a greeting, not keyboard mashing)."""
    return len(_HAN.findall(text)) >= 3 and bool(_ASKING.search(text))


def honest_fallback(text: str, state: Any, ctx: Any, out: Any) -> None:
    """A question nobody wrote down: the shop's product facts if they say, else honesty and a task."""
    question = Question("product_fact", text.strip(), 0)
    product_fact(HandlerCall(question, text, None, state, ctx, out, lambda then: None))
