"""Product facts as data: the shop's own sentence for what a buyer asks about the product.

``catalog.yml`` gives each product ``facts`` (any label -> the sentence a buyer reads),
``fact_aliases`` (more words for a label), dated ``gifts`` and a ``description``; ``shop.yml``
gives dated ``campaigns`` and ``shipping.international``. :func:`answer_fact` picks what a
clause asks and returns the shop's wording, or None when the data does not say (the caller
then answers honestly that it will check, and never invents a fact).

The engine may know generic *fact topics* (面料 ~ 材质 ~ 材料 ~ 料子 ~ 成分); it never knows a
category or a product. Every sentence returned has passed the compliance guard of each
platform the shop sells on: a fact the guard would block is not said.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from kefu.dialogue.questions import Question, clauses
from kefu.dialogue.stock import asks_stock
from kefu.guard import BLOCKED, Guard, GuardError
from kefu.shop.answers import reply
from kefu.shop.config import ShopConfig
from kefu.shop.models import Gift, Product

# Generic words for fact topics: a label (or a word in it) on the left, how buyers ask about it on the right.
TOPICS: Dict[str, Tuple[str, ...]] = {
    "材质": ("材质", "面料", "材料", "料子", "成分", "布料", "什么料", "啥料", "面料成分", "纯棉", "全棉"),
    "成分": ("成分", "配方", "含什么", "含有"),
    "洗涤": ("洗涤", "清洗", "机洗", "水洗", "手洗", "怎么洗", "咋洗", "能洗", "洗衣机", "干洗"),
    "产地": ("产地", "哪里产", "哪产的", "哪儿产", "哪里生产", "哪儿生产", "哪生产", "生产地", "原产", "哪里的货", "国产",
           "进口"),
    "尺寸": ("尺寸", "多大", "多长", "多宽", "长宽", "大小"),
    "重量": ("重量", "多重", "几斤", "克重", "多少克", "净重", "毛重", "含不含箱", "带箱"),
    "保质期": ("保质期", "保质", "过期", "有效期", "能放多久", "能用多久", "放多久"),
    "储存": ("储存", "保存", "存放", "怎么放", "放多久", "能放几天", "放冰箱", "冷藏", "冷冻", "常温", "开封后", "开袋后"),
    "生产日期": ("生产日期", "新货", "几月的", "批次", "哪年的", "什么时候生产", "啥时候生产", "生产的"),
    "含绒量": ("含绒量", "含绒", "绒子", "鸭绒", "鹅绒", "几成绒", "多少绒"),
    "起球": ("起球", "起毛球", "掉球"),
    "缩水": ("缩水", "缩不缩"),
    "掉色": ("掉色", "褪色", "串色", "染色"),
    "掉毛": ("掉毛", "浮毛", "掉絮", "掉渣"),
    "钻绒": ("钻绒", "钻毛", "跑绒", "漏绒", "跑毛"),
    "防滑": ("防滑", "打滑", "滑不滑"),
    "组成": ("包括", "包含", "含不含", "有几件", "几件套", "套装内容"),
    "套装内容": ("包括", "包含", "里面有", "里有啥", "有哪些", "有什么东西", "都有啥"),
    "使用方法": ("怎么用", "咋用", "用法", "使用方法", "用量", "挤多少", "挖多少", "涂多少", "用多少", "一次用", "怎么涂",
             "多久补", "补涂", "要洗吗", "要洗不", "用洗吗", "洗掉吗"),
    "卸妆": ("卸妆", "怎么卸", "用啥卸", "咋卸", "卸掉", "卸得掉"),
    "酒精香精": ("酒精", "香精", "香味", "味道", "有味"),
    "气味": ("气味", "味道", "有味", "异味", "臭"),
    "适合肤质": ("肤质", "敏感肌", "油皮", "干皮", "混油", "混干", "痘痘肌", "敏感皮"),
    "孕妇能否使用": ("孕妇", "孕期", "哺乳", "怀孕"),
    "防水": ("防水", "游泳", "出汗", "防汗"),
    "防晒指数": ("防晒指数", "spf", "倍数", "多少倍", "几倍", "防晒值"),
    "色号说明": ("什么颜色", "啥颜色", "啥色", "什么色", "显白"),
    "质地": ("质地", "沾杯", "拔干", "滋润", "干不干"),
    "支数": ("支数", "几支", "多少支"),
    "工艺": ("工艺", "做工", "拉链", "系带", "开口"),
    "填充物": ("填充", "里面是", "里面填", "芯是"),
    "退换": ("退换", "退货", "能退", "可以退", "退吗", "拆封", "拆了", "用过", "洗过"),
}
RETURN_LABELS = ("退换", "退货", "退换货", "售后")
_GIFT = re.compile(r"赠品|赠送|赠|礼品|礼物|小样|(?<!配)送(?!到|货|达|过来|上门|人|回|修|检)|"
                   r"^(那|这个?)?(活动)?送到(什么时候|啥时候|哪天|几号)")  # 「送到什么时候」: until when it is given
_CAMPAIGN = re.compile(r"活动|满减|打折|折扣|促销|双十二|双12|大促|优惠")
_ABROAD = re.compile(r"国外|海外|出国|境外|外国|日本|美国|韩国|英国|法国|德国|加拿大|澳洲|澳大利亚|新加坡|马来西亚|泰国|"
                     r"越南|欧洲|香港|澳门|台湾|港澳台|港澳")
_SEND = re.compile(r"寄|发|邮|运|送|到|收")
_END = "。！？!?～~"
MAX_FACTS = 2
# A question matched to a sentence by its words alone needs this many two-character pieces in it
# (「含被芯吗」 -> 「不含被芯…」: 含被, 被芯), so one shared word (绒量 of 充绒量) does not answer it.
MIN_PIECES = 2


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(tuple(_END)) else text + "。"


def _words(label: str, aliases: Sequence[str]) -> List[str]:
    """Every word that asks for ``label``: itself, the shop's aliases, and the generic topic words."""
    words = [label, *aliases]
    for topic, synonyms in TOPICS.items():
        if topic == label or label in synonyms or (len(topic) >= 2 and topic in label):
            words.extend(synonyms)
    return [w for w in dict.fromkeys(words) if w]


