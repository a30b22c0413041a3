"""Fitted family pipelines that read the run's cached term counts instead of tokenizing the pool every version.

A family's TF-IDF is fitted on its training texts as the product fits it (``fit_family``); scoring the pool, eval
and dev rows then needs their TF-IDF rows under that fitted vocabulary and idf. Tokenizing those ~18,000 texts
again was half of a version's time on AG News. The counts were made once with the same analyzer over every
train text (``features``), so a fitted vectorizer's rows are those counts at its terms' columns, then its own
sublinear tf, idf and norm: the same numbers (``tests/experiments/test_cached_tfidf.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from hloop.experiments.features import Features, StepVectorizer
from training.families import AveragedProbabilities, EmbeddedTexts


class RowTexts(EmbeddedTexts):
    """Embedded texts that also say which rows of the run they are: ``part`` (train or eval) and ``rows``."""

    def __init__(self, texts: EmbeddedTexts, part: str, rows: np.ndarray | None) -> None:
        super().__init__(texts.texts, texts.vectors, texts.identity)
        self.part, self.rows = part, rows


class CountsTfidf(TransformerMixin, BaseEstimator):
    """A fitted ``TfidfVectorizer`` reading ``RowTexts`` from the cached counts (other input: tokenized as usual)."""

    def __init__(self, fitted: TfidfVectorizer, features: Features, columns: np.ndarray) -> None:
        self.fitted, self.features, self.columns = fitted, features, columns

    def transform(self, X: Sequence[str]):
        if not isinstance(X, RowTexts):
            return self.fitted.transform(X)
        counts = self.features.eval if X.part == "eval" else self.features.train[X.rows]
        idf = self.fitted.idf_ if self.fitted.use_idf else None
        step = StepVectorizer(self.columns, idf, self.fitted.sublinear_tf, self.fitted.norm)
        return step.transform(counts).astype(self.fitted.dtype, copy=False)


def read_counts(estimator: object, features: Features) -> object:
    """``estimator`` (a fitted family pipeline) with every fitted TF-IDF step swapped for a ``CountsTfidf``, in
    place; a vectorizer with a term the counts lack (none should) is kept as it is."""
    if isinstance(estimator, Pipeline):
        estimator.steps = [(name, _swap(step, features)) for name, step in estimator.steps]
    elif isinstance(estimator, FeatureUnion):
        estimator.transformer_list = [(name, _swap(step, features)) for name, step in estimator.transformer_list]
    elif isinstance(estimator, AveragedProbabilities):
        estimator.members_ = [read_counts(member, features) for member in estimator.members_]
    return estimator


def _swap(step: object, features: Features) -> object:
    if not isinstance(step, TfidfVectorizer):
        return read_counts(step, features)
    vocabulary = features.vocabulary or {}
    terms = step.get_feature_names_out()
    if not all(t in vocabulary for t in terms):
        return step
    return CountsTfidf(step, features, np.fromiter((vocabulary[t] for t in terms), np.int64, len(terms)))
