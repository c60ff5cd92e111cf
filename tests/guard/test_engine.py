"""Unit tests of the guard engine: offsets, packs, overlaps, rewrites, contexts."""

from __future__ import annotations

from pathlib import Path

import ahocorasick
import pytest

from kefu.guard import Guard, GuardInputError, RulePackError, UnknownPlatformError, normalize


def write_pack(directory: Path, name: str, body: str) -> None:
    (directory / f"{name}.yml").write_text(body, encoding="utf-8")


def one_pack(tmp_path: Path, entries: str) -> Guard:
    write_pack(tmp_path, "common", "pack: common\nentries: []\n")
    write_pack(tmp_path, "pinduoduo", "pack: pinduoduo\nextends: common\nentries:\n" + entries)
    Guard.clear_cache()
    return Guard.for_platform("pinduoduo", tmp_path)


# -- normalisation and offsets ---------------------------------------------------------------------
@pytest.mark.parametrize("text, normalized", [
    ("微❤信", "微信"), ("淘-宝", "淘宝"), ("wei xin", "weixin"), ("ｖｘ", "vx"), ("支付寶", "支付宝"),
    ("①③⑧", "138"), ("⑴壹₁", "111"), ("最最最好", "最好"), ("ＱＱ", "qq"), ("您问我", "你问我"),
    ("100％", "100%"), ("微·信", "微信"), ("淘*宝", "淘宝"), ("", ""),
])
def test_normalize(text: str, normalized: str) -> None:
    assert normalize(text).text == normalized


def test_spans_point_at_the_original_text() -> None:
    guard = Guard.for_platform("pinduoduo")
    text = "亲，有事加微❤信哦"
    hit = next(v for v in guard.check(text).violations if v.category == "third_party_platform")
    assert text[hit.start:hit.end] == "微❤信"
    assert hit.end - hit.start == 3
    spaced = "找我 w e i x i n"
    hit = next(v for v in guard.check(spaced).violations if v.category == "third_party_platform")
    assert spaced[hit.start:hit.end] == "w e i x i n"
    # the co-occurrence (invitation verb + contact word) spans both words and what is between
    pair = next(v for v in guard.check(spaced).violations if v.category == "off_platform_transaction")
    assert spaced[pair.start:pair.end] == "找我 w e i x i n"


def test_doubled_words_are_not_collapsed_to_one_character() -> None:
    guard = Guard.for_platform("taobao")
    assert guard.check("满100减10的折扣").passed  # 扣扣 (QQ) must not become 扣
    assert not guard.check("扣扣扣扣联系").passed


# -- overlaps: iter() finds what iter_long misses ------------------------------------------------
def test_iter_long_misses_a_shorter_word_inside_a_failed_longer_path() -> None:
    automaton = ahocorasick.Automaton()
    for word in ("知识产权", "国家知识产权局"):
        automaton.add_word(word, word)
    automaton.make_automaton()
    assert [w for _, w in automaton.iter_long("国家知识产权")] == []  # the library's behaviour
    assert [w for _, w in automaton.iter("国家知识产权")] == ["知识产权"]


def test_guard_finds_words_that_iter_long_would_miss(tmp_path: Path) -> None:
    guard = one_pack(tmp_path, """
  - {id: ip, term: 知识产权, category: extreme_claim, action: block, note: test}
  - {id: office, term: 国家知识产权局, category: extreme_claim, action: block, note: test}
""")
    result = guard.check("国家知识产权")
    assert [(v.term, v.start, v.end) for v in result.violations] == [("知识产权", 2, 6)]
    Guard.clear_cache()


def test_overlapping_blocks_merge_and_categories_keep_their_own_hits() -> None:
    result = Guard.for_platform("pinduoduo").check("全网最低价，加我微信")
    spans = {(v.category, v.matched) for v in result.violations}
    assert ("extreme_claim", "全网最低价") in spans
    assert ("off_platform_transaction", "加我微信") in spans
    assert ("third_party_platform", "微信") in spans


# -- rewrite and mask --------------------------------------------------------------------------------
def test_rewrite_and_mask_produce_the_rewritten_text() -> None:
    result = Guard.for_platform("pinduoduo").check("宝贝已发出，收件人手机138 1234 5678")
    assert result.verdict == "rewritten"
    assert result.rewritten == "商品已发出，收件人手机138****5678"


def test_a_blocking_violation_leaves_no_rewritten_text() -> None:
    result = Guard.for_platform("pinduoduo").check("宝贝是全网最低价")
    assert result.verdict == "blocked" and result.rewritten is None