def without_names(clause: str, products: Sequence[Product]) -> str:
    """The clause with the products' own names blanked (same length): 「鹅绒被那单咋样了」 names the duvet,
    it does not ask for its 含绒量, and 「鹅绒被是真鹅绒吗」 still asks with the 鹅绒 left over."""
    for word in sorted({w for p in products for w in p.words if len(w) >= 2}, key=len, reverse=True):
        clause = re.sub(re.escape(word), " " * len(word), clause, flags=re.IGNORECASE)
    return clause


# How a question and a fact's words are compared: 「有没有糖」 asks what 「有糖吗」 asks, 「3岁能吃」 what
# 「几岁能吃」 asks, 「是甜的吗」 what 「甜吗」 asks.
_A_OR_NOT = re.compile(r"([有是能会含要可带送用配])[没不]\1")
_COUNT = re.compile(r"[0-9一二两三四五六七八九十]+(?=岁|个月|周岁|口人|个人|人(用|吃|住|份)|平米|平方|平(?![时常底价安]))")
_PARTICLE_DE = re.compile(r"的(?=[吗嘛么呢])")
_DIFFERENCE = re.compile(r"区别|差别|不同|差在|有啥不一样|有什么不一样|哪里不一样|差异")
_COMPARED = re.compile(r"(?P<a>[\w.+#-]{2,8}?)(和|跟|与|还是|同|对比)(?P<b>[\w.+#-]{2,8}?)的?(有)?(啥|什么|哪些)?"
                       r"(区别|差别|不同|差在|不一样|差异)")
MAX_GAP = 2  # extra characters allowed inside a word of three or more (「都有冰糖心吗」 asks 「都有糖心吗」)


def _plain(text: str) -> str:
    return _PARTICLE_DE.sub("", _COUNT.sub("几", _A_OR_NOT.sub(r"\1", text.lower()))).replace("多少", "几")


def _find(word: str, plain_text: str) -> int:
    """Where ``word`` is asked in the (plain) clause: as written, or with up to MAX_GAP characters inside
    a word of three or more; -1 when it is not."""
    word = _plain(word)
    at = plain_text.find(word)
    if at >= 0 or len(word) < 3:
        return at
    match = re.search(".{0,2}?".join(re.escape(ch) for ch in word), plain_text)
    return match.start() if match and len(match.group(0)) <= len(word) + MAX_GAP else -1


