"""Out-of-fold probabilities over labelled texts, for finding labels that are likely wrong.

The TF-IDF is fitted once on every text (it never sees a label, so no label leaks across folds). Two views of it
are refitted per fold and averaged: the project's classifier (averaged over a few inverse regularisation strengths
``C``, weaker than the product's so its probabilities are less overconfident) and a complement naive Bayes with
scikit-learn's defaults, whose different mistakes make the average rank real label errors better
(``benchmarks/bench_review.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.naive_bayes import ComplementNB

from hloop.core.errors import InvalidInputError
from training.pipeline import make_pipeline

DEFAULT_CS = (0.3, 1.0)


def fold_assignment(labels: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """A fold number per row, stratified: each label's rows are shuffled and dealt round-robin across folds."""
    out = np.empty(labels.shape[0], dtype=np.int64)
    start = 0
    for value in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == value))
        out[rows] = (np.arange(rows.size) + start) % folds
        start += rows.size  # the next label starts where this one stopped, so small labels spread over folds
    return out


def _fold_probabilities(x, y: np.ndarray, train: np.ndarray, n_labels: int, clf) -> np.ndarray | None:
    """Probabilities of the rows outside ``train`` from a classifier fitted on ``train`` (None if one label)."""
    if np.unique(y[train]).size < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fold's fit is a means, not an artifact
        fitted = clone(clf).fit(x[train], y[train])
    out = np.zeros(((~train).sum(), n_labels))
    out[:, fitted.classes_] = fitted.predict_proba(x[~train])
    return out


def out_of_fold_probabilities(
    texts: Sequence[str],
    labels: Sequence[int],
    n_labels: int,
    *,
    folds: int = 5,
    seeds: Sequence[int] = (0,),
    cs: Sequence[float] = DEFAULT_CS,
    naive_bayes: bool = True,
) -> np.ndarray:
    """(n_texts, n_labels) probabilities, each row from models that never saw that row's label.

    Rows whose held-out fold left fewer than two labels to train on get a uniform row.
    """
    y = np.asarray(labels, dtype=np.int64)
    if len(texts) != y.shape[0]:
        raise InvalidInputError(f"Need as many labels as texts ({len(texts)} texts, {y.shape[0]} labels).")
    if y.size and (y.min() < 0 or y.max() >= n_labels):
        raise InvalidInputError(f"Labels must be indices 0..{n_labels - 1}.")
    if y.size < 2 or not cs or not seeds:
        return np.full((y.size, n_labels), 1.0 / n_labels)
    pipeline = make_pipeline(0)
    x = pipeline.named_steps["tfidf"].fit_transform(list(texts))
    folds = max(2, min(int(folds), y.size))
    linear, bayes = np.zeros((y.size, n_labels)), np.zeros((y.size, n_labels))
    for seed in seeds:
        assigned = fold_assignment(y, folds, np.random.default_rng(seed))
        for fold in range(folds):
            held = assigned == fold
            for c in cs:
                clf = clone(pipeline.named_steps["clf"]).set_params(C=float(c), random_state=int(seed))
                linear[held] += _or_uniform(_fold_probabilities(x, y, ~held, n_labels, clf), held, n_labels)
            bayes[held] += _or_uniform(_fold_probabilities(x, y, ~held, n_labels, ComplementNB()), held, n_labels)
    linear /= len(seeds) * len(cs)
    bayes /= len(seeds)
    return (linear + bayes) / 2 if naive_bayes else linear


def _or_uniform(probs: np.ndarray | None, held: np.ndarray, n_labels: int) -> np.ndarray:
    """``probs``, or uniform rows for the held-out rows when the fold could not be fitted."""
    return np.full((int(held.sum()), n_labels), 1.0 / n_labels) if probs is None else probs
