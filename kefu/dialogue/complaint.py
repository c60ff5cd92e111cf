"""Is this message a complaint (a person should take over), or a question about the product?

The trained Rasa intent ``complain`` fires on any product word (「面料纯棉吗 会缩水起球吗」,
even a bare product name, at confidence 1.0), because the NLU had no intent for a question about the
product itself. The decision is made here instead, per clause: a few precise patterns of
dissatisfaction (破东西, 发错货, 我要投诉 ...), and the learned clause classifier's
``complaint`` label, which was trained beside product doubts (会起球吗), compliance requests
(加个微信) and neutral product words (a bare product name). A question (吗/会不会/能不能 ...) about a quality
word is a product doubt, not a complaint, unless it also says something went wrong.
Insults and threats stay with kefu_rasa.abuse (they are complaints whatever this says).

Measured by ``kefu kinds-report`` on the held-out templates and on tests/nlu/test_nlu.yml.
"""

from __future__ import annotations

import re
from typing import Literal, Optional, Pattern, Sequence

from kefu.dialogue.classifier import ClauseClassifier, shared
from kefu.dialogue.mentions import fold
from kefu.dialogue.questions import clauses

# Said only when something went wrong (never in a question about the product).
PATTERNS: Sequence[str] = (
    r"投诉", r"差评", r"12315", r"消协", r"(太|真|好|很|非常|特别)(差|烂|垃圾|失望|过分|坑|恶心)", r"(什么|啥)(破|烂)(东西|玩意|质量|店)",
    r"(破|烂)(东西|玩意儿?)", r"垃圾", r"骗子", r"骗人", r"假货", r"(发|寄)错(货|了|颜色|码|尺码)", r"少发", r"漏发",
    r"(收到|到手|拿到)(的|就|就是|时)?.{0,6}(坏|破|脏|烂|裂|碎|压扁|漏)", r"(开线|脱胶|掉底|断了|裂开|破洞|破了个洞|坏了|跑毛)(了|的)",
    r"(一次|两次|几次|没几天|刚穿|才穿|第一次)(?![^，。？?]*(会不会|会吗|吗|么|嘛))[^会]{0,6}(开线|起球|破|坏|掉色|脱胶|变形|缩水|褪色)", r"(气死|受够|忍无可忍|无语|服了)",
    r"(跟|和|与)(图片|描述|详情页?|宣传)(完全|根本|严重)?(不一样|不符|不同)", r"色差(太|很|好)?大", r"(怪味|异味|臭味|熏)",
    r"什么(服务|态度|质量)", r"(退款|处理|发货).{0,6}(拖|这么久|太慢).{0,6}(什么意思|搞什么|过分)", r"(两只|两个)不一样",
    r"态度(太|真|好)?差", r"答非所问", r"(问|说)了?(半天|好几遍|几遍了)", r"(太|真)不负责", r"烂脸", r"(又红又痒|红肿|刺痛|起疹子|起红疹|爆痘|闷痘)",
    r"(给我|要个|讨个)(个)?(说法|交代)", r"必须.{0,4}(赔|给我退|处理|说法)",
    r"起诉", r"告(你们|你家|到)", r"律师", r"法院", r"曝光", r"(上吐下泻|进了?医院|住院了)",
    r"(不满意|失望|后悔|太坑|坑人|坑爹|粗糙|生气|差劲|恶心|离谱|糟糕|再也不(来|买)|没法(穿|用|吃)|二手|有人(穿|用)过|假的吧|搞什么|什么意思|就这么做生意)",
)
# The words of a defect, in one place: named outright (开胶, 过期) or as damage (碎, 裂 ...).
_DEFECT_WORDS = ("开胶", "开线", "脱线", "脱胶", "掉漆", "褪色", "掉色", "缩水", "起球", "变形", "发霉", "霉味", "破损",
                 "过期", "异物", "过敏", "漏气", "胀袋", "变质", "异味", "压扁")
