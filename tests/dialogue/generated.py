"""Generated buyer conversations and the checks every reply must pass, for the property tests.

Messages are built from the pieces buyers really type (product words, colours the shop
sells and does not, sizes in every spelling, heights, weights, foot lengths, waists in
every unit, order numbers real and made up, provinces, questions, emoji, filler,
typos), several to a message and several messages to a conversation. The checks read
the facts a reply states (stock of a SKU, a restock date, the product named) and
compare them with the catalogue loaded from the shop's files: never with the code's
own output.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Dict, List, Sequence, Tuple

from hypothesis import strategies as st

from kefu.shop.models import Sku

PRODUCT_WORDS = ["卫衣", "T恤", "短袖", "连衣裙", "裙子", "牛仔裤", "裤子", "羽绒服", "跑鞋", "运动鞋", "帆布鞋", "小白鞋", "大衣", "帽衫"]
COLORS = ["黑色", "白色", "灰色", "藏青色", "蓝色", "粉色", "浅蓝色", "深蓝", "卡其色", "驼色", "红色", "黑的", "白", "紫色",
          "荧光绿", "米白色", "酒红"]
SIZES = ["S", "M", "L", "XL", "xl", "2XL", "XXL", "3XL", "ｌ", "均码", "大码", "26", "27", "28", "29", "30", "31", "32",
         "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "37码", "42号"]
MEASURES = ["170", "165", "1米7", "一米六五", "120斤", "100斤", "65kg", "55公斤", "60KG", "170cm", "身高175", "体重130斤",
            "脚长245", "240mm", "25.5厘米", "24cm", "2尺2", "两尺一", "腰围72cm", "29寸", "130多斤", "160 90"]
QUESTIONS = ["有货吗", "还有吗", "有没有", "穿多大码", "什么码合适", "几天到", "多久能到", "包邮吗", "周日发货吗", "今天能发吗",
             "发顺丰吗", "能退吗", "运费谁出", "有运费险吗", "能换吗", "开发票", "能开专票吗", "便宜点", "有优惠券吗",
             "加个微信", "好评返现吗", "货到付款吗", "到哪了", "物流", "改地址", "什么时候补货", "偏大吗", "退款多久",
             "吊牌剪了能退吗", "转人工", "你好", "谢谢", "好的", "在吗"]
ORDER_IDS = ["2611290915246801357", "2611250820135792468", "2611140815987654321", "2611301015864213579",
             "2611230955001122334", "2611151122334455667", "261101101020304050", "3999999999999999999", "123456789012345"]
PLACES = ["北京", "新疆", "乌鲁木齐", "广州", "杭州", "西藏", "上海市", "四川成都", "黑龙江", "海南三亚"]
NOISE = ["😀", "👍🙏", "～～", "!!!", "？？", "亲", "那个", "嗯", "啊", "哈哈", "asdf", "。", "123", "0", "9999", "¥99",
         "https://m.example.com/item?id=1", "   ", "\u3000", "ABC", "老板", "急", "……"]
SEPARATORS = ["", " ", "，", "。", "？", " 还有", "另外", "\n", "、", "  "]

piece = st.one_of(*(st.sampled_from(group) for group in (PRODUCT_WORDS, COLORS, SIZES, MEASURES, QUESTIONS, ORDER_IDS,
                                                          PLACES, NOISE)),
                  st.text(alphabet="的了吗呢么哦嘛吧不是有没要想买看发到", min_size=1, max_size=3))
message = st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), min_size=1, max_size=5).map(
    lambda parts: "".join(p + s for p, s in parts).strip() or "在吗")
conversation = st.tuples(
    st.sampled_from([None, "p1001", "p1002", "p1003", "p1004", "p1005", "p1006", "p1007"]),
    st.sampled_from(["pinduoduo", "taobao", "jd", "douyin"]),
    st.lists(message, min_size=1, max_size=6),
)

_SKU_CLAIM = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]+)（([^/（）]+)/([^）]+)）(有现货|目前仅剩(\d+)件|暂时缺货，预计(\d+)月(\d+)日补货|暂时缺货，补货时间还没有确定|已经售罄)")
_RESTOCK = re.compile(r"(\d+)月(\d+)日补货")
_ALTERNATIVES = re.compile(r"可以直接下单的还有：([^，。]+)")


def check_reply(replies: Sequence[str], skus: Dict[Tuple[str, str, str], Sku], names: Dict[str, str],
                threshold: int, today: dt.date) -> List[str]:
    """Problems with one reply turn: duplicates, too many bubbles, facts that contradict the catalogue."""
    problems: List[str] = []
    if len(replies) > 3:
        problems.append(f"{len(replies)} bubbles")
    if len(set(replies)) != len(replies):
        problems.append("a message repeated in one turn")
    if any(not r.strip() for r in replies):
        problems.append("an empty message")
    text = "\n".join(replies)
    for match in _SKU_CLAIM.finditer(text):
        name, color, size, claim = match.group(1), match.group(2), match.group(3), match.group(4)
        product_id = names.get(name)
        if product_id is None:
            problems.append(f"unknown product {name!r}")
            continue
        sku = skus.get((product_id, color, size))
        stock = sku.stock if sku else 0
        if claim == "有现货" and stock <= threshold:
            problems.append(f"{name} {color}/{size}: 有现货 but stock {stock}")
        elif match.group(5) and int(match.group(5)) != stock:
            problems.append(f"{name} {color}/{size}: 仅剩{match.group(5)} but stock {stock}")
        elif match.group(6):
            date = dt.date(today.year, int(match.group(6)), int(match.group(7)))
            if stock != 0 or sku is None or sku.restock_date != date or date <= today:
                problems.append(f"{name} {color}/{size}: restock {date} contradicts {sku}")
        elif claim.startswith("暂时缺货，补货时间") and (stock != 0 or sku is None or not sku.restock_date):
            problems.append(f"{name} {color}/{size}: unknown restock contradicts {sku}")
        elif claim == "已经售罄" and stock != 0:
            problems.append(f"{name} {color}/{size}: 售罄 but stock {stock}")
    for match in _RESTOCK.finditer(text):
        if dt.date(today.year, int(match.group(1)), int(match.group(2))) <= today:
            problems.append(f"a restock date not in the future: {match.group(0)}")
    for match in _ALTERNATIVES.finditer(text):
        for option in match.group(1).split("、"):
            color, _, size = option.partition("/")
            if not any(k[1:] == (color, size) and s.stock > 0 for k, s in skus.items()):
                problems.append(f"alternative {option} is not in stock")
    return problems


def catalogue_index(store) -> "tuple[Dict[Tuple[str, str, str], Sku], Dict[str, str]]":
    skus = {(s.product_id, s.color, s.size): s for p in store.products() for s in store.skus(p.id)}
    names = {p.name: p.id for p in store.products()}
    return skus, names


# Every way kefu tells a buyer a person takes over (complaint, request, shop rule such as a
# made-to-measure product, after-sale, error): after it the bot acknowledges once, then is quiet.
HANDOFF_SAID = re.compile(r"转接人工客服|转交人工客服|已经为您转接|转给售后")


def first_handoff(replies: Sequence[str]) -> bool:
    return any(HANDOFF_SAID.search(r) for r in replies)
