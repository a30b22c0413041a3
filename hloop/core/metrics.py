"""Evaluation metrics of one model version, as plain JSON-able dicts, with 95% intervals."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hloop.core.labels import LabelSet

MIN_EVAL = 30  # below this many held-out texts a score says too little to show
BOOTSTRAP_ROUNDS = 1000
Z95 = 1.959963984540054


def wilson_interval(correct: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion ``correct / n``."""
    if n == 0:
        return 0.0, 1.0
    p = correct / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _f1_from_confusion(matrices: np.ndarray) -> np.ndarray:
    """Per-class F1 of confusion matrices of shape (..., k, k); a class absent from both sides scores 0."""
    tp = np.diagonal(matrices, axis1=-2, axis2=-1).astype(float)
    denominator = matrices.sum(axis=-1) + matrices.sum(axis=-2)
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def macro_f1_interval(matrix: np.ndarray, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of macro-F1: resampling eval texts is a multinomial draw over the
    confusion matrix's cells, so it costs rounds x k^2, not rounds x n. A bootstrap cannot draw an error it never
    saw, so when every draw scores the same (all correct) the interval is widened to accuracy's Wilson interval."""
    n = int(matrix.sum())
    if n == 0:
        return 0.0, 1.0
    k = matrix.shape[0]
    draws = np.random.default_rng(seed).multinomial(n, matrix.ravel() / n, size=rounds).reshape(rounds, k, k)
    present = (draws.sum(axis=-1) + draws.sum(axis=-2)) > 0
    f1 = _f1_from_confusion(draws)
    # macro-F1 over the labels seen in the sample (true or predicted), as scikit-learn's labels= would report
    macro = (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)
    low, high = np.percentile(macro, [2.5, 97.5])
    if high - low <= 0:  # every draw alike (no error seen: [1.000-1.000] on 39 texts): as wide as accuracy's
        wilson_low, wilson_high = wilson_interval(int(np.trace(matrix)), n)
        low, high = min(low, wilson_low), max(high, wilson_high)
    return float(low), float(high)


def classification_metrics(y_true: ArrayLike, y_pred: ArrayLike, label_set: LabelSet) -> dict:
    """Accuracy, macro/weighted F1 with 95% intervals, per-class precision/recall/F1/support, the confusion
    matrix and the number of eval texts. Labels that never occur (true or predicted) are left out of macro-F1."""
    k = len(label_set)
    true, pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    matrix = np.bincount(true * k + pred, minlength=k * k).reshape(k, k) if true.size else np.zeros((k, k), int)
    support, predicted = matrix.sum(axis=1), matrix.sum(axis=0)
    tp = np.diagonal(matrix).astype(float)
    precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    f1 = _f1_from_confusion(matrix)
    present = (support + predicted) > 0
    n = int(true.size)
    correct = int(tp.sum())
    return {
        "accuracy": correct / n if n else 0.0,
        "accuracy_ci95": list(wilson_interval(correct, n)),
        "f1_macro": float(f1[present].mean()) if present.any() else 0.0,
        "f1_macro_ci95": list(macro_f1_interval(matrix)),
        "f1_weighted": float((f1 * support).sum() / n) if n else 0.0,
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(label_set.names)
        },
        "confusion_matrix": {"labels": label_set.to_list(), "matrix": matrix.tolist()},
        "n_eval": n,
    }
