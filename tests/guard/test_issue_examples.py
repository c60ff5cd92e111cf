"""Issue 10's own examples (messages that passed guard v1), on every platform they must be caught on."""

from __future__ import annotations

from typing import Sequence

import pytest

from kefu.guard import Guard

OTHERS = ("pinduoduo", "jd", "douyin")  # not Taobao: some examples name Taobao's own services
ALL = ("pinduoduo", "taobao", "jd", "douyin")

EXAMPLES = [
    # slang and homophones for messengers and platforms
    ("有事戳我绿色软件", ALL, {"third_party_platform", "off_platform_transaction"}),
    ("加个薇芯", ALL, {"third_party_platform", "off_platform_transaction"}),
    ("我们tm旗舰店更便宜", ("pinduoduo", "jd", "douyin"), {"third_party_platform"}),
    ("去dy直播间看看", ("pinduoduo", "taobao", "jd"), {"third_party_platform"}),
    ("某多多上同款更贵", ("taobao", "jd", "douyin"), {"third_party_platform"}),
    # review inducement in other words
    ("确认收货后带图评价，返您5元", ALL, {"review_inducement"}),
    ("评价写满30字截图给我，发您红包", ALL, {"review_inducement"}),
    ("给个五角星，送您运费券", ALL, {"review_inducement"}),
    # rude phrasing not in the seeds' lists
    ("说了你也不懂", ALL, {"impolite"}),
    ("你看不懂字吗", ALL, {"impolite"}),
    ("这都不懂", ALL, {"impolite"}),
    # superlatives outside the 最/第一 families
    ("全场独一份", ALL, {"extreme_claim"}),
    ("行业天花板级别", ALL, {"extreme_claim"}),
    # what an agent typed and an echoed invoice title on a Pinduoduo conversation
    ("这款宝贝淘宝也有卖", ("pinduoduo",), {"third_party_platform", "platform_vocabulary"}),
    ("发票抬头：淘宝网络科技有限公司，已为您登记", OTHERS, {"third_party_platform"}),
    # obfuscated echoes: mixed pinyin, Greek/Cyrillic letters, enclosed letters, pinyin for 最 and 宝贝
    ("发票抬头：淘bao网络科技有限公司", OTHERS, {"third_party_platform"}),
    ("发票抬头：Таоbао网络科技有限公司", OTHERS, {"third_party_platform"}),  # Cyrillic Т а о
    ("发票抬头：ΤΑΟΒΑΟ网络科技有限公司", OTHERS, {"third_party_platform"}),  # Greek capitals
    ("发票抬头：Ⓣⓐⓞⓑⓐⓞ网络科技有限公司", OTHERS, {"third_party_platform"}),
    ("发票抬头：zui好服饰有限公司", ALL, {"extreme_claim"}),
    ("收货地址：baobei路8号", OTHERS, {"platform_vocabulary"}),
]


@pytest.mark.parametrize("text, platforms, expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_issue_example_is_caught(text: str, platforms: Sequence[str], expected: set) -> None:
    for platform in platforms:
        result = Guard.for_platform(platform).check(text)
        assert expected <= set(result.categories), f"{text!r} on {platform}: {result.categories}"
        assert not result.passed