def _matches(clause: str, product: Product) -> List[Tuple[int, int, str]]:
    """(position, -length of the word matched, label) of every fact the clause asks about (not its name)."""
    aliases = dict(product.fact_aliases)
    lowered = _plain(without_names(clause, [product]))
    found: List[Tuple[int, int, str]] = []
    for label, _ in product.facts:
        best: Optional[Tuple[int, int]] = None
        for word in _words(label, aliases.get(label, ())):
            at = _find(word, lowered)
            if at >= 0 and (best is None or len(word) > -best[1]):
                best = (at, -len(word))
        if best is None and _DIFFERENCE.search(lowered) and label in dict(product.option_names).values():
            best = (_DIFFERENCE.search(lowered).start(), -2)  # 「JJ和JJJ啥区别」: the fact named after the option (等级)
        pair = _COMPARED.search(clause)
        if best is None and pair and all(side.strip() in (product.fact(label) or "") for side in pair.group("a", "b")):
            best = (pair.start(), -len(pair.group(0)))  # 「两件套和三件套差在哪」: the fact that speaks of both
        if best is not None:
            found.append((best[0], best[1], label))
    return found


# A fact written per size (「1.2m床：被套150×200cm…；1.5m床：…」, 「150×200cm充绒量700g，200×230cm充绒量1000g」):
# each part led by its size. The part of the size asked is the answer, not the whole list.
_PART = re.compile(r"[；;，,]")
_LEAD = re.compile(r"^\s*(?P<key>[0-9][0-9.]*(?:\s*[×xX*＊]\s*[0-9][0-9.]*)?|[0-9]?X{0,3}[SML](?![a-zA-Z]))\s*"
                   r"(?:mm|cm|m|米|ml|g|kg|克|床|寸|码|号)*\s*(?:床)?\s*[：:]?")


def _size_key(text: str) -> str:
    return re.sub(r"\s*[×xX*＊]\s*", "x", text)


def narrowed(fact: str, clause: str) -> str:
    """The part of a per-size fact for the one size the clause names; the whole fact otherwise."""
    parts = [p for p in _PART.split(fact) if p.strip()]
    keys = [(_size_key(m.group("key")), part) for part in parts for m in [_LEAD.match(part)] if m]
    if len(keys) < 2 or len(keys) < len(parts) * 0.6:
        return fact
    asked = _size_key(clause)
    hits = [(key, part) for key, part in keys
            if re.search(rf"(?<![0-9.x]){re.escape(key)}(?![0-9]|\.[0-9]|x[0-9])" if key[0].isdigit() and not key.endswith(("S", "M", "L"))
                         else rf"(?<![0-9A-Za-z]){re.escape(key)}(?![0-9A-Za-z])", asked)]
    if len({key for key, _ in hits}) != 1:
        return fact
    key = hits[0][0]
    chosen = [part.strip() for k, part in keys if k == key]
    # a part that continues the chosen one (「枕套48×74cm两只」 after 「1.5m床：被套200×230cm、床单…」) has no lead
    out: List[str] = []
    for index, part in enumerate(parts):
        lead = _LEAD.match(part)
        if lead and _size_key(lead.group("key")) == key:
            out.append(part.strip())
        elif out and not lead and index > 0 and parts[index - 1].strip() in out:
            out.append(part.strip())
    return "，".join(out or chosen)


def matched_labels(clause: str, product: Product) -> List[str]:
    """The labels of the product's facts that ``clause`` asks about by their own words or aliases."""
    return [label for _, _, label in _matches(clause, product)]


def _guarded(text: str, shop: ShopConfig) -> bool:
    """True when no platform the shop sells on would block ``text``."""
    for platform in shop.platforms:
        try:
            if Guard.for_platform(platform).check(text).verdict == BLOCKED:
                return False
        except GuardError:
            return False
    return True


def _dates(gift: Gift) -> str:
    if gift.start and gift.until:
        return reply("facts.dates", start=reply("common.date", month=gift.start.month, day=gift.start.day),
                     until=reply("common.date", month=gift.until.month, day=gift.until.day))
    if gift.until:
        return reply("facts.until", until=reply("common.date", month=gift.until.month, day=gift.until.day))
    return ""


def _dated(gifts: Sequence[Gift], today: dt.date) -> List[str]:
    return [reply("facts.dated", text=g.text.rstrip(_END), dates=_dates(g)) if _dates(g) else g.text.rstrip(_END)
            for g in gifts if g.valid_on(today)]


