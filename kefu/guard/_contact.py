"""Contact details that no single word gives away: a handle after a contact token, a seller's own
number spelled out, links and markup (issue 18 #6).

Word lists catch 加我微信; they cannot catch 「薇❤ abc123」 or 「V❤：abc123」 (a one-character
contact token, decoration, then an account handle), 「我的电话 幺三八一二三四五六七八」 (the digits
spoken, 幺 for 1) or a link to another app (https://t.cn/…, an HTML link to wa.me). These
detectors read the text folded with the plain table (:func:`kefu.guard._normalize.fold`: the
decorations become separators, full width and letter case folded, financial digits are digits),
so the padding between token and handle is one pattern, not a list of emoji.

Trade-offs (docs/guard.md):
- a handle is 5-24 letters/digits/_/- with at least one letter and one digit, or 6+ digits; it
  must follow the token with at most four separators in between, and a Latin token (v, q, vx)
  must not be the end of a longer word (a size ``XL`` or a product id ``p1002`` is never a token);
- an own number needs a first-person contact word (我的电话, 我手机, 打我 …) before it, so the bot
  confirming a buyer's number (您的电话…) is left to the personal-data masking;
- a link is a URL with a scheme, a ``www.`` host, or a bare host with a common short-link or
  messenger top-level domain followed by a path (t.cn/x, wa.me/1); markup is any HTML tag or a
  Markdown link. Links to hosts on the shop's allow-list pass (:func:`allowed`); markup never
  does: no channel renders it, so it only hides where a link goes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import FrozenSet, Iterable, Iterator, Tuple

from kefu.guard._normalize import SEP, fold

DETECTORS = ("contact_handle", "own_number", "link")
Hit = Tuple[str, int, int, str]  # detector, start, end, what was found (a link's host, else "")

_S = SEP  # one folded separator (space, punctuation, emoji, symbol)
_SPOKEN_DIGITS = "0-9幺一二三四五六七八九零〇两"
_HANDLE = (r"(?P<handle>(?=[a-z0-9_-]*[0-9])(?=[a-z0-9_-]*[a-z])[a-z0-9_-]{5,24}"
           r"|[0-9]{6,20}|(?:[" + _SPOKEN_DIGITS + "]" + _S + "{0,2}){7,20})(?![a-z0-9])")
_CJK_TOKENS = "小绿书|绿书|企鹅|飞机|电报|薇|(?<![稍略轻细])微|(?<!权)威|(?<![纤思])维|徽|(?<!折)扣"
_LATIN_TOKENS = "vx|wx|qq|tg|v|q"
_CONTACT_HANDLE = re.compile(
    rf"(?:(?:{_CJK_TOKENS})|(?<![a-z0-9])(?:{_LATIN_TOKENS}))(?:号码|号|id|账号)?(?:搜一下|搜|加|找|是)?"
    rf"{_S}{{0,4}}{_HANDLE}")
_OWN_NUMBER = re.compile(
    r"(?:我的电话|我电话|我的手机号?|我手机号?|我的号码|我号码|我的联系方式|私人电话|私人号码|本人电话|本人手机|打我|call我)"
    rf"(?:号码|号)?(?:是|为)?{_S}{{0,4}}(?P<handle>(?:[{_SPOKEN_DIGITS}]{_S}{{0,2}}){{7,20}})")
_PREFILTER = re.compile(f"[{_SPOKEN_DIGITS}]")

_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]{1,15}://[^\s<>\"'，。）)]+"
    r"|(?<![a-z0-9@._-])www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s<>\"'，。）)]*"
    r"|(?<![a-z0-9@._/-])(?:[a-z0-9-]+\.)+(?:cn|com|net|me|ly|cc|io|co|gl|tk|top|xyz|link|app|org|info|vip|shop|site|"
    r"club|to|im|gg|ws|su|ru|hk|tw)/[^\s<>\"'，。）)]*)", re.IGNORECASE)
_MARKUP = re.compile(r"<\s*/?\s*[a-z][a-z0-9]*(?:\s[^<>]*)?/?\s*>|<\s*(?:a|img|script|iframe|svg)\b[^<>]*"
                     r"|\bhref\s*=|\[[^\[\]]{0,200}\]\([^()\s]{1,500}\)", re.IGNORECASE)
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]{1,15}://)?(?:[^@/?#]*@)?(?P<host>[^/:?#\s]+)", re.IGNORECASE)


def _latin_view(text: str) -> str:
    """NFKC (full-width ｈｔｔｐ → http) with one character per original character, for links."""
    return "".join(c if len(n := unicodedata.normalize("NFKC", c)) != 1 else n for c in text)


def host_of(url: str) -> str:
    match = _HOST.match(url.strip())
    return match.group("host").lower().rstrip(".") if match else ""


def allowed(host: str, allow: FrozenSet[str]) -> bool:
    """``host`` or a parent domain of it is on the allow-list (shop.example.com under example.com)."""
    host = host.lower()
    return any(host == entry or host.endswith("." + entry) for entry in allow)


def detect(text: str, wanted: Iterable[str]) -> Iterator[Hit]:
    """Hits of the ``wanted`` detectors, spans in original offsets."""
    wanted = frozenset(wanted)
    if wanted & {"contact_handle", "own_number"} and _PREFILTER.search(text):
        folded = fold(text)
        if "contact_handle" in wanted:
            for match in _CONTACT_HANDLE.finditer(folded):
                yield "contact_handle", match.start(), match.end(), ""
        if "own_number" in wanted:
            for match in _OWN_NUMBER.finditer(folded):
                yield "own_number", match.start(), match.end(), ""
    if "link" in wanted and ("." in text or "<" in text or "[" in text or "．" in text or "＜" in text):
        view = _latin_view(text)
        for match in _URL.finditer(view):
            yield "link", match.start(), match.end(), host_of(match.group())
        for match in _MARKUP.finditer(view):
            yield "link", match.start(), match.end(), ""


_NUMBER_CHAR = re.compile(f"[{_SPOKEN_DIGITS}]")


def mask_number(matched: str) -> str:
    """An own-number hit as logs and audits keep it: the digits (any form) after the third and
    before the last four masked, the contact word readable."""
    positions = [m.start() for m in _NUMBER_CHAR.finditer(matched)]
    hidden = set(positions[3:-4]) if len(positions) > 7 else set(positions)
    return "".join("*" if i in hidden else ch for i, ch in enumerate(matched))
