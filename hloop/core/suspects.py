"""Ranking labels by how likely they are wrong, from out-of-fold probabilities (confident learning).

Each label's threshold is the mean probability the model gives that label over the rows labelled with it (its
self-confidence). A row's score is how far the best other label rises above its own threshold, minus how far the
given label does: higher = more likely a mistake. Per-label thresholds stop a label the model is always unsure of
from flooding the list.
"""

from __future__ import annotations

import numpy as np


def label_thresholds(probs: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Per label, the mean probability of that label over rows given it (1.0 for a label nobody gave)."""
    out = np.ones(probs.shape[1])
    for label in np.unique(given):
        out[label] = probs[given == label, label].mean()
    return out


def suspect_scores(probs: np.ndarray, given: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(score per row, suggested label per row): higher score = more likely the given label is a mistake."""
    given = np.asarray(given, dtype=np.int64)
    rows = np.arange(given.size)
    if not given.size:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    adjusted = probs - label_thresholds(probs, given)
    others = adjusted.copy()
    others[rows, given] = -np.inf
    suggestion = np.argmax(others, axis=1)
    return others[rows, suggestion] - adjusted[rows, given], suggestion
