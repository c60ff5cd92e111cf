"""AbuseDetector: a Rasa 3.6 NLU component that routes insults and threats to a person.

It runs LAST in the pipeline (config.yml). When the buyer's message matches
the handoff lexicon (``kefu/handoff/abuse.yml``: insults, and threats such as
差评/投诉/12315/消协/曝光, also when spaced out or in traditional characters), it
sets the intent to ``complain`` with confidence 1.0 (the intent ranking is
kept, so NLU reports still show what the classifier thought) and records the
kind in the message data ``abuse`` = ``{"kind": "threat"|"insult", "terms":
[...]}``. ``action_handoff`` reads it from ``tracker.latest_message["abuse"]``
and gives the ticket top priority. Clean messages and ordinary complaints
("质量太差了") are left untouched.

The matching itself is plain Python in :mod:`kefu.handoff.abuse`; this module
only adapts it to Rasa's graph component API.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kefu.handoff.abuse import AbuseLexicon

ABUSE_KEY = "abuse"
TARGET_INTENT = "complain"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AbuseDetector(GraphComponent):
    """Marks abusive or threatening messages as ``complain`` and records the kind."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": TARGET_INTENT}

    def __init__(self, config: Dict[Text, Any], lexicon: Optional[AbuseLexicon] = None) -> None:
        self.intent = config.get("intent", TARGET_INTENT)
        self._lexicon = lexicon

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "AbuseDetector":
        return cls(config)

    @property
    def lexicon(self) -> AbuseLexicon:
        if self._lexicon is None:  # built on first message, not at import or graph build
            self._lexicon = AbuseLexicon.default()
        return self._lexicon

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        hits = self.lexicon.scan(message.get(TEXT))
        if not hits:
            return
        kind = "threat" if any(hit.kind == "threat" for hit in hits) else "insult"
        message.set(INTENT, {INTENT_NAME_KEY: self.intent, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
        message.set(
            ABUSE_KEY,
            {
                "kind": kind,
                "terms": sorted({hit.term for hit in hits}),
                "spans": [[hit.start, hit.end] for hit in hits],
            },
            add_to_output=True,
        )
