"""Multi-label models: one-vs-rest over any model family, a decision threshold per label tuned on dev.

A family's pipeline keeps its features (TF-IDF, embeddings, both) and fits them once; only its classifier step
becomes ``LabelwiseClassifier``: one binary copy per label, each given the sample weights directly (scikit-learn's
``OneVsRestClassifier`` passes them only under metadata routing). The ensemble averages its members' per-label
probabilities. Thresholds are tuned on dev, never on eval: for each label the grid value with the best F1 on dev
(ties go to the value nearest 0.5; a label dev never shows keeps 0.5). A text gets every label at or above its
threshold and, unless the project allows an empty set, its most probable label when none is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline

from hloop.core.errors import InvalidInputError
from hloop.core.multilabel_metrics import micro_f1
from training.embeddings import DEFAULT_SPEC, EmbeddedTexts
from training.families import ENSEMBLE_MEMBERS, make_family

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


class LabelwiseClassifier(ClassifierMixin, BaseEstimator):
    """One binary ``estimator`` per label column of an indicator matrix; ``predict_proba`` is ``(n, k)``, each
    column the probability of that label. A label that every training text has, or none has, is that constant."""

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(self, X: Any, Y: np.ndarray, sample_weight: Sequence[float] | None = None) -> LabelwiseClassifier:
        indicator = np.asarray(Y)
        if indicator.ndim != 2:
            raise InvalidInputError(f"A multi-label fit needs an (n, k) indicator matrix; got shape {indicator.shape}.")
        indicator = indicator.astype(bool)
        self.classes_ = np.arange(indicator.shape[1])
        self.estimators_: list[Any] = []
        self.constants_: list[float | None] = []
        for column in indicator.T:
            if column.all() or not column.any():
                self.estimators_.append(None)
                self.constants_.append(float(column[0]) if column.size else 0.0)
                continue
            model = clone(_calibratable(self.estimator, int(min(column.sum(), (~column).sum()))))
            model.fit(X, column.astype(np.int64), sample_weight=sample_weight)
            self.estimators_.append(model)
            self.constants_.append(None)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        n = X.shape[0]
        out = np.zeros((n, self.classes_.size))
        for j, (model, constant) in enumerate(zip(self.estimators_, self.constants_, strict=True)):
            if model is None:
                out[:, j] = constant
            else:
                out[:, j] = model.predict_proba(X)[:, list(model.classes_).index(1)]
        return out

    def predict(self, X: Any) -> np.ndarray:
        return self.predict_proba(X) >= 0.5


def _calibratable(estimator: Any, rarer: int) -> Any:
    """``estimator``, or the one it calibrates when a label's rarer side has fewer texts than its folds."""
    if isinstance(estimator, CalibratedClassifierCV) and isinstance(estimator.cv, int) and rarer < estimator.cv:
        return estimator.estimator
    return estimator