_DAMAGE = "碎裂破坏漏脏烂断"
# A defect that happened (「开胶了」, 「充不进电」) is a complaint; one that might (「会开胶吗」) is a product doubt.
_DEFECT = re.compile("|".join(_DEFECT_WORDS) + f"|[{_DAMAGE}]了|软了")
# Said only of something in the buyer's hands.
_BROKEN = re.compile(r"(充不进电|充不上电|不能用|用不了|打不开|开不了机|没反应|是脏的|是坏的|是破的|是旧的|是碎的|是裂的|碎掉了|碎成|"
                     r"不(出水|出风|出气|加热|制热|制冷|工作|转|亮|通电|吸|响)了|漏水了|冒烟|有焦味|跳闸)")
_HAPPENED = re.compile(r"(了|就|已经|都|刚|才|一直|还是)")
_DOUBT = re.compile(r"(吗|么|嘛|\?|？|会不会|会|容易|怕|能不能|是不是|不会|防止|怎么(样|办|洗)|咋(样|办|洗|弄|处理)|如何)")
# The defect a complaint names, to find the shop's own remedy sentence for it.
_STEM = re.compile("|".join(_DEFECT_WORDS) + f"|[{_DAMAGE}]")
_COMPILED: Optional[Sequence[Pattern[str]]] = None


_REMEDY = re.compile(r"补发|拍照|照片|退|换|赔|售后")


def remedy_for(text: str, sentences: Sequence[str]) -> Optional[str]:
    """The shop's own sentence for the defect the complaint names (「收到的钢化膜碎了」 and 「收到时已经碎裂的
    请拍照联系客服补发」): its remedy, said beside the hand-off; None when no sentence speaks of it."""
    stems = set(_STEM.findall(fold(text)))
    for sentence in sentences:
        for part in re.split(r"[；;。]", sentence):
            if any(stem in part for stem in stems) and _REMEDY.search(part):
                return part.strip() + "。"
    return None
# The learned label counts at or above this probability.
MIN_PROBABILITY = 0.7  # chosen by cross-validation on the training templates (precision 0.94)


def _patterns() -> Sequence[Pattern[str]]:
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = tuple(re.compile(p, re.IGNORECASE) for p in PATTERNS)
    return _COMPILED


def pattern_says(text: str) -> bool:
    text = fold(text)
    if any(p.search(text) for p in _patterns()):
        return True
    return any((_BROKEN.search(piece) or _DEFECT.search(piece) and _HAPPENED.search(piece)) and not _DOUBT.search(piece)
               for _, piece in clauses(text))


def learned_says(text: str, classifier: Optional[ClauseClassifier] = None) -> bool:
    """Any clause (or the whole message) the classifier reads as a complaint."""
    model = classifier or shared()
    pieces = [piece for _, piece in clauses(text)]
    if len(pieces) > 1:
        pieces.append(fold(text))
    return any(model.probability(piece, "complaint") >= MIN_PROBABILITY for piece in pieces if piece)


Mode = Literal["patterns", "learned", "both"]

# What kefu runs. On the held-out templates patterns and both tie (precision 1.000, recall 0.850); on
# tests/nlu/test_nlu.yml the classifier adds recall (0.95 vs 0.85) at a precision cost (0.70 vs 0.94), and a
# wrong hand-off is the failure this module exists to stop: the patterns win (kefu kinds-report).
DECISION: "Mode" = "patterns"


def is_complaint(text: str, mode: Optional[Mode] = None, classifier: Optional[ClauseClassifier] = None) -> bool:
    """The complaint/hand-off decision (``DECISION`` unless a mode is asked for, as the report does)."""
    mode = mode or DECISION
    if mode == "patterns":
        return pattern_says(text)
    if mode == "learned":
        return learned_says(text, classifier)
    return pattern_says(text) or learned_says(text, classifier)
