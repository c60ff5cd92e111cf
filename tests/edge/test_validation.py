"""What the edge accepts and refuses, before anything reaches Rasa, a store or a log."""

from __future__ import annotations

import json

import pytest

from kefu.edge.ids import safe_conversation_id
from kefu.edge.validation import (
    MAX_BODY_BYTES, MAX_MESSAGE_CHARS, BodyTooLarge, EdgeError, UnknownPlatform, normalise_text,
    parse_buyer_message, parse_json_body,
)


def parse(body: object) -> object:
    return parse_buyer_message(parse_json_body(json.dumps(body, ensure_ascii=False).encode()))


@pytest.mark.parametrize("raw, why", [
    (b"", "empty body"),
    (b"{not json", "malformed"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"sender": "a", "message": "x", "n": NaN}', "NaN"),
    (b'{"sender": "a", "message": "x", "n": 123456789012345678901234567890}', "huge integer"),
    (b'{"sender": "a", "message": "x", "n": ' + b"9" * 5000 + b"}", "integer over Python's digit limit"),
    (b"[" * 100_000 + b"]" * 100_000, "nested 100,000 deep"),
    (b'{"a":' * 20 + b"1" + b"}" * 20, "nested 20 deep"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_malformed_bodies_are_refused_with_a_400(raw: bytes, why: str) -> None:
    with pytest.raises(EdgeError) as refused:
        parse_json_body(raw)
    assert refused.value.status_code == 400, why
    assert refused.value.as_json()["error"] == "bad_request"


def test_a_body_over_the_limit_is_refused_unread() -> None:
    with pytest.raises(BodyTooLarge) as refused:
        parse_json_body(b" " * (MAX_BODY_BYTES + 1))
    assert refused.value.status_code == 413


@pytest.mark.parametrize("body, field", [
    ({"message": "你好"}, "sender"),
    ({"sender": 42, "message": "你好"}, "sender"),
    ({"sender": "  ", "message": "你好"}, "sender"),
    ({"sender": "a" * 300, "message": "你好"}, "sender"),
    ({"sender": "b1"}, "message"),
    ({"sender": "b1", "message": ["你好"]}, "message"),
    ({"sender": "b1", "message": None}, "message"),
    ({"sender": "b1", "message": " \t\n\u3000 "}, "message"),
    ({"sender": "b1", "message": "\u0000\u0007\u202e"}, "message"),
    ({"sender": "b1", "message": "你好", "metadata": "pinduoduo"}, "metadata"),
    ({"sender": "b1", "message": "你好", "metadata": {"a": {"b": {"c": {"d": {"e": 1}}}}}}, "nested"),
    ([{"sender": "b1", "message": "你好"}], "object"),
])
def test_wrong_types_and_missing_fields_name_the_field(body: object, field: str) -> None:
    with pytest.raises(EdgeError) as refused:
        parse(body)
    assert refused.value.status_code == 400
    assert field in str(refused.value)


def test_lone_surrogates_are_refused_in_sender_and_message() -> None:
    """Issue 9 #1 and #8: half an emoji took the tracker store (and the whole stack) down."""
    for body in (b'{"sender": "\\ud800", "message": "hi"}', b'{"sender": "b1", "message": "\\udc00\\u597d"}',
                 b'{"sender": "b1", "message": "hi", "metadata": {"name": "\\ud83d"}}'):
        with pytest.raises(EdgeError, match="surrogate"):
            parse_buyer_message(parse_json_body(body))
    whole_emoji = parse_buyer_message(parse_json_body(b'{"sender": "b1", "message": "\\ud83d\\ude00\\u597d"}'))
    assert whole_emoji.text == "😀好"


def test_unknown_platform_is_a_clear_400_and_aliases_are_canonical() -> None:
    with pytest.raises(UnknownPlatform) as refused:
        parse({"sender": "b1", "message": "你好", "metadata": {"platform": "amazon"}})
    assert refused.value.as_json() == {
        "error": "unknown_platform", "message": "unknown platform 'amazon': use pinduoduo, taobao, jd or douyin"}
    with pytest.raises(UnknownPlatform):
        parse({"sender": "b1", "message": "你好", "metadata": {"platform": ["taobao", "jd"]}})
    assert parse({"sender": "b1", "message": "你好", "metadata": {"platform": "Tmall"}}).requested_platform == "taobao"
    assert parse({"sender": "b1", "message": "你好", "metadata": {}}).requested_platform is None


def test_commands_typed_by_a_buyer_become_plain_text() -> None:
    """A buyer must not trigger /restart (it un-pauses a handoff) or inject /request_human{...}."""
    for typed in ("/restart", "  /request_human{\"priority\": 1}", "\u200e/stop"):
        text = parse({"sender": "b1", "message": typed}).text
        assert not text.startswith("/") and text[1:] == typed.strip().lstrip("\u200e")[1:]


def test_text_is_normalised_once() -> None:
    decomposed = "cafe\u0301 黑色\u0000L码\u202e有货吗\r\n  谢谢"
    assert normalise_text(decomposed) == "café 黑色L码有货吗\n 谢谢"
    assert normalise_text("\u3000\u3000你好\t\t亲") == "你好 亲"


def test_long_messages_are_accepted_with_the_length_note_flag() -> None:
    at_limit = parse({"sender": "b1", "message": "好" * MAX_MESSAGE_CHARS})
    assert not at_limit.too_long and len(at_limit.text) == MAX_MESSAGE_CHARS
    over = parse({"sender": "b1", "message": "好" * 100_000})
    assert over.too_long and over.raw_length == 100_000 and over.text == ""


def test_senders_are_mapped_to_safe_ids_that_stay_stable() -> None:
    """Issue 9 #4: ids that need percent-encoding stranded the conversation after a handoff."""
    for raw in ("张 三", "buyer 1", "a/b?c#d", "%2e%2e", "😀"):
        safe = parse({"sender": raw, "message": "你好"}).conversation_id
        assert safe.startswith("b-") and len(safe) == 34 and safe == safe_conversation_id(raw)
        assert safe_conversation_id(safe) == safe  # the web app maps first; the channel maps again
    assert parse({"sender": "buyer-1", "message": "你好"}).conversation_id == "buyer-1"
    assert safe_conversation_id("b-1") != "b-1"  # a raw id cannot pose as a short hashed one
