"""Secrets are compared in constant time on any text a caller can send, never raising."""

from kefu.tokens import same_secret


def test_equal_secrets_match_and_different_ones_do_not() -> None:
    assert same_secret("s3cret-token", "s3cret-token")
    assert not same_secret("s3cret-token", "s3cret-tokem")
    assert same_secret(b"\x01\x02", b"\x01\x02")


def test_hostile_text_is_refused_without_an_error() -> None:
    """hmac.compare_digest raises TypeError on non-ASCII str: a 500 before this home existed."""
    for presented in ("\x80", "密钥", "\ud83d", "a\x00b"):
        assert not same_secret(presented, "s3cret-token")
    assert same_secret("密钥", "密钥")


def test_empty_or_missing_never_matches() -> None:
    assert not same_secret("", "")
    assert not same_secret(None, None)
    assert not same_secret("", "x")
    assert not same_secret("x", None)
