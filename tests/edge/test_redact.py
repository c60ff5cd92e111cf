"""Rasa's log never carries a buyer's number or a whole tracker (issue 9 #7)."""

from __future__ import annotations

import io
import json
import logging

from kefu.edge.redact import TRACKER_MARKER, redact_log_text
from kefu_rasa.logfilter import PersonalDataFilter


def test_numbers_are_masked_and_tracker_dumps_dropped() -> None:
    line = "Failed to run action: buyer 13812345678 wrote 身份证110101199003074517"
    redacted = redact_log_text(line)
    assert "13812345678" not in redacted and "138****5678" in redacted
    assert "110101199003074517" not in redacted
    tracker = {"sender_id": "b1", "events": [{"event": "user", "text": "我的手机 139 1234 5678"}]}
    dumped = redact_log_text(f"Exception while running action; tracker: {json.dumps(tracker, ensure_ascii=False)}")
    assert TRACKER_MARKER in dumped and "5678" not in dumped
    assert len(redact_log_text("好" * 100_000)) < 2100


def test_the_filter_redacts_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    log = logging.getLogger("test.redact")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.error("order for %s", "13912345678")
        try:
            raise ValueError("bad phone 13712345678")
        except ValueError:
            log.exception("action failed")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "13912345678" not in written and "13712345678" not in written
    assert "139****5678" in written and "ValueError" in written
