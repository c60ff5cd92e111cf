"""What a buyer asks the shop to have that the shop's data does not name.

「有没有开心果」 in a nut shop that sells no pistachios, 「有没有AAFCO认证」 about a cat food whose facts say
nothing of it: the weak stock reading (「有没有」) must not answer these with a size question. The thing
asked is read from the clause; it counts as absent only when no word of it (two characters at a time)
is in the shop's vocabulary — product names, aliases, categories, option values, fact labels — and it is
not a word of service (链接, 发票 …) or a descriptor of an option (大一点的, 小瓶的).
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Set

from kefu.shop.models import Product, Sku

_ASKED = (
    re.compile(r"(?:有没有|有木有|有无)(?:卖|在卖)?(?P<thing>[^，。,.？?！!\s~～]{2,14})"),
    re.compile(r"卖不卖(?P<thing>[^，。,.？?！!\s~～]{2,14})"),
    re.compile(r"(?<![没还])有(?:卖)?(?P<thing>[^，。,.？?！!\s~～有]{2,12}?)(?:卖)?(?:吗|嘛|么|没|不)"),
)
_TAIL = re.compile(r"(?:的|呀|啊|呢|吗|嘛|么|哦|哈|啦|没|不|卖|吧|可以|能用|能吃|呀)+$")
_HEAD = re.compile(r"^(?:你们|你家|店里|贵店|咱们|咱家|这边|那边|这里|这个|这款|那个|那款|这种|别的|其他|其它|一些|点|些|卖)+")
# Service words and the stock question's own words: other kinds answer these, never 「没有」.
_SERVICE = re.compile(
    r"货|库存|存货|链接|客服|人工|人在|优惠|活动|券|赠|礼品|礼物|发票|运费|包邮|快递|物流|同款|推荐|折扣|便宜|会员|积分|"
    r"小票|说明书|保修|质保|售后|退|换|尺码|码数|尺寸|规格|型号|颜色|色号|款式|款|色|码|号|价|钱|图|视频|"
    r"评价|好评|买家秀|实物|直播|福利|秒杀|团购|拼单|预售|定金|尾款|地址|电话|微信|发货|现在|今天|明天|时间")
_DESCRIPTOR = re.compile(r"^(?:大|小|长|短|厚|薄|宽|窄|高|低|深|浅|轻|重|软|硬|新|旧|多|少)+"
                         r"(?:一?点|一些|些|号|瓶|包|袋|盒|支|件|个|罐|条|只|装)?$")


def vocabulary(products: Iterable[Product], skus: Iterable[Iterable[Sku]]) -> Set[str]:
    """Every two-character piece of a word the shop's data uses for what it sells."""
    words: Set[str] = set()
    for product in products:
        words.update(product.words)
        words.add(product.category)
        words.update(label for label, _ in product.facts)
        for _, aliases in product.fact_aliases:
            words.update(aliases)
    for group in skus:
        for sku in group:
            words.update((sku.color, sku.size))
    return {word[i:i + 2].lower() for word in words if word for i in range(max(1, len(word) - 1))}


def asked_thing(clause: str, known: Set[str]) -> Optional[str]:
    """The thing the clause asks the shop to have, when none of the shop's data names it (else None)."""
    for pattern in _ASKED:
        match = pattern.search(clause)
        if not match:
            continue
        thing = _HEAD.sub("", _TAIL.sub("", match.group("thing")))
        if len(thing) < 2 or re.search(r"[0-9]", thing) or _SERVICE.search(thing) or _DESCRIPTOR.match(thing):
            return None
        if any(thing[i:i + 2].lower() in known for i in range(len(thing) - 1)):
            return None
        return thing
    return None
