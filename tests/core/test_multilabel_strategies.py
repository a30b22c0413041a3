"""Multi-label queue strategies: higher scores for texts whose labels sit nearer their thresholds."""

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError
from hloop.core.multilabel_strategies import (
    SET_STRATEGIES,
    get_set_strategy,
    label_cardinality_inconsistency,
    mean_threshold_margin,
    nearest_threshold,
)

THRESHOLDS = np.array([0.5, 0.2, 0.8])
PROBS = np.array(
    [
        [0.99, 0.01, 0.01],  # sure of every label
        [0.99, 0.21, 0.01],  # one label right at its threshold
        [0.6, 0.3, 0.7],  # every label fairly near
    ]
)


def test_nearest_threshold_asks_about_the_one_undecided_label_first():
    scores = nearest_threshold(PROBS, THRESHOLDS)
    assert scores.argmax() == 1 and scores.argmin() == 0
    assert ((0 <= scores) & (scores <= 1)).all()


def test_the_mean_margin_asks_about_the_whole_unsure_set_first():
    scores = mean_threshold_margin(PROBS, THRESHOLDS)
    assert scores.argmax() == 2 and scores.argmin() == 0


def test_label_cardinality_inconsistency_is_the_distance_to_the_mean_set_size():
    # sets at the thresholds: {0}, {0, 1}, {0, 1}
    scores = label_cardinality_inconsistency(PROBS, THRESHOLDS, cardinality=1.2)
    assert scores.tolist() == pytest.approx([0.2, 0.8, 0.8])
    single = np.array([[0.9, 0.1, 0.1], [0.1, 0.1, 0.1]])
    assert label_cardinality_inconsistency(single, THRESHOLDS, cardinality=1.0).tolist() == [0.0, 1.0]


def test_every_strategy_gives_one_score_per_text_and_refuses_bad_shapes():
    rng = np.random.default_rng(0)
    for name in SET_STRATEGIES:
        assert get_set_strategy(name)(PROBS, THRESHOLDS, 1.0, rng).shape == (3,)
        with pytest.raises(InvalidInputError, match="k thresholds"):
            get_set_strategy(name)(PROBS, THRESHOLDS[:2], 1.0, rng)
    with pytest.raises(InvalidInputError, match="valid: nearest_threshold"):
        get_set_strategy("least_confidence")


def test_cardinality_ties_are_ordered_by_the_mean_margin():
    # both rows get one label (cardinality spread 0.2 each); the second's labels sit nearer their thresholds
    probs = np.array([[0.99, 0.01, 0.01], [0.55, 0.15, 0.7]])
    scores = get_set_strategy("cardinality_then_margin")(probs, THRESHOLDS, 1.2, np.random.default_rng(0))
    lci = label_cardinality_inconsistency(probs, THRESHOLDS, 1.2)
    assert lci[0] == pytest.approx(lci[1]) and scores[1] > scores[0]
    assert (scores - lci <= 0.1 + 1e-12).all()