def answer_fact(clause: str, product: Optional[Product], shop: ShopConfig, today: dt.date) -> Optional[str]:
    """The shop's own sentence for what ``clause`` asks (material, 含绒量, care, origin, size, shelf life,
    gifts and campaigns with their dates, delivery abroad …), or None when the data does not say."""
    clause = (clause or "")[:500]
    if not clause.strip():
        return None
    parts: List[str] = []
    if _ABROAD.search(clause) and _SEND.search(clause):
        abroad = abroad_answer(shop)
        if abroad is None:
            return None  # the shop has not said: honesty and a task, not a guess
        parts.append(abroad)
    elif product is not None:
        chosen = sorted(_matches(clause, product), key=lambda hit: (hit[1], hit[0]))
        # Longest words first decide; then in the order asked, at most two facts.
        labels = [label for _, _, label in sorted(chosen[:MAX_FACTS], key=lambda hit: hit[0])]
        # Each fact passes the guard on its own: one the guard would block is left out, not the others.
        said = [_sentence(narrowed(product.fact(label) or "", clause)) for label in labels]
        said = [text for text in said if _guarded(text, shop)]
        if said:
            parts = [reply("facts.answer", text="".join(said))]
    if not parts and _GIFT.search(clause):
        current = _dated(product.gifts, today) if product is not None else []
        campaigns = _dated(shop.campaigns, today)
        if current:
            parts.append(reply("facts.gifts", gifts=reply("common.list_separator").join(current)))
        elif product is not None and (product.gifts or campaigns):
            # A shop that writes its campaigns down says what is on: this product gives nothing away, and the
            # campaigns follow. A shop silent on both gets honesty and a task (the data may just not say).
            parts.append(reply("facts.no_gift", product=product.name))
            if campaigns:
                parts.append(reply("facts.campaigns", campaigns=reply("common.list_separator").join(campaigns)))
        elif campaigns:
            parts.append(reply("facts.gifts", gifts=reply("common.list_separator").join(campaigns)))
    if not parts and _CAMPAIGN.search(clause):
        current = _dated(shop.campaigns, today)
        if product is not None:
            current += _dated(product.gifts, today)
        if current:
            parts.append(reply("facts.campaigns", campaigns=reply("common.list_separator").join(current)))
    if not parts and product is not None:
        parts += _from_fact_texts(clause, product, shop)
    if not parts and product is not None and product.description:
        parts += _from_description(clause, product)
    text = "".join(parts)
    if not text or not _guarded(text, shop):
        return None
    return text


def product_answering(clause: str, products: Sequence[Product]) -> Optional[Product]:
    """「是鹅绒还是鸭绒 含绒量多少」 with no product named yet: the one product whose facts the question asks
    about by their labels (longest word asked decides; None when two products tie, never a guess)."""
    best: List[Tuple[int, Product]] = []
    for product in products:
        hits = _matches(clause, product) if product.facts else []
        if hits:
            best.append((max(-length for _, length, _ in hits), product))
    if not best:
        return None
    best.sort(key=lambda hit: hit[0], reverse=True)
    if len(best) > 1 and best[1][0] == best[0][0]:
        return None
    return best[0][1]


