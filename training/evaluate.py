"""Evaluate a fitted pipeline on the held-out eval split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from hloop.core.metrics import classification_metrics


def evaluate(pipeline: Pipeline, texts: Sequence[str], labels: Sequence[int]) -> dict:
    """The metrics dict of ``pipeline`` on (texts, labels)."""
    predicted = pipeline.predict(list(texts))
    return classification_metrics(np.asarray(labels), predicted)
