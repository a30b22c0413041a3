"""Query strategies: direction, bounds, the registry, and top_k."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hloop.core.errors import InvalidInputError
from hloop.core.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    entropy,
    get_strategy,
    least_confidence,
    margin,
    top_k,
    validate_probs,
)

UNCERTAINTY = {"least_confidence": least_confidence, "margin": margin, "entropy": entropy}


@st.composite
def prob_matrices(draw):
    rows = draw(st.integers(1, 20))
    raw = draw(arrays(np.float64, (rows, 4), elements=st.floats(0.0, 1.0)))
    raw = raw + 1e-6
    return raw / raw.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("name", "probs", "expected"),
    [
        ("least_confidence", [[0.25, 0.25, 0.25, 0.25]], 1.0),
        ("least_confidence", [[1.0, 0.0, 0.0, 0.0]], 0.0),
        ("least_confidence", [[0.7, 0.1, 0.1, 0.1]], 0.4),
        ("margin", [[0.4, 0.4, 0.1, 0.1]], 1.0),
        ("margin", [[0.9, 0.05, 0.05, 0.0]], 0.15),
        ("entropy", [[0.25, 0.25, 0.25, 0.25]], 1.0),
        ("entropy", [[1.0, 0.0, 0.0, 0.0]], 0.0),
        ("entropy", [[0.5, 0.5, 0.0, 0.0]], 0.5),
    ],
)
def test_known_scores(name, probs, expected):
    assert UNCERTAINTY[name](np.array(probs))[0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("name", sorted(UNCERTAINTY))
@given(probs=prob_matrices())
@settings(max_examples=60, deadline=None)
def test_uncertainty_scores_bounded_and_ordered(name, probs):
    fn = UNCERTAINTY[name]
    scores = fn(probs)
    assert scores.shape == (probs.shape[0],)
    assert np.all(scores >= -1e-9) and np.all(scores <= 1 + 1e-9)
    uniform = fn(np.full((1, 4), 0.25))[0]
    one_hot = fn(np.eye(4)[:1])[0]
    assert np.all(scores <= uniform + 1e-9), "a uniform row is the most uncertain"
    assert np.all(scores >= one_hot - 1e-9), "a one-hot row is the least uncertain"


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_registered_strategy_meets_the_contract(name):
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=50)
    scores = get_strategy(name)(probs, np.random.default_rng(1))
    assert scores.shape == (50,)
    assert np.all(np.isfinite(scores))
    again = get_strategy(name)(probs, np.random.default_rng(1))
    np.testing.assert_array_equal(scores, again)  # the same rng gives the same scores


def test_unknown_strategy_lists_valid_names():
    with pytest.raises(InvalidInputError) as err:
        get_strategy("most_confident")
    for name in STRATEGIES:
        assert name in str(err.value)


def test_default_alias_resolves_to_the_default():
    assert get_strategy("default") is STRATEGIES[DEFAULT_STRATEGY]


def test_top_k_picks_highest_first_and_breaks_ties_with_the_rng():
    scores = np.array([0.1, 0.9, 0.5, 0.9, 0.2])
    picked = top_k(scores, 3, np.random.default_rng(0))
    assert set(picked[:2].tolist()) == {1, 3}
    assert picked[2] == 2
    ties = np.zeros(100)
    a = top_k(ties, 5, np.random.default_rng(1))
    b = top_k(ties, 5, np.random.default_rng(2))
    assert not np.array_equal(a, b), "ties are broken by the injected rng, not by position"
    assert top_k(scores, 0, np.random.default_rng(0)).size == 0
    assert top_k(scores, 99, np.random.default_rng(0)).size == 5


@pytest.mark.parametrize("bad", [[[0.5, 0.6]], [[1.0]], [0.5, 0.5], [[-0.5, 1.5]]])
def test_validate_probs_rejects_bad_matrices(bad):
    with pytest.raises(InvalidInputError):
        validate_probs(np.array(bad))