def with_fact(questions: List[Question], text: str, product: Optional[Product], shop: ShopConfig,
              today: dt.date, names_option: Callable[[str], bool] = lambda clause: False,
              measured: bool = True) -> List[Question]:
    """Questions about the product's facts (「三件套里面有啥」, 「哪产的 几成绒」) added where the shop's data
    answers them by its own labels or aliases: each clause nothing else was recognised in, in the order
    asked; the whole message when no clause says it alone."""
    # a size question with a body measured is size advice (「12公斤选什么码」); without one, 「颗粒多大」 and
    # 「M号的窝直径多大」 may ask a fact the product's data holds
    if product is None or not (product.facts or product.gifts) or \
            measured and any(q.kind == "size_advice" for q in questions):
        return questions
    read_as: Dict[str, List[str]] = {}
    for q in questions:
        read_as.setdefault(q.clause, []).append(q.kind)
    # 「有核桃吗」 read as stock, 「开封后能放多久」 as a dispatch time: the product's facts answer them
    # (a clause naming a colour or size asks for that SKU: 「6斤还有吗」 stays a stock question)
    # (「4口人用3L够吗」 names a size but asks no stock word: the fact on who each size suits answers it)
    overridden = {clause for clause, kinds in read_as.items()
                  if all(k in _FACT_WINS_OVER or k == "price" and not _MONEY_WORD.search(clause) for k in kinds)
                  and (not names_option(clause) or _COMPARED.search(clause) or not asks_stock(clause))
                  and not (set(kinds) - {"stock", "restock"} and _SHIPPING_WORD.search(clause))}
    # 「烧一壶水要多久」 read as a transit time names nothing sent: a fact whose sentence speaks of it answers
    by_text = {clause for clause in overridden
               if set(read_as[clause]) & {"ship_when", "transit"} and _from_fact_texts(clause, product, shop)}
    # 「多久加一次水」 beside a stock question, read as nothing: the fact whose sentence speaks of it
    by_text |= {clause for _, clause in clauses(text)
                if clause not in read_as and not names_option(clause)
                and _from_fact_texts(clause, product, shop, min_pieces=MIN_PIECES + 1, by_topic=False)}
    added = [Question("product_fact", clause, at) for at, clause in clauses(text)
             if (clause not in read_as or clause in overridden)
             and (_matches(clause, product) or clause in by_text or product.gifts and _GIFT.search(clause))  # 「买了送什么」
             and answer_fact(clause, product, shop, today)]
    # 「支架承重多少」: a bare 多少 after a property nobody wrote down asks that property, not the price;
    # the product-fact answer is honesty and a task
    added += [Question("product_fact", clause, at) for at, clause in clauses(text)
              if read_as.get(clause) == ["price"] and not _MONEY_WORD.search(clause) and not names_option(clause)
              and _PROPERTY_HOW_MUCH.search(without_names(clause, [product]))
              and all(q.clause != clause for q in added)]
    if added:
        replaced = {q.clause for q in added}
        kept = [q for q in questions if q.clause not in replaced]
        return sorted(kept + added, key=lambda q: q.position)
    if any(q.kind == "product_fact" for q in questions) or not _matches(text, product):
        return questions
    if answer_fact(text, product, shop, today) is None:
        return questions
    return [Question("product_fact", text, 0)] + list(questions)


_FACT_WINS_OVER = ("stock", "restock", "ship_when", "transit", "size_advice")
_PROPERTY_HOW_MUCH = re.compile(r"(?<!这个)(?<!那个)(?<!这款)(?<!那款)(?<!这件)(?<!一共)(?<!总共)(?<!一起)(?<!现在)(?<!请问)(?<!买)(?<!卖)(?<!拍)(?<!要)(?<!单独)(?<!算下来)(?<!到手)"
                                r"(?<![一两二三四五六七八九十几每][件个套条双盒箱瓶支包袋份片斤])(?<=[\u4e00-\u9fff]{2})\s*(是)?多少[呀啊呢哇]?$")
_MONEY_WORD = re.compile(r"钱|价|元|块|贵|便宜|减|省|优惠|折|运费|邮费")  # 「spf多少」 asks a fact; 「多少钱」 a price
_SHIPPING_WORD = re.compile(r"发|寄|到|送|快递|物流|收|邮")
_CONTAINS = re.compile(r"含|包括|包含|带不带|带吗|有没有送|送不送|附带|配不配")


def asks_contents(clause: str, current: Product, named: Product) -> bool:
    """「含被芯吗」 on the bedding set: a word of another product asked as part of this one (this product's
    own facts say whether it is included)."""
    if named.id == current.id or not _CONTAINS.search(clause):
        return False
    words = [w for w in named.words if len(w) >= 2 and w in clause]
    return any(w in text for w in words for _, text in current.facts) or \
        any(w in current.description for w in words)


def shipping_fact(product: Optional[Product], shop: ShopConfig, about: "re.Pattern[str]",
                  place: Optional[str] = None) -> Optional[str]:
    """The product's own shipping sentence, which wins over the shop's default: 「车厘子只发顺丰，不加收
    顺丰费用」 for a courier question, 「新疆、西藏、青海暂不发生鲜」 for one about 新疆, 「从赣州果园发出」
    for where it ships from. ``about``: what the sentence must speak of; ``place``: a province it must name
    together with a refusal (不发, 暂不发 …)."""
    if product is None:
        return None
    for _, text in product.facts:
        for sentence in re.split(r"[；;。]", text):
            if not sentence or not about.search(sentence):
                continue
            if place is not None and not (place in sentence and _REFUSED.search(sentence)):
                continue
            said = _sentence(sentence)
            if _guarded(said, shop):
                return reply("facts.answer", text=said)
    return None


