"""Loading the dataset and splitting it: deterministic, stratified, clear errors."""

import numpy as np
import pandas as pd
import pytest

from hloop.core.errors import DatasetUnavailableError
from hloop.dataset import load_corpus, split_train


def test_same_seed_same_split_other_seed_other_split():
    labels = np.repeat(np.arange(4), 50)
    a, b, c = split_train(labels, 40, 0), split_train(labels, 40, 0), split_train(labels, 40, 1)
    np.testing.assert_array_equal(a.seed, b.seed)
    assert not np.array_equal(a.seed, c.seed)
    assert np.bincount(labels[a.seed]).tolist() == [10, 10, 10, 10]  # stratified
    assert sorted(np.concatenate([a.seed, a.pool]).tolist()) == list(range(200))
    assert not set(a.seed) & set(a.pool)


def test_all_puts_every_row_in_seed():
    split = split_train(np.repeat(np.arange(4), 5), "all", 0)
    assert split.seed.size == 20 and split.pool.size == 0


def test_tiny_seed_falls_back_to_a_plain_shuffle():
    split = split_train(np.repeat(np.arange(4), 5), 2, 0)
    assert split.seed.size == 2 and split.pool.size == 18


def test_local_parquet_folder_loads(tmp_path):
    for name, n in (("train", 8), ("test", 4)):
        pd.DataFrame({"text": [f"{name} text {i}" for i in range(n)], "label": [i % 4 for i in range(n)]}).to_parquet(
            tmp_path / f"{name}.parquet"
        )
    corpus = load_corpus(str(tmp_path))
    assert len(corpus.train_texts) == 8 and corpus.test_labels.tolist() == [0, 1, 2, 3]
    assert len(corpus.fingerprint) == 64


def test_missing_folder_names_the_setting(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="HLOOP_DATASET"):
        load_corpus(str(tmp_path / "nowhere"))


def test_unreachable_hub_names_the_setting(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'fancyzhx/ag_news' on the Hub")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DatasetUnavailableError, match="HLOOP_DATASET=../shared/data/ag_news"):
        load_corpus("fancyzhx/ag_news")


def test_wrong_schema_is_explained(tmp_path):
    for name in ("train", "test"):
        pd.DataFrame({"body": ["x"], "label": [0]}).to_parquet(tmp_path / f"{name}.parquet")
    with pytest.raises(DatasetUnavailableError, match="needs 'text' and 'label'"):
        load_corpus(str(tmp_path))
