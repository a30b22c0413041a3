"""The model benchmark's subsets: the requested size, deterministic, never a single label."""

import importlib.util

import numpy as np

from tests.conftest import ROOT


def _bench_models(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # as when the script runs from its folder
    spec = importlib.util.spec_from_file_location("bench_models", ROOT / "benchmarks" / "bench_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_subsets_have_the_size_and_two_labels(monkeypatch):
    bench = _bench_models(monkeypatch)
    labels = np.array([0] * 97 + [1] * 3)
    rows = bench.subset_rows(labels, 5, seed=0)
    assert rows.size == 5 and np.unique(labels[rows]).size == 2
    np.testing.assert_array_equal(rows, bench.subset_rows(labels, 5, seed=0))
    assert bench.subset_rows(labels, 10**9, seed=1).size == 100
