"""The first-line dialogue: read a message, find every question in it, answer each from shop data.

Plain Python (no Rasa): ``actions/answer.py`` is the thin rasa-sdk action over
:func:`respond`, and tests call it directly with a real shop store.
"""

from kefu.dialogue.engine import Context, Record, State, TaskRequest, Turn, respond
from kefu.dialogue.mentions import CatalogView, Mentions, read
from kefu.dialogue.questions import Question, detect

__all__ = ["CatalogView", "Context", "Mentions", "Question", "Record", "State", "TaskRequest", "Turn", "detect",
           "read", "respond"]
