"""The queue benchmark's pool: unique texts the store accepts, none equal to a text it copies."""

import importlib.util

import pytest

from tests.conftest import ROOT


def _bench_queue(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # as when the script runs from its folder
    spec = importlib.util.spec_from_file_location("bench_queue", ROOT / "benchmarks" / "bench_queue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("texts", "size"), [(["a war", "a goal", "a war"], 10), (["  padded text \n"], 3)])
def test_repeated_pool_texts_are_unique_and_new(texts, size, monkeypatch):
    pool = _bench_queue(monkeypatch).repeated_pool(texts, size)
    assert len(pool) == size
    assert len(set(pool)) == size, "the store's exact-duplicate rule would drop repeats"
    assert not set(pool) & {t.strip() for t in texts}
    assert all(p == p.strip() for p in pool)


def test_repeated_pool_needs_texts(monkeypatch):
    with pytest.raises(ValueError, match="at least one text"):
        _bench_queue(monkeypatch).repeated_pool([], 5)
