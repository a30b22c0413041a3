"""The default strategy (warm-up with random, then margin) and the context contract of every strategy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hloop.core.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    WARMUP_PER_LABEL,
    QueryContext,
    get_strategy,
    margin,
    random_scores,
    warmup_labels,
    warmup_margin,
)

WARMUP_LABELS = warmup_labels(4)  # the matrices below have 4 columns


@st.composite
def prob_matrices(draw):
    rows = draw(st.integers(1, 30))
    raw = draw(arrays(np.float64, (rows, 4), elements=st.floats(0.0, 1.0))) + 1e-6
    return raw / raw.sum(axis=1, keepdims=True)


def test_the_default_is_the_warm_up_strategy():
    assert DEFAULT_STRATEGY == "warmup_margin"
    assert get_strategy("default") is warmup_margin


@given(probs=prob_matrices(), labelled=st.integers(0, WARMUP_LABELS - 1), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_during_the_warm_up_it_scores_at_random(probs, labelled, seed):
    scores = warmup_margin(probs, np.random.default_rng(seed), QueryContext(labelled))
    np.testing.assert_array_equal(scores, random_scores(probs, np.random.default_rng(seed)))
    assert np.all((scores >= 0) & (scores <= 1))
    flipped = warmup_margin(probs[:, ::-1], np.random.default_rng(seed), QueryContext(labelled))
    np.testing.assert_array_equal(scores, flipped), "the model's probabilities do not matter yet"


@given(probs=prob_matrices(), labelled=st.one_of(st.none(), st.integers(WARMUP_LABELS, 10**7)))
@settings(max_examples=60, deadline=None)
def test_after_the_warm_up_it_is_margin(probs, labelled):
    context = None if labelled is None else QueryContext(labelled)
    scores = warmup_margin(probs, np.random.default_rng(0), context)
    np.testing.assert_array_equal(scores, margin(probs))
    assert np.all((scores >= -1e-9) & (scores <= 1 + 1e-9))
    uniform = warmup_margin(np.full((1, 4), 0.25), None, context)[0]
    one_hot = warmup_margin(np.eye(4)[:1], None, context)[0]
    assert np.all(scores <= uniform + 1e-9) and np.all(scores >= one_hot - 1e-9)


@pytest.mark.parametrize(
    ("n_labels", "labelled", "warming"),
    [
        (n, n * WARMUP_PER_LABEL + delta, delta < 0)  # the warm-up, re-decided on dev (issue 10), is per label
        for n, delta in ((2, -1), (2, 0), (6, -WARMUP_PER_LABEL // 2), (50, -1), (50, 0))
    ],
)
def test_the_warm_up_is_stated_per_label(n_labels, labelled, warming):
    probs = np.random.default_rng(0).dirichlet(np.ones(n_labels), size=30)
    scores = warmup_margin(probs, np.random.default_rng(3), QueryContext(labelled))
    assert WARMUP_PER_LABEL * n_labels == warmup_labels(n_labels)
    expected = random_scores(probs, np.random.default_rng(3)) if warming else margin(probs)
    np.testing.assert_array_equal(scores, expected)


@pytest.mark.parametrize("labelled", [0, WARMUP_LABELS - 1, WARMUP_LABELS, 5000])
@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_registered_strategy_takes_a_context(name, labelled):
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=40)
    scores = get_strategy(name)(probs, np.random.default_rng(1), QueryContext(labelled))
    again = get_strategy(name)(probs, np.random.default_rng(1), context=QueryContext(labelled))
    assert scores.shape == (40,) and np.all(np.isfinite(scores))
    assert np.all((scores >= -1e-9) & (scores <= 1 + 1e-9))
    np.testing.assert_array_equal(scores, again)
