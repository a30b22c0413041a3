"""Evaluate a fitted pipeline on the held-out eval split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from hloop.core.labels import LabelSet
from hloop.core.metrics import MIN_EVAL, classification_metrics
from training import linear_parts
from training.embeddings import as_input


def evaluate(pipeline: Pipeline, texts: Sequence[str], labels: Sequence[int], label_set: LabelSet) -> dict | None:
    """The metrics dict of ``pipeline`` on (texts, labels); None when there are fewer than ``MIN_EVAL`` texts,
    too few for a score worth showing."""
    if len(texts) < MIN_EVAL:
        return None
    predicted = linear_parts.predict(pipeline, as_input(texts))
    return classification_metrics(np.asarray(labels), predicted, label_set)
