"""Queue strategies for multi-label projects: functions of per-label probabilities (n, k) and the per-label
decision thresholds -> one score per text, higher = more uncertain = asked first (as ``strategies`` for one label).

- ``nearest_threshold``: the smallest distance of any label's probability to its threshold (one label the model
  cannot decide is enough to ask), scaled by the widest that distance can be, so scores lie in [0, 1].
- ``mean_threshold_margin``: the mean of those distances over the labels (the whole set is unsure).
- ``label_cardinality_inconsistency``: small-text's anchor (Li and Guo, 2013): how far the number of labels the
  model gives a text is from the mean number per labelled text.
- ``cardinality_then_margin``: that anchor, its ties (many: it takes few values) broken by the mean margin.
- ``random``: the baseline.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hloop.core.errors import InvalidInputError

SetStrategy = Callable[[np.ndarray, np.ndarray, float, np.random.Generator], np.ndarray]
# chosen on dev, never on eval (`benchmarks/bench_multilabel_sim.py --choose-only`, debtags, tfidf-lr, half of dev
# scored and half tuning the thresholds): labels to 0.97 x the full-pool model, LCI 1,650, with the margin as its
# tie-break 1,700, mean margin 1,800, nearest threshold 1,900, random 2,400
DEFAULT_SET_STRATEGY = "label_cardinality_inconsistency"


def _distances(probabilities: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    p, t = np.asarray(probabilities, dtype=float), np.asarray(thresholds, dtype=float)
    if p.ndim != 2 or t.shape != (p.shape[1],):
        raise InvalidInputError(f"Probabilities (n, k) need k thresholds; got {p.shape} and {t.shape}.")
    widest = np.maximum(t, 1.0 - t)  # the largest |p - t| can be for p in [0, 1]
    return np.abs(p - t[None, :]) / widest[None, :]


def nearest_threshold(
    probabilities: np.ndarray, thresholds: np.ndarray, cardinality: float = 1.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """1 - the smallest scaled distance of a label's probability to its threshold."""
    return 1.0 - _distances(probabilities, thresholds).min(axis=1)


def mean_threshold_margin(
    probabilities: np.ndarray, thresholds: np.ndarray, cardinality: float = 1.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """1 - the mean scaled distance of the labels' probabilities to their thresholds."""
    return 1.0 - _distances(probabilities, thresholds).mean(axis=1)


def label_cardinality_inconsistency(
    probabilities: np.ndarray, thresholds: np.ndarray, cardinality: float = 1.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """|labels the thresholds give a text - ``cardinality``| (the mean number of labels per labelled text)."""
    _distances(probabilities, thresholds)  # the same shape checks
    predicted = (np.asarray(probabilities) >= np.asarray(thresholds)[None, :]).sum(axis=1)
    return np.abs(predicted - float(cardinality))


def cardinality_then_margin(
    probabilities: np.ndarray, thresholds: np.ndarray, cardinality: float = 1.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """``label_cardinality_inconsistency`` plus a tenth of ``mean_threshold_margin`` (in [0, 0.1]) to order its ties."""
    spread = label_cardinality_inconsistency(probabilities, thresholds, cardinality)
    return spread + 0.1 * mean_threshold_margin(probabilities, thresholds)


def random_order(
    probabilities: np.ndarray, thresholds: np.ndarray, cardinality: float = 1.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Uniform random scores: the baseline that ignores the model."""
    _distances(probabilities, thresholds)  # the same shape checks
    return (rng if rng is not None else np.random.default_rng(0)).random(int(np.asarray(probabilities).shape[0]))


SET_STRATEGIES: dict[str, SetStrategy] = {
    "nearest_threshold": nearest_threshold,
    "mean_threshold_margin": mean_threshold_margin,
    "label_cardinality_inconsistency": label_cardinality_inconsistency,
    "cardinality_then_margin": cardinality_then_margin,
    "random": random_order,
}


def get_set_strategy(name: str) -> SetStrategy:
    """The multi-label strategy called ``name`` (InvalidInputError naming the valid ones otherwise)."""
    if name not in SET_STRATEGIES:
        raise InvalidInputError(f"Unknown multi-label strategy {name!r}; valid: {', '.join(SET_STRATEGIES)}.")
    return SET_STRATEGIES[name]