@pytest.mark.parametrize("text, masked", [
    ("身份证11010519900307123X", "身份证110105********123X"),
    ("卡号6222021234567890128", "卡号6222***********0128"),
    ("+86 139-1234-5678", "+86 139****5678"),
])
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert Guard.for_platform("jd").check(text).rewritten == masked


@pytest.mark.parametrize("text", [
    "订单号 202310121234567890", "订单号：6222021234567890128", "单号4111111111111111",
    "数量2，价格1380元", "身份证号码写错了", "型号ABC13812345678X1",
])
def test_order_numbers_and_other_digits_pass(text: str) -> None:
    assert Guard.for_platform("jd").check(text).passed, text


# -- context exceptions ------------------------------------------------------------------------------
@pytest.mark.parametrize("platform, text", [
    ("pinduoduo", "最近很忙"), ("pinduoduo", "最晚明天发"), ("pinduoduo", "最多可以减五元"), ("pinduoduo", "最终以实物为准"),
    ("pinduoduo", "第一时间处理"), ("pinduoduo", "第一次购买"), ("pinduoduo", "这款被淘汰了"), ("pinduoduo", "微微偏大"),
    ("jd", "京东物流明天到"), ("taobao", "支持支付宝付款"), ("douyin", "抖音支付可用"), ("pinduoduo", "北京东路"),
    ("taobao", "宝贝已发货"), ("pinduoduo", "最佳食用期三个月"), ("jd", "100%纯棉面料"),
    # fibre content as the label states it (a shop's own 面料 facts, quoted in answers)
    ("taobao", "面料为100%新疆长绒棉（纯棉），贡缎织法"), ("douyin", "面料为100%精梳棉，裤腰为松紧带"),
])
def test_allowed_contexts_pass(platform: str, text: str) -> None:
    assert Guard.for_platform(platform).check(text).passed


def test_own_name_is_allowed_only_on_its_own_platform() -> None:
    assert Guard.for_platform("jd").check("京东物流").passed
    assert not Guard.for_platform("pinduoduo").check("京东物流").passed