_REFUSED = re.compile(r"不发|暂不|不支持|无法|不能|不配送|不送")


def campaigns_answer(shop: ShopConfig, today: dt.date) -> Optional[str]:
    current = _dated(shop.campaigns, today)
    return reply("facts.campaigns", campaigns=reply("common.list_separator").join(current)) if current else None


def return_fact(product: Optional[Product], shop: ShopConfig) -> Optional[str]:
    """The product's own return rule (a fact labelled 退换/退货, e.g. 拆封后不退), said beside the window."""
    if product is None:
        return None
    for label, text in product.facts:
        if label in RETURN_LABELS and _guarded(text, shop):
            return _sentence(text)
    return None


def abroad_answer(shop: ShopConfig) -> Optional[str]:
    """Delivery abroad (and to 港澳台) as the shop states it; None where shop.yml does not say."""
    if shop.international is None:
        return None
    if isinstance(shop.international, str):
        return reply("facts.answer", text=_sentence(shop.international))
    return reply("facts.international_yes" if shop.international else "facts.international_no")


_FILLER = ("这个", "那个", "这款", "有没有", "可以", "是不是", "什么", "怎么", "多少", "一下", "请问", "亲亲", "宝贝",
           "能不能", "会不会", "是否", "还是")


def _modal(text: str) -> str:
    """「能拆吗」 asks what 「可拆卸」 says: 能/可以/能够 compared as 可."""
    return text.replace("可以", "可").replace("能够", "可").replace("能", "可")


def _content_pairs(clause: str, product: Product) -> List[str]:
    """Two-character pieces of the question that are no filler and no word of the product's name."""
    names = {word[i:i + 2] for word in product.words for i in range(len(word) - 1)}  # within a name, not across two
    text = re.sub(r"[^\u4e00-\u9fff]", " ", _modal(clause))
    for filler in _FILLER:
        text = text.replace(filler, " ")
    return [text[i:i + 2] for i in range(len(text) - 1) if " " not in text[i:i + 2] and text[i:i + 2] not in names]


def _from_fact_texts(clause: str, product: Product, shop: ShopConfig, min_pieces: int = MIN_PIECES,
                     by_topic: bool = True) -> List[str]:
    """「含被芯吗」: the fact whose sentence speaks of what was asked (「…不含被芯和枕芯」), when only one does best."""
    pairs = _content_pairs(clause, product) + [w for w in product.words if len(w) >= 2 and w in clause]
    scored = sorted(((sum(p in _modal(text) for p in pairs), label) for label, text in product.facts), reverse=True)
    if not scored or scored[0][0] < min_pieces or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        label = _topic_in_one_text(clause, product) if by_topic else None
        if label is None:
            return []
        scored = [(MIN_PIECES, label)]
    text = _sentence(product.fact(scored[0][1]) or "")
    return [reply("facts.answer", text=text)] if _guarded(text, shop) else []


_QUESTION_WORD = re.compile(r"多|怎|咋|什么|啥|有|能|几|吗|哪|里|要|用|是")


def _topic_in_one_text(clause: str, product: Product) -> Optional[str]:
    """「防滑吗」 of a product whose sole's fact says 「防滑橡胶大底」, 「防水吗」 of a 「防泼水处理」: a property
    word asked (a generic topic word, not a question word) that exactly one fact's sentence speaks of."""
    clause = without_names(clause, [product])  # 「鹅绒被有检测报告吗」 names the duvet, it asks no 鹅绒
    asked = {w for words in TOPICS.values() for w in words
             if len(w) >= 2 and not _QUESTION_WORD.search(w) and w in clause}
    labels = {label for label, text in product.facts for w in asked
              if re.search(".?".join(map(re.escape, w)), text)}
    return labels.pop() if len(labels) == 1 else None


def _from_description(clause: str, product: Product) -> List[str]:
    """A question answered by the product's description (「帽子可以拆吗」 -> 「…帽子可拆卸」): pieces of the
    question, not a product or filler word, found in the description."""
    hits = [pair for pair in _content_pairs(clause, product) if pair in _modal(product.description)]
    if len(hits) < MIN_PIECES:
        return []
    return [reply("facts.answer", text=_sentence(product.description))]
