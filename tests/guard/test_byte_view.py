"""The byte view the guard matches on: UTF-8 bytes as latin-1 text, hits mapped back to characters.

The automaton runs over ``Normalized.view`` (each key's UTF-8 bytes, one latin-1
character per byte), so every hit arrives as a byte offset. These tests check the
mapping back to character offsets against plain ``str`` searching, on text mixing
ASCII, CJK (3 bytes), 2-byte letters and emoji (4 bytes), and that hits which do
not start and end on a character boundary are dropped.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import List, Set, Tuple

import ahocorasick
import pytest

from kefu.guard import Guard, normalize
from kefu.guard._normalize import PLACEHOLDER, byte_view, char_hits

from .conftest import load_cases

MIXED = "a微😀b信ÿ最好x👍🏽最好vx微信"


def occurrences(text: str, keys: List[str]) -> Set[Tuple[int, int, str]]:
    """Every (start, end, key) with text[start:end] == key, by plain str.find (the reference)."""
    found = set()
    for key in keys:
        position = text.find(key)
        while position >= 0:
            found.add((position, position + len(key), key))
            position = text.find(key, position + 1)
    return found


def byte_automaton(keys: List[str]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(byte_view(key), (len(byte_view(key)), key))
    automaton.make_automaton()
    return automaton


def test_the_view_is_utf8_bytes_and_ascii_text_is_its_own_view() -> None:
    assert byte_view("微") == "\xe5\xbe\xae" == "微".encode("utf-8").decode("latin-1")
    assert byte_view(MIXED).encode("latin-1").decode("utf-8") == MIXED
    ascii_text = "weixin 123"
    assert byte_view(ascii_text) is ascii_text
    norm = normalize("加我 V 信！")
    assert norm.view == byte_view(norm.text) and len(norm.view) == 3 * 3 + 1


def test_char_hits_map_byte_offsets_on_mixed_ascii_cjk_and_emoji_text() -> None:
    keys = ["微", "信", "最好", "x", "vx", "微信", "😀b", "ÿ最", "b信ÿ"]
    view = byte_view(MIXED)
    hits = char_hits(view, byte_automaton(keys).iter(view))
    assert {(start, end, value[1]) for start, end, value in hits} == occurrences(MIXED, keys)
    for start, end, value in hits:
        assert MIXED[start:end] == value[1]


def test_hits_not_on_character_boundaries_are_dropped() -> None:
    view = byte_view("微信")  # e5 be ae | e4 bf a1
    # A "key" made of the last two bytes of 微 and the first byte of 信: found by a byte
    # automaton, but it starts and ends inside characters.
    straddling = view[1:4]
    automaton = ahocorasick.Automaton()
    automaton.add_word(straddling, (3, "?"))
    automaton.add_word(view[3:6], (3, "信"))
    automaton.make_automaton()
    raw = list(automaton.iter(view))
    assert len(raw) == 2
    assert [(s, e, v[1]) for s, e, v in char_hits(view, raw)] == [(1, 2, "信")]
    # Each end checked on its own: a start on a boundary with an end inside a character.
    assert char_hits(view, [(3, (4, "??"))]) == []          # bytes 0..4: 微 + half of 信
    assert char_hits(view, [(5, (5, "??"))]) == []          # bytes 1..6: starts inside 微
    assert char_hits(view, [(9, (3, "?")), (-1, (1, "?"))]) == []  # outside the view


def test_hits_in_any_order_map_to_the_same_spans() -> None:
    keys = ["微信", "最好", "vx", "x"]
    view = byte_view(MIXED)
    raw = list(byte_automaton(keys).iter(view))
    forward = {(s, e, v[1]) for s, e, v in char_hits(view, raw)}
    backward = {(s, e, v[1]) for s, e, v in char_hits(view, list(reversed(raw)))}
    assert forward == backward == occurrences(MIXED, keys)


def test_guard_spans_point_at_the_original_text_in_mixed_text() -> None:
    guard = Guard.for_platform("pinduoduo")
    text = "😀亲，ｖｘ：abc123，加我微❤信👍🏽，全网最低价！"
    spans = {(v.category, text[v.start:v.end]) for v in guard.check(text).violations}
    # ｖｘ：abc123 is also an account handle after a contact token (kefu.guard._contact, issue 18)
    assert spans == {("third_party_platform", "ｖｘ"), ("off_platform_transaction", "ｖｘ：abc123"),
                     ("off_platform_transaction", "加我微❤信"),
                     ("third_party_platform", "微❤信"), ("extreme_claim", "全网最低价")}
    text = "ok👌 wei xin 😀 or ＱＱ"
    spans = {(v.category, text[v.start:v.end]) for v in guard.check(text).violations}
    assert ("third_party_platform", "wei xin") in spans and ("third_party_platform", "ＱＱ") in spans


def corpus() -> List[str]:
    sets = ("labelled.yml", "tuning.yml", "heldout.yml", "dev.yml")
    cases = [str(c["text"]) for name in sets for c in load_cases(name)]
    rnd = random.Random(20240601)
    pool = "微信淘宝支付寶京东最好最低价第一时间好评返现加我vxVX😀👍🏽 -·❤①ÿé的了吗 aＱ宝贝北京东路最近"
    mixes = ["".join(rnd.choice(pool) for _ in range(rnd.randint(1, 40))) for _ in range(400)]
    return cases + mixes


@pytest.mark.parametrize("platform", ["pinduoduo", "taobao", "jd", "douyin"])
def test_byte_matching_finds_exactly_what_str_searching_finds(platform: str) -> None:
    guard = Guard.for_platform(platform)
    keys = list(guard.keys)
    for text in corpus():
        normalized = guard.normalize(text).text
        assert set(guard.match_normalized(normalized)) == occurrences(normalized, keys), text


@pytest.mark.parametrize("platform", ["pinduoduo", "jd"])
def test_the_placeholder_fold_changes_no_hit(platform: str) -> None:
    """Folding characters in no term to one placeholder leaves every hit, in original offsets, as it was."""
    guard = Guard.for_platform(platform)
    keep = guard.ruleset.keep_doubled
    for text in corpus():
        own, plain = guard.normalize(text), normalize(text, keep)
        assert {(own.span(s, e), k) for s, e, k in guard.match_normalized(own.text)} == \
               {(plain.span(s, e), k) for s, e, k in guard.match_normalized(plain.text)}, text


def test_characters_in_no_term_fold_to_one_placeholder_byte(tmp_path: Path) -> None:
    (tmp_path / "common.yml").write_text("pack: common\nentries: []\n", encoding="utf-8")
    (tmp_path / "pinduoduo.yml").write_text(
        "pack: pinduoduo\nextends: common\nentries:\n"
        "  - {id: wx, term: 微信, category: third_party_platform, action: block, note: test, allow: [微信支付]}\n"
        "  - {id: jd, term: 京东, category: third_party_platform, action: block, note: test, word_boundary: true}\n",
        encoding="utf-8")
    Guard.clear_cache()
    try:
        guard = Guard.for_platform("pinduoduo", tmp_path)
        norm = guard.normalize("囍囍加微信，用微信支付OK")
        # 囍 and 加 and 用 are in no term or context; 支付 is in an allowed context; ASCII stays.
        assert norm.text == PLACEHOLDER * 3 + "微信" + PLACEHOLDER + "微信支付ok"
        assert len(norm.view) == 3 + 6 + 1 + 12 + 2
        result = guard.check("囍囍加微信，用微信支付OK")
        assert [(v.start, v.end, v.matched) for v in result.violations] == [(3, 5, "微信")]
        # jieba's word-boundary check still reads the real characters: 北 and 路 are placeholders
        # to the automaton, yet 北京东路 is cut 北京|东路 and passes, while 京东发货 does not.
        assert guard.normalize("北京东路").text == PLACEHOLDER + "京东" + PLACEHOLDER
        assert guard.check("北京东路").passed
        assert not guard.check("京东发货").passed
    finally:
        Guard.clear_cache()