# -- packs -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("entry, message", [
    ("  - {id: x, term: 微信, category: nonsense, action: block, note: n}\n", "category 'nonsense'"),
    ("  - {id: x, term: 微信, category: impolite, action: rewrite, note: n}\n", "needs a 'replacement'"),
    ("  - {id: x, term: 微信, category: impolite, action: block}\n", "missing 'note'"),
    ("  - {id: x, category: impolite, action: block, note: n}\n", "needs 'term'"),
    ("  - {id: x, term: 微信, category: impolite, action: block, note: n, allow: [第一时间]}\n", "contains none"),
    ("  - {id: x, term: 微信, category: impolite, action: block, note: n, colour: red}\n", "unknown keys"),
    ("  - {id: x, term: 加, near_of: [nope], category: impolite, action: block, note: n}\n",
     "'near_of' names 'nope', which is not an earlier term entry"),
    ("  - {id: x, term: 加, near: [微信], within: 99, category: impolite, action: block, note: n}\n",
     "'within' must be a whole number of characters 0-40"),
    ("  - {id: x, term: 加, near: [微信], order: before, category: impolite, action: block, note: n}\n",
     "'order' must be one of any, after"),
    ("  - {id: x, term: 加, within: 3, category: impolite, action: block, note: n}\n",
     "'within' only goes with 'near' or 'near_of'"),
    ("  - {id: x, term: 加, near: [微信], near_allow: [第一时间], category: impolite, action: block, note: n}\n",
     "contains none"),
    ("  - {id: x, term: 微信, pinyin: yes please, category: impolite, action: block, note: n}\n",
     "'pinyin' must be true or false"),
])
def test_a_malformed_pack_names_the_file_and_entry(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(RulePackError) as error:
        one_pack(tmp_path, "  - {id: ok, term: 淘宝, category: impolite, action: block, note: n}\n" + entry)
    assert "pinduoduo.yml" in str(error.value)
    assert "#2 (x)" in str(error.value)
    assert message in str(error.value)


def test_pinyin_spellings_are_generated_for_a_term() -> None:
    from kefu.guard._packs import initials_of, pinyin_spellings

    assert set(pinyin_spellings("最好")) == {"zuihao", "zui4hao3", "zui好", "最hao"}
    assert set(pinyin_spellings("淘宝")) == {"taobao", "tao2bao3", "tao宝", "淘bao"}
    assert len(pinyin_spellings("拼多多")) == 2 + 6  # tone-less, tone numbers, 2**3 - 2 mixes
    assert pinyin_spellings("最") == [] and pinyin_spellings("vx") == []  # one syllable; not CJK
    assert initials_of("拼多多") == ["pdd"] and initials_of("抖音") == ["dy"]


def test_pairs_in_a_pack_need_both_words_close_enough(tmp_path: Path) -> None:
    one_pack(tmp_path, "  - {id: pair, term: [好评, 评价], near: [返, 红包], near_allow: [返回], within: 4,"
                       " category: review_inducement, action: block, note: n}\n"
                       "  - {id: v, term: [加], near: [v], order: after, within: 1,"
                       " category: off_platform_transaction, action: block, note: n}\n")
    guard = Guard.for_platform("pinduoduo", tmp_path)
    assert guard.check("好评返您五元").categories == ("review_inducement",)
    assert guard.check("发您红包，记得评价").categories == ("review_inducement",)  # either order
    assert guard.check("好评").passed and guard.check("红包").passed  # one half alone
    assert guard.check("评价完成后，运费会原路返回").passed  # 返回 is allowed
    assert guard.check("评价之后过几天再说红包").passed  # 7 characters apart: too far
    assert guard.check("加v").categories == ("off_platform_transaction",)
    assert guard.check("v领加绒").passed  # order: after
    Guard.clear_cache()


def test_invalid_yaml_and_missing_packs_are_pack_errors(tmp_path: Path) -> None:
    write_pack(tmp_path, "common", "pack: common\nentries: [\n")
    write_pack(tmp_path, "jd", "pack: jd\nextends: common\n")
    Guard.clear_cache()
    with pytest.raises(RulePackError, match="common.yml: invalid YAML"):
        Guard.for_platform("jd", tmp_path)
    with pytest.raises(UnknownPlatformError):
        Guard.for_platform("amazon", tmp_path)
    Guard.clear_cache()


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(GuardInputError):
        Guard.for_platform("jd").check(None)  # type: ignore[arg-type]
    assert Guard.for_platform("jd").check("").passed


def test_the_real_packs_are_broad() -> None:
    assert min(len(Guard.for_platform(p).keys) for p in ("pinduoduo", "taobao", "jd", "douyin")) >= 500


def test_nothing_heavy_happens_at_import() -> None:
    import subprocess
    import sys

    code = ("import sys, kefu.guard, kefu.guard.enforce, kefu.guard.cli; "
            "from kefu.guard._engine import Guard, _Jieba; "
            "assert 'jieba' not in sys.modules and not Guard._cache and _Jieba._tokenizer is None")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_long_text_full_of_pair_halves_is_checked_whole() -> None:
    """A hostile text of nothing but the halves of co-occurrence pairs (加 / 微信, 好评 / 返):
    every pair is found and spans only its own words (pairs are looked up by bisection, so the
    work grows with the text, not with the square of its hits)."""
    guard = Guard.for_platform("pinduoduo")
    text = "加个微信好评返现，" * 3_000
    result = guard.check(text)
    assert result.verdict == "blocked"
    assert {"off_platform_transaction", "review_inducement", "third_party_platform"} <= set(result.categories)
    contact = [v for v in result.violations if v.category == "off_platform_transaction"]
    assert len(contact) == 3_000 and all(text[v.start:v.end] == "加个微信" for v in contact)


@pytest.mark.parametrize("text, folded", [
    ("Таоbао", "taobao"),        # Cyrillic Т а о
    ("ΤΜΑLL", "tmall"),          # Greek Tau Mu Alpha
    ("𝐭𝐚𝐨𝐛𝐚𝐨", "taobao"),         # mathematical bold
    ("Ⓦⓔⓒⓗⓐⓣ", "wechat"),        # circled
    ("⒯⒜⒪", "tao"),              # parenthesized
    ("🅣🅐🅞", "tao"),             # negative circled (no decomposition: named)
    ("🄰🄱", "ab"),                # squared
    ("zuì hǎo", "zui\x00hao"),    # toned pinyin → tone-less
    ("bǎobèi", "baobei"),
])
def test_look_alikes_enclosed_letters_and_tones_fold_to_ascii(text: str, folded: str) -> None:
    from kefu.guard._normalize import fold

    assert fold(text) == folded


@pytest.mark.parametrize("text", ["™", "℡", "注册商标™", "×××您好"])
def test_symbols_that_spell_words_stay_symbols(text: str) -> None:
    """™ is NFKC "TM" and would read as 天猫's initials; ℡ and × are no single letter either."""
    guard = Guard.for_platform("pinduoduo")
    assert guard.check(text).passed


@pytest.mark.parametrize("text", ["100%有效", "面料100%不起球", "百分百正品"])
def test_a_fibre_allowance_leaves_other_absolute_claims_blocked(text: str) -> None:
    assert not Guard.for_platform("taobao").check(text).passed
