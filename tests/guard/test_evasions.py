"""Seeded, generated evasions of forbidden words: whatever a seller combines (separators, emoji,
zero-width characters, full width, Cyrillic/Greek look-alikes, enclosed or mathematical letters,
toned pinyin, half pinyin half characters), the word is still caught.

The words, their syllables and the look-alike letters are written here by hand; only their
combination is generated (random.Random(seed): the same 2,000 variants every run)."""

from __future__ import annotations

import random
from typing import List, Tuple

import pytest

from kefu.guard import Guard

# (characters, their pinyin syllables with tone marks, category, a platform where it is forbidden)
WORDS: List[Tuple[str, Tuple[str, ...], str, str]] = [
    ("淘宝", ("táo", "bǎo"), "third_party_platform", "pinduoduo"),
    ("天猫", ("tiān", "māo"), "third_party_platform", "jd"),
    ("京东", ("jīng", "dōng"), "third_party_platform", "douyin"),
    ("拼多多", ("pīn", "duō", "duō"), "third_party_platform", "taobao"),
    ("抖音", ("dǒu", "yīn"), "third_party_platform", "pinduoduo"),
    ("微信", ("wēi", "xìn"), "third_party_platform", "jd"),
    ("支付宝", ("zhī", "fù", "bǎo"), "third_party_platform", "douyin"),
    ("宝贝", ("bǎo", "bèi"), "platform_vocabulary", "pinduoduo"),
    ("最好", ("zuì", "hǎo"), "extreme_claim", "taobao"),
    ("最低价", ("zuì", "dī", "jià"), "extreme_claim", "jd"),
]
SEPARATORS = [" ", "·", "❤", "\u200b", "\u200d", "😊", "-", "*", "~", "|", "　"]
LOOKALIKES = {  # Cyrillic and Greek letters that look like Latin ones
    "a": "а", "o": "о", "e": "е", "i": "і", "c": "с", "p": "р", "x": "х", "y": "у",
    "A": "Α", "B": "Β", "E": "Ε", "H": "Η", "I": "Ι", "K": "Κ", "M": "Μ", "N": "Ν", "O": "Ο",
    "P": "Ρ", "T": "Τ", "X": "Χ", "Y": "Υ", "Z": "Ζ",
}
TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuvvvvv")


def letter_form(ch: str, rng: random.Random) -> str:
    """One Latin letter written another way: look-alike, full width, circled, bold, or as is.
    Toned vowels (ǎ) are kept as they are: they are the tone, not a letter form."""
    if not ("a" <= ch.lower() <= "z"):
        return ch
    choice = rng.randrange(6)
    if choice == 0 and ch in LOOKALIKES:
        return LOOKALIKES[ch]
    if choice == 1:
        return chr(ord(ch) + 0xFEE0)  # full width
    if choice == 2:
        return chr(0x24D0 + ord(ch.lower()) - ord("a"))  # circled small letter
    if choice == 3:
        return chr(0x1D41A + ord(ch.lower()) - ord("a"))  # mathematical bold small
    return ch


def evasion(word: str, syllables: Tuple[str, ...], rng: random.Random) -> str:
    parts = []
    for ch, syllable in zip(word, syllables):
        if rng.random() < 0.5:
            parts.append(ch)
            continue
        syllable = syllable if rng.random() < 0.5 else syllable.translate(TONELESS)
        if rng.random() < 0.3:
            syllable = syllable.upper()
        parts.append("".join(letter_form(c, rng) if rng.random() < 0.4 else c for c in syllable))
    if all(p in word for p in parts) and rng.random() < 0.5:  # all characters: a separator inside
        return rng.choice(SEPARATORS).join(parts)
    return "".join(parts)


def variants(index: int, count: int = 200) -> List[str]:
    """``count`` messages each hiding one evasion of ``WORDS[index]`` (seeded: the same every run)."""
    word, syllables = WORDS[index][0], WORDS[index][1]
    rng = random.Random(20261201 + index)
    return [f"这个{evasion(word, syllables, rng)}的价格" for _ in range(count)]


@pytest.mark.parametrize("index", range(len(WORDS)), ids=[w[0] for w in WORDS])
def test_every_generated_evasion_is_caught(index: int) -> None:
    word, _, category, platform = WORDS[index]
    guard = Guard.for_platform(platform)
    texts = variants(index)
    assert len(set(texts)) > 50, "the generator must really vary the spelling"
    missed = [text for text in texts if category not in guard.check(text).categories]
    assert not missed, f"{len(missed)} of {len(texts)} evasions of {word} passed on {platform}, e.g. {missed[:5]}"