class AveragedLabelProbabilities(ClassifierMixin, BaseEstimator):
    """The multi-label ensemble: the mean of its member pipelines' per-label probabilities."""

    def __init__(self, members: Sequence[tuple[str, Pipeline]] = ()) -> None:
        self.members = members

    def fit(self, X: Any, Y: np.ndarray, sample_weight: Sequence[float] | None = None) -> AveragedLabelProbabilities:
        self.members_ = [clone(member).fit(X, Y, clf__sample_weight=sample_weight) for _, member in self.members]
        self.classes_ = np.arange(np.asarray(Y).shape[1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.mean([member.predict_proba(X) for member in self.members_], axis=0)

    def predict(self, X: Any) -> np.ndarray:
        return self.predict_proba(X) >= 0.5


def make_multilabel_family(name: str, *, embeddings: str = DEFAULT_SPEC, random_state: int = 0) -> Pipeline:
    """A fresh, unfitted multi-label pipeline of family ``name``: its features, then ``LabelwiseClassifier`` over
    its classifier (the ensemble: an average of its members' multi-label pipelines)."""
    if name == "ensemble":
        members = [
            (m, make_multilabel_family(m, embeddings=embeddings, random_state=random_state)) for m in ENSEMBLE_MEMBERS
        ]
        return Pipeline([("clf", AveragedLabelProbabilities(members))])
    single = make_family(name, embeddings=embeddings, random_state=random_state, smallest_class=None)
    steps = list(single.steps)
    last, classifier = steps[-1]
    steps[-1] = (last, LabelwiseClassifier(classifier))
    return Pipeline(steps)


def fit_multilabel_family(
    name: str,
    texts: Sequence[str] | EmbeddedTexts,
    indicator: np.ndarray,
    *,
    embeddings: str = DEFAULT_SPEC,
    sample_weight: Sequence[float] | None = None,
    random_state: int = 0,
) -> Pipeline:
    """A multi-label pipeline of family ``name`` fitted on ``texts`` and their ``(n, k)`` label indicator."""
    y = np.asarray(indicator, dtype=bool)
    if y.ndim != 2 or y.shape[0] != len(texts) or not y.any():
        raise InvalidInputError(
            f"Need an (n, k) label indicator for {len(texts)} texts, a label in use; got {y.shape}."
        )
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    pipeline = make_multilabel_family(name, embeddings=embeddings, random_state=random_state)
    return pipeline.fit(texts if isinstance(texts, EmbeddedTexts) else list(texts), y, clf__sample_weight=weights)


def tune_thresholds(probabilities: np.ndarray, truth: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> np.ndarray:
    """Per label, the grid threshold with the best F1 of (probability >= threshold) against ``truth`` (dev);
    ties go to the value nearest 0.5, and a label no dev text has keeps 0.5."""
    p, t = np.asarray(probabilities, dtype=float), np.asarray(truth, dtype=bool)
    if p.shape != t.shape or p.ndim != 2:
        raise InvalidInputError(f"Probabilities {p.shape} and dev labels {t.shape} need one (n, k) shape.")
    out = np.full(p.shape[1], 0.5)
    closeness = -np.abs(grid - 0.5)
    for j in range(p.shape[1]):
        if not t[:, j].any():
            continue
        chosen = p[:, j][None, :] >= grid[:, None]  # (grid, n)
        tp = (chosen & t[:, j]).sum(axis=1)
        f1 = 2 * tp / (chosen.sum(axis=1) + t[:, j].sum())
        best = np.flatnonzero(np.isclose(f1, f1.max()))
        out[j] = grid[best[np.argmax(closeness[best])]]
    return out


def decide_sets(probabilities: np.ndarray, thresholds: np.ndarray, allow_empty: bool = False) -> np.ndarray:
    """The predicted label sets (n, k booleans): every label at or above its threshold; a text with none gets its
    most probable label unless ``allow_empty``."""
    p = np.asarray(probabilities, dtype=float)
    out = p >= np.asarray(thresholds, dtype=float)[None, :]
    if not allow_empty and p.shape[1]:
        empty = np.flatnonzero(~out.any(axis=1))
        out[empty, p[empty].argmax(axis=1)] = True
    return out


def cross_fitted_f1(probabilities: np.ndarray, truth: np.ndarray, allow_empty: bool = False, seed: int = 0) -> float:
    """Micro-F1 on dev with thresholds tuned on the other half of dev (two folds, averaged): how a family with
    tuned thresholds does on texts its thresholds did not see, for choosing between families on dev alone."""
    p, t = np.asarray(probabilities, dtype=float), np.asarray(truth, dtype=bool)
    halves = np.random.default_rng(seed).permutation(p.shape[0]) % 2 == 0
    scores = []
    for tune_on in (halves, ~halves):
        thresholds = tune_thresholds(p[tune_on], t[tune_on])
        predicted = decide_sets(p[~tune_on], thresholds, allow_empty)
        scores.append(micro_f1(t[~tune_on], predicted))
    return float(np.mean(scores))
