"""Redaction of every log record in Rasa's process: no buyer's data in rasa.log.

Rasa logs trackers and message texts when an action or a channel fails. Two
hooks, one rule (:func:`kefu.edge.redact.redact_log_text`):

* :class:`PersonalDataFilter`, named in ``kefu_rasa/logging.yml`` (Rasa's
  ``--logging-config-file``), for the handlers that file configures;
* :func:`install_record_redaction`, called by ``kefu_rasa.launch``: Rasa's CLI
  replaces the root handler with coloredlogs' after reading that file, so the
  redaction also happens where each record is made, whatever handler writes it.
"""

from __future__ import annotations

import logging
from typing import Any

from kefu.edge.redact import redact_log_text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Render ``record`` once (message and traceback), keep only its redacted text."""
    if getattr(record, "kefu_redacted", False):
        return record
    try:
        text = record.getMessage()
    except Exception:  # arguments that do not format: keep the template only
        text = str(record.msg)
    if record.exc_info:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        record.exc_text = None
    record.msg = redact_log_text(text)
    record.args = ()
    record.kefu_redacted = True
    return record


class PersonalDataFilter(logging.Filter):
    """Masks personal data and drops tracker dumps in every record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_record_redaction() -> None:
    """Redact each record as it is created (after the level check), for every logger and handler."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
