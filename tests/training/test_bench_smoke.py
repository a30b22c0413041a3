"""The queue benchmark's pool: unique texts the store accepts, none equal to a text it copies."""

import pytest

from tests.conftest import load_benchmark


@pytest.mark.parametrize(("texts", "size"), [(["a war", "a goal", "a war"], 10), (["  padded text \n"], 3)])
def test_repeated_pool_texts_are_unique_and_new(texts, size, monkeypatch):
    pool = load_benchmark(monkeypatch, "bench_queue").repeated_pool(texts, size)
    assert len(pool) == size
    assert len(set(pool)) == size, "the store's exact-duplicate rule would drop repeats"
    assert not set(pool) & {t.strip() for t in texts}
    assert all(p == p.strip() for p in pool)


def test_repeated_pool_needs_texts(monkeypatch):
    with pytest.raises(ValueError, match="at least one text"):
        load_benchmark(monkeypatch, "bench_queue").repeated_pool([], 5)
