"""The review simulation: planted label mistakes are found, and the oracle's review only moves labels to gold."""

from __future__ import annotations

import numpy as np

from hloop.experiments.review_sim import precision_at, review_experiment
from tests.conftest import corpus_of


def test_planted_mistakes_are_found_and_fixed():
    corpus = corpus_of(40)
    gold = np.asarray(corpus.train_labels)
    given = gold.copy()
    planted = np.random.default_rng(0).choice(gold.size, size=16, replace=False)
    given[planted] = (gold[planted] + 1) % 4
    result = review_experiment(
        corpus.train_texts, given, gold, corpus.eval_texts, corpus.eval_labels, 4, ks=(16,), review=16, rounds=2
    )
    assert result["errors"] == 16 and result["rows"] == gold.size
    assert result["precision_at_16"] >= 0.75
    assert result["recall_at_16"] == result["precision_at_16"]
    assert result["accuracy_reviewed"] >= result["accuracy_crowd"]


def test_precision_at_counts_the_first_k():
    assert precision_at(np.array([True, False, True, True]), 2) == 0.5
    assert precision_at(np.array([True]), 0) == 0.0
