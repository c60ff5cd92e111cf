"""A plain baseline for the intent figures: character n-gram tf-idf + logistic regression.

Trained on exactly the training examples DIET sees (data/nlu, annotations stripped)
and scored on the same held-out set (tests/nlu), so ``kefu nlu-report --baseline``
shows in one table what the Rasa pipeline adds over a classifier anyone could build
in ten lines. scikit-learn ships with Rasa; nothing here imports Rasa.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import yaml

_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def read_examples(paths: Iterable[Path]) -> List[Tuple[str, str]]:
    """(text, intent) pairs of Rasa 3 NLU YAML files (entity annotations reduced to their text)."""
    pairs: List[Tuple[str, str]] = []
    for path in paths:
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            for block in data.get("nlu") or []:
                if not isinstance(block, dict) or "intent" not in block:
                    continue  # synonyms, regexes, lookups
                for line in str(block.get("examples") or "").splitlines():
                    text = line.strip()
                    if text.startswith("- "):
                        text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text[2:].strip())
                        if text:
                            pairs.append((text, str(block["intent"])))
    return pairs


def score(train: List[Tuple[str, str]], test: List[Tuple[str, str]]) -> Dict[str, float]:
    """Macro-F1 and accuracy of the baseline on ``test`` after fitting on ``train``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(max_iter=3000, C=10.0),
    )
    model.fit([t for t, _ in train], [i for _, i in train])
    predicted = model.predict([t for t, _ in test])
    gold = [i for _, i in test]
    return {"macro_f1": float(f1_score(gold, predicted, average="macro")),
            "accuracy": float(accuracy_score(gold, predicted)), "train": len(train), "test": len(test)}
