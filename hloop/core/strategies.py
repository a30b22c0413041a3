"""Uncertainty strategies: functions of a probability matrix (n_samples, n_classes) -> one score per row.

Direction, for every strategy: a higher score means the model is MORE uncertain, so the queue picks the
highest scores first. Scores of the built-in measures lie in [0, 1].

Every strategy takes ``(probs, rng=None, context=None)``. ``context`` (a ``QueryContext``) says how many labels
the scoring model was trained on; strategies that do not need it ignore it, and ``None`` means "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hloop.core.errors import InvalidInputError


@dataclass(frozen=True)
class QueryContext:
    """What a strategy may know besides the probabilities: the labels (seed + human) the model was trained on."""

    labelled: int


class Strategy(Protocol):
    """probs (n_samples, n_classes) -> one score per row, higher = pick first."""

    def __call__(
        self, probs: np.ndarray, rng: np.random.Generator | None = None, context: QueryContext | None = None
    ) -> np.ndarray: ...


def least_confidence(
    probs: np.ndarray, rng: np.random.Generator | None = None, context: QueryContext | None = None
) -> np.ndarray:
    """1 - max p, rescaled to [0, 1] by the number of classes."""
    k = probs.shape[1]
    return (1.0 - probs.max(axis=1)) * k / (k - 1)


def margin(
    probs: np.ndarray, rng: np.random.Generator | None = None, context: QueryContext | None = None
) -> np.ndarray:
    """1 - (p_top1 - p_top2): a small margin between the two best classes is uncertain."""
    top2 = np.partition(probs, -2, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def entropy(
    probs: np.ndarray, rng: np.random.Generator | None = None, context: QueryContext | None = None
) -> np.ndarray:
    """Shannon entropy normalised by log(n_classes)."""
    p = np.clip(probs, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=1) / np.log(probs.shape[1])


def random_scores(
    probs: np.ndarray, rng: np.random.Generator | None = None, context: QueryContext | None = None
) -> np.ndarray:
    """Uniform random scores: the baseline that ignores the model."""
    generator = rng if rng is not None else np.random.default_rng(0)
    return generator.random(int(probs.shape[0]))


# Below this many labels per label a model's uncertainty mostly reflects what the seed missed, so picking by it
# skews the labels toward odd items and one class; on AG News (4 labels, seed 100, batch 50) least-confidence,
# entropy and margin all fell below random there. Stated per label so it carries over to any label count
# (AG News: 4 x 50 = 200 labels). Re-decided on the dev split, not on eval: of 0, 50, 100, 150 and
# 200 per label, 50 is the one within noise of the best dev AUC everywhere with the smallest dip below random
# (README, "The warm-up, re-decided on dev"; `python -m hloop.experiments.warmup`).
WARMUP_PER_LABEL = 50


def warmup_labels(n_labels: int) -> int:
    """Labels a model must be trained on before the default strategy trusts its uncertainty."""
    return WARMUP_PER_LABEL * int(n_labels)


def warmup_margin(
    probs: np.ndarray, rng: np.random.Generator | None = None, context: QueryContext | None = None
) -> np.ndarray:
    """Random scores while the model was trained on fewer than ``warmup_labels(n_labels)`` labels, then ``margin``.

    Scores lie in [0, 1]. Without a context (labels unknown) the model counts as warmed up.
    """
    if context is not None and context.labelled < warmup_labels(probs.shape[1]):
        return random_scores(probs, rng)
    return margin(probs)


STRATEGIES: dict[str, Strategy] = {
    "least_confidence": least_confidence,
    "margin": margin,
    "entropy": entropy,
    "random": random_scores,
    "warmup_margin": warmup_margin,
}
DEFAULT_STRATEGY = "warmup_margin"


def get_strategy(name: str) -> Strategy:
    """The strategy registered as ``name``; an unknown name lists the valid ones."""
    key = (name or DEFAULT_STRATEGY).strip().lower().replace(" ", "_").replace("-", "_")
    if key == "default":
        key = DEFAULT_STRATEGY
    if key not in STRATEGIES:
        raise InvalidInputError(f"Unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}.")
    return STRATEGIES[key]


def strategy_name(name: str | None) -> str:
    """The canonical registry name for ``name`` (``default`` and None map to the default)."""
    fn = get_strategy(name or DEFAULT_STRATEGY)
    return next(k for k, v in STRATEGIES.items() if v is fn)


def validate_probs(probs: np.ndarray) -> np.ndarray:
    """A float 2-D array of rows that sum to 1; raises InvalidInputError otherwise."""
    arr = np.asarray(probs, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise InvalidInputError(f"Expected probabilities of shape (n_samples, n_classes>=2), got {arr.shape}.")
    if arr.size and (np.any(arr < -1e-9) or not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6)):
        raise InvalidInputError("Each row of probabilities must be non-negative and sum to 1.")
    return arr


def top_k(scores: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``k`` highest scores, highest first; ties are broken at random by ``rng``."""
    n = int(scores.shape[0])
    k = max(0, min(int(k), n))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    tiebreak = rng.random(n)
    order = np.lexsort((tiebreak, -scores))
    return order[:k].astype(np.int64)


def interleave(first: np.ndarray, second: np.ndarray, share: float) -> np.ndarray:
    """``first`` and ``second`` merged, each in its own order, so that about ``share`` of every prefix comes
    from ``second`` (until one runs out)."""
    if not 0 < share < 1:
        raise InvalidInputError(f"share must be between 0 and 1, got {share}.")
    keys = np.concatenate([(np.arange(first.size) + 0.5) / (1 - share), (np.arange(second.size) + 0.5) / share])
    merged = np.concatenate([first, second])
    return merged[np.argsort(keys, kind="stable")]
