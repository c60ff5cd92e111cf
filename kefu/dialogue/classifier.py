"""A learned reader of buyer clauses: which kind of question one clause asks.

The hand-written patterns of kefu.dialogue.kinds are precise but fit the phrasings they were
written for; buyers write 「这衣服洗了会不会变小」 as often as 「会缩水吗」. This classifier
(character 1–2-gram tf-idf + logistic regression, scikit-learn, installed with Rasa) is trained on
the labelled clauses in ``kefu/dialogue/corpus/clauses.tsv`` — thousands of clauses over seven
product categories, with typos, dialect and fragments — when first used (about a second, once
per process). Labels are kind names, plus ``complaint`` and ``other`` (asks nothing we answer).

Whole templates are held out for measurement (``split``): a held-out clause is a phrasing the
model never saw. kefu.dialogue.recognition scores patterns, learned and both on those clauses
only; ``kefu kinds-report`` prints the figures and tests/dialogue/test_recognition.py checks them.
"""

from __future__ import annotations

import csv
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from kefu.dialogue.mentions import fold

CORPUS = Path(__file__).resolve().parent / "corpus" / "clauses.tsv"
HELD_OUT_SHARE = 0.2
# A learned label is used only at or above this probability (else the clause is left to the patterns).
MIN_PROBABILITY = 0.3
NOT_A_QUESTION = ("other",)


@dataclass(frozen=True)
class Example:
    label: str
    template: str
    text: str


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float


def load_corpus(path: Path = CORPUS) -> List[Example]:
    with path.open(encoding="utf-8") as handle:
        return [Example(row["label"], row["template"], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def held_out(template: str) -> bool:
    """Whether a template belongs to the held-out split (a stable hash: the split never moves)."""
    digest = hashlib.sha256(template.encode("utf-8")).digest()
    return digest[0] / 256 < HELD_OUT_SHARE


def split(examples: Sequence[Example]) -> Tuple[List[Example], List[Example]]:
    train = [e for e in examples if not held_out(e.template)]
    test = [e for e in examples if held_out(e.template)]
    return train, test


def train(examples: Sequence[Example]) -> Pipeline:
    model = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, preprocessor=_prepare),
        LogisticRegression(C=40.0, max_iter=3000, class_weight="balanced"),
    )
    model.fit([e.text for e in examples], [e.label for e in examples])
    return model


def _prepare(text: str) -> str:
    return fold(text).lower()


class ClauseClassifier:
    """The trained model, built once per process on first use (nothing heavy at import)."""

    def __init__(self, examples: Optional[Sequence[Example]] = None) -> None:
        self._examples = examples
        self._model: Optional[Pipeline] = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Pipeline:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = train(self._examples if self._examples is not None else load_corpus())
        return self._model

    def predict(self, clause: str) -> Prediction:
        probabilities = self.model.predict_proba([clause])[0]
        best = int(probabilities.argmax())
        return Prediction(str(self.model.classes_[best]), float(probabilities[best]))

    def probability(self, clause: str, label: str) -> float:
        classes = list(self.model.classes_)
        if label not in classes:
            return 0.0
        return float(self.model.predict_proba([clause])[0][classes.index(label)])


_shared: Optional[ClauseClassifier] = None
_shared_lock = threading.Lock()


def shared() -> ClauseClassifier:
    """The process's classifier, trained on the whole corpus."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = ClauseClassifier()
    return _shared


def learned_kind(clause: str, classifier: Optional[ClauseClassifier] = None) -> Optional[Prediction]:
    """The learned kind of a clause when the model is sure enough and it asks something; else None."""
    prediction = (classifier or shared()).predict(clause)
    if prediction.probability < MIN_PROBABILITY or prediction.label in NOT_A_QUESTION:
        return None
    return prediction
