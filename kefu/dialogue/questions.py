"""Which questions a message asks, clause by clause, in the order asked.

A buyer writes 「白色M有货吗 发北京几天到」 or 「两件能便宜点吗 包邮不」: several
questions in one message, each needing its own short answer. The message is cut
into clauses (punctuation, spaces, 还有/另外/顺便), and each clause is matched
against the sub-question patterns below: precise phrasings of what buyers ask
(weekend shipping, switching courier, who pays return shipping ...). The trained
intent is only the fallback for a message in which no pattern matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Sequence, Tuple

from kefu.dialogue.mentions import fold

# Kinds, most specific first inside each topic. Each is a list of regexes over one clause.
PATTERNS: Sequence[Tuple[str, Sequence[str]]] = (
    # -- requests the platforms forbid: answered politely, on the platform ---------------------------
    ("contact_offplatform", (
        r"(加|留|给|发|私|换|要|有)(个|一下|下|我)?(你|您|你们|客服)?(的)?(微信|威信|薇信|vx|wx|v信|微|企微|qq|QQ|扣扣|手机号|电话|联系方式|私人号)",
        r"(微信|vx|wx|v信|qq|扣扣)(号|多少|是多少|联系)",
        r"(以后|下次)?直接(找你|联系你|跟你)买", r"私聊", r"(电话|手机)(多少|号码)",
    )),
    ("review_cashback", (
        r"好评(返现|返钱|返红包|有红包|送|给钱|有奖励|返)", r"返现", r"晒图(返|送|有红包)", r"(五星|5星|好评).{0,6}(红包|返|奖励|现金)",
        r"评价.{0,6}(返|红包|奖励)",
    )),
    ("cash_on_delivery", (r"货到付款", r"到付(吗|可以|行)", r"先(收货|验货)再?付款?", r"收到(货)?再付")),
    ("pay_transfer", (
        r"转账", r"(直接|私下)(付|打钱|给钱|交易)", r"打(钱|款)给你", r"(银行卡|卡号|收款码|二维码)(付|转|给我|发我)?",
        r"扫码(付|支付)", r"(微信|支付宝)(付|支付|转)",
    )),
    ("cheaper_elsewhere", (
        r"(别家|别的店|其他店|别的平台|其他平台|另一个平台|网上|直播间|某宝|某东|某多多|淘宝|天猫|京东|拼多多|抖音|快手).{0,8}(更?便宜|价格低|便宜点|卖得便宜|更低)",
        r"比(你们|这)?.{0,6}便宜",
    )),
    ("meet_offline", (r"线下(交易|见面|买|付)", r"(见面|当面)(交易|付|买|拿)", r"(有|去)(实体店|门店)", r"自提")),
    # -- stock ----------------------------------------------------------------------------------------
    ("restock", (
        r"(什么时候|啥时候|几时|多久|哪天|几号)(能|会|才)?(补货|到货|有货|上货|补|来货|有)", r"补货", r"(还会|会不会)(补|有)",
        r"到货(时间|吗)?$", r"(什么时候|啥时候)到货",
    )),
    ("restock_notify", (r"到货(了|后)?(通知|提醒|告诉)(我|一下)", r"(有货|补货|到了)(了)?(通知|告诉|提醒)(我|一下)", r"到货提醒")),
    ("stock", (
        r"有货", r"有没有货", r"有现货", r"现货", r"库存", r"缺货", r"没货", r"断货", r"卖完", r"售罄", r"还?有吗", r"有没有",
        r"(还|能)?(剩|有)(几|多少)(件|个|双|条)", r"有的吗", r"还有没", r"能买吗", r"能拍吗", r"有木有", r"(有|在)卖吗",
        r"^(那|这)?[^，。？]{0,10}(呢|嘞|咧)[?？]?$",
    )),
    # -- size -----------------------------------------------------------------------------------------
    ("size_advice", (
        r"(穿|选|拿|买|要|拍)(多大|什么|啥|哪个|哪一?个|几)(的|号)?(码|号|尺码|size)", r"穿多大", r"穿哪(个|一个|种)?$", r"穿(什么|啥)(合适|好)", r"多大(的)?码", r"什么码", r"啥码", r"哪个码",
        r"码数", r"尺码(怎么选|建议|推荐|合适|参考|表)", r"偏大还是偏小|偏小还是偏大", r"(尺码|码)(偏大|偏小|正)", r"合适吗", r"(穿|选).{0,4}还是", r"(偏大|偏小|标准|正码)(吗|不|么|嘛)",
        r"尺码(准|标准)吗", r"(能|可以)穿吗", r"穿得下", r"(身高|体重|脚长).{0,8}(穿|选|码)", r"推荐.{0,3}码", r"几码",
    )),
    # -- shipping -------------------------------------------------------------------------------------
    ("ship_weekend", (
        r"(周六|周日|周天|周末|星期六|星期日|星期天|礼拜六|礼拜天|礼拜日|节假日|放假)(也|能|会|可以)?(发|发货|发吗|上班)",
        r"(周六|周日|周天|周末|星期六|星期日|星期天|礼拜六|礼拜天).{0,4}发",
    )),
    ("courier", (
        r"(发|走|用|换|改|指定|能发|可以发)(什么|啥|哪个|哪家)?(快递|物流)", r"(顺丰|中通|圆通|韵达|申通|邮政|ems|EMS|极兔|德邦|京东快递|百世)",
        r"快递(是|用)(哪|什么|啥)", r"补(差价|运费|邮费)", r"(什么|啥|哪个|哪家)快递",
    )),
    ("free_shipping", (r"包邮", r"(运费|邮费)(多少|几块|怎么算|要钱|贵)", r"免(运费|邮)", r"(要|收)(运费|邮费)", r"运费(吗|呢)$")),
    ("presale", (r"预售", r"定金", r"尾款", r"现货还是")),
    ("transit", (
        r"(几天|多久|多长时间|多少天|啥时候|什么时候)(能|可以|才能|就能)?(到|收到|送到|到手)(?!货)", r"(到|送到|寄到|发到).{0,8}(几天|多久|要多久)",
        r"(几天|多久)能?到", r"^(要)?(几天|多久)(能到|到|呢)?$", r"(能|可以)(到|送)吗", r"哪天(能|可以|才能)?(到|收到)", r"(几号|哪天)到", r"(发|寄|送)(到)?[\u4e00-\u9fff]{2,8}(要|需要)?(几天|多久)",
    )),
    ("ship_when", (
        r"(什么时候|啥时候|几时|多久|多快|当天|今天|明天|马上|几点前?)(能|可以|会|就)?(发货|发出|发走|发)", r"发货(时间|吗|快|慢|么|嘛)",
        r"(今天|今天能|当天能?)发", r"多久(能)?发", r"(能|可以)?(当天|今天|马上)发", r"(几点|几点前)(下单|付款|拍)", r"发货.{0,4}(多久|几天)",
    )),
    # -- after the order ------------------------------------------------------------------------------
    ("logistics", (
        r"物流", r"快递(到哪|在哪|什么情况|怎么还没|还没)", r"到哪(了|里了)", r"(查|看)(一下|下)?(快递|物流|订单|包裹)", r"(怎么|咋)还没(到|收到|发货|发)",
        r"(催|催一下|催催)", r"单号", r"运单", r"(发货了|发了)(吗|没|么|嘛)", r"还没(收到|到)", r"包裹", r"(寄出|发出)了?(吗|没)",
    )),
    ("address_change", (
        r"(改|修改|换|更改|变更)(一下|下)?(收货)?地址", r"地址(写|填|选)错", r"地址(改|换|修改)", r"(改|换)(成|到)[\u4e00-\u9fff]{2,}(地址|收货)",
        r"收货(人|地址|电话)(改|错|换)",
    )),
    ("order_change", (r"(改|修改|换|更改)(一下|下)?(尺码|颜色|规格|码数|型号|数量)", r"(拍|买|选)错(了)?(尺码|颜色|码|规格)")),
    # -- returns --------------------------------------------------------------------------------------
    ("freight_insurance", (r"运费险", r"退货险")),
    ("return_who_pays", (
        r"(运费|邮费|快递费)(谁|是谁|由谁|谁来)(出|付|承担)", r"谁(出|付|承担)(运费|邮费)", r"(运费|邮费)(要|需要)?我(出|付|承担)", r"退.{0,6}(运费|邮费)",
        r"(包|报销)(运费|邮费)", r"退(货|换)?(要|需要|得)(钱|花钱|收费|付钱|掏钱)",
    )),
    ("refund_time", (
        r"(退款|钱|退的钱|款).{0,4}(多久|几天|什么时候|啥时候|多长时间)", r"多久(到账|退款|退钱)", r"(什么时候|啥时候)(退款|退钱|到账)",
    )),
    ("return_condition", (r"吊牌", r"(洗|穿|下水|试穿|拆|剪)(过|了)", r"包装(坏|没了|扔了|拆了)")),
    ("exchange", (r"换(货|码|大|小|一个|个|尺码|颜色|一下|一码|号)", r"(能|可以)换(吗|不)", r"怎么换", r"调换")),
    ("return_how", (r"怎么(申请|退|弄|操作|寄回)", r"如何(申请|退货|退)", r"退货(流程|地址)", r"在哪(里)?申请")),
    ("return_window", (
        r"(收到|拿到)(货)?(了)?.{0,4}不(太)?(喜欢|合适)",
        r"退(货|换|掉|了)?", r"无理由", r"不(合适|喜欢|想要|要了)(能|可以|怎么)", r"(能|可以|怎么|如何)退", r"售后",
    )),
    # -- invoices -------------------------------------------------------------------------------------
    ("invoice_apply", (r"(帮我|给我|我要|我想|需要|麻烦|帮忙)(开|要)(个|张|一张|一下)?.{0,4}(发票|票)", r"^开(个|张|一张)?.{0,4}(发票|票)$")),
    ("invoice_wrong_title", (r"(抬头|发票|税号)(开|写|填)?错", r"重(新)?开(发票|票)", r"(改|换)(一下)?(抬头|发票)", r"开错")),
    ("invoice_when", (r"^(什么时候|啥时候|多久|几天)(能|可以)?开$", r"开(发)?票.{0,4}(多久|几天|什么时候|啥时候)",
        r"发票.{0,6}(什么时候|啥时候|多久|几天|时间)", r"(什么时候|啥时候|多久)(能)?开(发票|票)", r"开票时间", r"发票(还没|没收到)",
    )),
    ("invoice_paper", (r"纸质", r"(电子|纸)(发票|票|版)", r"发票.{0,3}(电子|纸质|纸)", r"(电子|纸质)的(吗|嘛|么)", r"发票.{0,4}(寄|邮寄|快递)", r"发票.{0,4}(怎么给|怎么发|发到)")),
    ("invoice_types", (r"(开|有)(什么|哪种|哪些|哪几种)(发票|票)", r"(能|可以)(开|提供|给)(个|张)?(发票|票)(吗|不|么|嘛|没)",
                       r"(有|开)(发票|票)(吗|不|么|嘛)", r"(能|可以)开(专票|专用发票|增值税)", r"专票", r"普票")),
    ("invoice_request", (r"(开|要|需要|给我开|帮我开)(个|张|一张|一下)?(发票|票)", r"发票", r"开票", r"抬头", r"税号")),
    # -- money ----------------------------------------------------------------------------------------
    ("coupon", (r"优惠券", r"(有|领|用)(什么)?券", r"券", r"(有|什么|啥|有没有|有啥)(活动|优惠|满减|折扣)", r"满减", r"红包")),
    ("bargain", (
        r"便宜(点|些|一点|一些|点儿)?", r"(砍|讲|议)价", r"少(点|一点|些|收)", r"(打|给个?)折", r"(优惠|便宜)(点|些|一点)", r"抹(零|个零)",
        r"(最低|底)价", r"(能|可以)?再?(优惠|便宜)", r"送(点|个)(东西|赠品|小礼物)",
    )),
    # -- people ---------------------------------------------------------------------------------------
    ("human", (r"(转|找|要|叫)(人工|真人|客服|活人|主管|经理|店长)", r"人工(客服|服务)?$", r"(是|你是)(机器人|机器|自动回复)")),
    # -- small talk (only when nothing else is asked) ------------------------------------------------
    ("thank", (r"(谢谢|感谢|多谢|thx|thanks|thank you|谢啦|谢了|辛苦了|辛苦啦)",)),
    ("goodbye", (r"^(再见|拜拜|bye|88|没事了|没有了|没问题了|就这些|好的没事)", r"(再见|拜拜)")),
    ("greet", (r"^(你好|您好|在吗|在不在|还在吗|在么|hi|hello|哈喽|嗨|亲|有人吗|有人在吗|老板|掌柜|客服|店家)$",)),
    ("ok", (r"^(好的?|好吧|嗯+|哦+|噢+|ok|okay|行|可以|收到|知道了|明白了?|了解了?|懂了|好滴|嗯嗯好的?)$",
            r"^(那)?(就|我)?(拍了|下单了|买了|先这样|去拍了|去下单)$")),
)

SMALL_TALK = ("greet", "thank", "goodbye", "ok")
# Filler a buyer adds around small talk (「好吧 谢谢亲」, 「好 那就拍了」).
_FILLER = re.compile(r"^(亲|好的?|好吧|嗯+|哦+|那|ok|啊|呀)+|(亲|哈+|呀|啊|哦|呢|～|~|!|！|。|\.)+$", re.IGNORECASE)
# Clause separators: punctuation, spaces between Chinese fragments, and connectives.
_SPLIT = re.compile(r"[，,。!！?？;；~～\n\r\t]+|(?<![0-9])\.(?![0-9])|\s+|(?:另外|顺便问下|顺便问一下|顺便|然后|再问一下|对了)")
_COMPILED: Optional[List[Tuple[str, List[Pattern[str]]]]] = None

# What the trained intent means when no pattern matched in the whole message.
INTENT_KIND: Dict[str, str] = {
    "ask_stock": "stock",
    "ask_size": "size_advice",
    "ask_shipping_time": "ship_when",
    "ask_logistics": "logistics",
    "ask_invoice": "invoice_request",
    "ask_return_policy": "return_window",
    "bargain": "bargain",
    "change_address": "address_change",
    "greet": "greet",
    "thank": "thank",
    "goodbye": "goodbye",
}

# Topics: a question's family (the follow-up context and "only one answer per topic" use it).
TOPIC: Dict[str, str] = {
    "stock": "stock", "restock": "stock", "restock_notify": "stock", "return_how": "returns",
    "size_advice": "size",
    "ship_when": "shipping", "ship_weekend": "shipping", "courier": "shipping", "free_shipping": "shipping",
    "presale": "shipping", "transit": "shipping",
    "logistics": "logistics", "address_change": "order", "order_change": "order",
    "return_window": "returns", "return_who_pays": "returns", "freight_insurance": "returns",
    "refund_time": "returns", "exchange": "returns", "return_condition": "returns",
    "invoice_types": "invoice", "invoice_when": "invoice", "invoice_paper": "invoice",
    "invoice_wrong_title": "invoice", "invoice_request": "invoice", "invoice_apply": "invoice",
    "coupon": "money", "bargain": "money",
}


@dataclass(frozen=True)
class Question:
    kind: str
    clause: str
    position: int


def _patterns() -> List[Tuple[str, List[Pattern[str]]]]:
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = [(kind, [re.compile(p, re.IGNORECASE) for p in patterns]) for kind, patterns in PATTERNS]
    return _COMPILED


def clauses(text: str) -> List[Tuple[int, str]]:
    """(position, clause) pairs; empty pieces dropped."""
    text = fold(text)
    pieces: List[Tuple[int, str]] = []
    position = 0
    for match in _SPLIT.finditer(text):
        piece = text[position:match.start()].strip()
        if piece:
            pieces.append((position, piece))
        position = match.end()
    tail = text[position:].strip()
    if tail:
        pieces.append((position, tail))
    return pieces


# Kinds that only count when nothing more specific matched in the same clause
# (「有没有优惠券」 asks about coupons, not stock).
WEAK = ("stock", "return_window", "invoice_request")
# Kinds that make a more general kind of the same clause redundant.
_SUPERSEDES: Dict[str, Tuple[str, ...]] = {
    "restock": ("stock",),
    "restock_notify": ("stock", "restock"),
    "return_how": ("return_window",),
    "return_who_pays": ("return_window", "exchange"),
    "freight_insurance": ("return_window", "free_shipping"),
    "refund_time": ("return_window", "transit"),
    "exchange": ("return_window",),
    "return_condition": ("return_window",),
    "invoice_apply": ("invoice_request", "invoice_types", "invoice_paper"),
    "invoice_wrong_title": ("invoice_request", "invoice_types", "invoice_apply"),
    "invoice_when": ("invoice_request",),
    "invoice_paper": ("invoice_request", "invoice_types"),
    "invoice_types": ("invoice_request",),
    "coupon": ("bargain",),
    "cheaper_elsewhere": ("bargain",),
    "review_cashback": ("coupon", "bargain"),
    "ship_weekend": ("ship_when",),
    "courier": ("ship_when",),
    "transit": ("ship_when", "stock"),
    "logistics": ("stock",),
    "order_change": ("exchange", "return_window"),
    "address_change": ("logistics",),
    "pay_transfer": ("contact_offplatform",),
}


def detect(text: str) -> List[Question]:
    """Every sub-question asked, in order, once per kind."""
    found: List[Question] = []
    whole = fold(text).strip()
    for position, clause in clauses(text):
        kinds = [kind for kind, patterns in _patterns() if kind not in SMALL_TALK and any(p.search(clause) for p in patterns)]
        for kind in list(kinds):
            for general in _SUPERSEDES.get(kind, ()):
                if general in kinds:
                    kinds.remove(general)
        if any(k not in WEAK for k in kinds):
            kinds = [k for k in kinds if k not in WEAK or k == "stock" and "restock" in kinds]
        for kind in kinds:
            if all(q.kind != kind for q in found):
                found.append(Question(kind, clause, position))
    # Small talk is the whole message («你好», «谢谢»), and counts only when nothing else is asked.
    if not found and len(whole) <= 20:
        compact = re.sub(r"\s+", "", whole)
        stripped = _FILLER.sub("", compact) or compact
        for kind, patterns in _patterns():
            if kind in SMALL_TALK and any(p.search(stripped) or p.search(compact) for p in patterns):
                found.append(Question(kind, whole, 0))
                break
    # Supersede across clauses too: "运费险 ... 运费谁出" answers insurance + who pays, not the whole policy.
    kinds = {q.kind for q in found}
    if "bargain" in kinds and "coupon" in kinds:  # the haggling answer names the coupon already
        found = [q for q in found if q.kind != "coupon"]
    for kind in list(kinds):
        for general in _SUPERSEDES.get(kind, ()):
            if general in kinds and general == "invoice_request":
                found = [q for q in found if q.kind != general]
    return found
