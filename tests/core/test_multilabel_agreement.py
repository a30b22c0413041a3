"""Agreement on label sets: MASI distances, Krippendorff's alpha (the reference example), per-label kappa."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from hloop.core.multilabel_agreement import krippendorff_alpha, masi_distance, per_label_kappa


def test_masi_counts_a_set_that_holds_the_other_as_a_partial_match():
    assert masi_distance({"a", "b"}, {"b", "a"}) == 0.0
    assert masi_distance(set(), set()) == 0.0
    assert masi_distance({"a"}, {"b"}) == 1.0
    assert masi_distance({"a"}, {"a", "b"}) == pytest.approx(1 - 0.5 * 2 / 3)
    assert masi_distance({"a", "c"}, {"a", "b"}) == pytest.approx(1 - 1 / 3 * 1 / 3)


def test_alpha_of_singleton_sets_is_the_nominal_alpha_of_krippendorffs_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders, 12 units, nominal alpha 0.743
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = {u: {c: {row[u]} for c, row in enumerate(coders) if row[u] is not None} for u in range(12)}
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=0.0005)


def test_alpha_is_one_for_agreement_and_near_zero_for_independent_sets():
    same = {i: {"ana": {"x", "y"} if i % 2 else {"z"}, "ben": {"y", "x"} if i % 2 else {"z"}} for i in range(20)}
    assert krippendorff_alpha(same) == 1.0
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c", "d"]
    random_sets = lambda: {labels[j] for j in range(4) if rng.random() < 0.4} or {"a"}  # noqa: E731
    independent = {i: {"ana": random_sets(), "ben": random_sets()} for i in range(2000)}
    assert abs(krippendorff_alpha(independent)) < 0.05
    assert krippendorff_alpha({1: {"ana": {"a"}}}) is None  # nobody else labelled it
    assert krippendorff_alpha({1: {"ana": {"a"}, "ben": {"a"}}}) is None  # every value alike: undefined


def test_per_label_kappa_is_cohens_kappa_of_each_label():
    rng = np.random.default_rng(1)
    pairs = [
        ({j for j in range(3) if rng.random() < 0.4}, {j for j in range(3) if rng.random() < 0.4}) for _ in range(50)
    ]
    pairs = [(a, a if i % 3 else b) for i, (a, b) in enumerate(pairs)]  # two thirds agree exactly
    got = per_label_kappa(pairs, 4)
    for j in range(3):
        first, second = [j in a for a, _ in pairs], [j in b for _, b in pairs]
        assert got[j] == pytest.approx(cohen_kappa_score(first, second))
    assert got[3] is None  # nobody ever gave label 3
