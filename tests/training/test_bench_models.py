"""The model benchmark's subsets: the requested size, deterministic, never a single label."""

import numpy as np

from tests.conftest import load_benchmark


def test_subsets_have_the_size_and_two_labels(monkeypatch):
    bench = load_benchmark(monkeypatch, "bench_models")
    labels = np.array([0] * 97 + [1] * 3)
    rows = bench.subset_rows(labels, 5, seed=0)
    assert rows.size == 5 and np.unique(labels[rows]).size == 2
    np.testing.assert_array_equal(rows, bench.subset_rows(labels, 5, seed=0))
    assert bench.subset_rows(labels, 10**9, seed=1).size == 100
