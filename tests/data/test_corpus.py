"""Loading any dataset described by settings: hub id, folder or file; columns, label sets, eval splits, errors."""

import json

import numpy as np
import pandas as pd
import pytest

from hloop.core.errors import DatasetUnavailableError
from hloop.data.corpus import DatasetSpec, load_corpus

TRAIN = [("refund my card", "billing"), ("app crashes on start", "bug"), ("add dark mode", "feature request")] * 10


def _csv(path, rows, columns=("text", "category")):
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


def test_a_folder_of_csv_with_string_labels_in_another_column(tmp_path):
    _csv(tmp_path / "train.csv", TRAIN)
    _csv(
        tmp_path / "test.csv",
        [("charge twice", "billing"), ("button broken", "bug"), ("please add x", "feature request")],
    )
    corpus = load_corpus(DatasetSpec(str(tmp_path), label_column="category"))
    assert corpus.label_set.names == ("billing", "bug", "feature request")  # sorted distinct values
    assert corpus.eval_origin == "split" and corpus.eval_labels.tolist() == [0, 1, 2]
    assert corpus.train_labels[:3].tolist() == [0, 1, 2] and len(corpus.train_texts) == 30


def test_labels_setting_orders_and_validates_the_names(tmp_path):
    path = _csv(tmp_path / "tickets.csv", TRAIN)
    spec = DatasetSpec(str(path), label_column="category", labels=("feature request", "bug", "billing", "other"))
    corpus = load_corpus(spec)
    assert corpus.label_set.names[3] == "other" and corpus.train_labels[:3].tolist() == [2, 1, 0]
    bad = DatasetSpec(str(path), label_column="category", labels=("billing", "bug"))
    with pytest.raises(DatasetUnavailableError, match="10 values of column 'category' are not in HLOOP_LABELS"):
        load_corpus(bad)


def test_an_unlabelled_file_with_a_label_set_starts_from_zero(tmp_path):
    path = tmp_path / "tickets.jsonl"
    path.write_text("".join(json.dumps({"body": f"ticket {i}"}) + "\n" for i in range(50)))
    spec = DatasetSpec(str(path), text_column="body", labels=("billing", "bug", "other"))
    corpus = load_corpus(spec)
    assert not corpus.labelled and corpus.eval_origin == "human" and corpus.eval_texts == ()
    assert (corpus.train_labels == -1).all() and len(corpus.train_texts) == 50


def test_no_eval_split_carves_a_stratified_seeded_share(tmp_path):
    rows = [(f"text {i}", ["a", "b", "c"][i % 3]) for i in range(300)]
    path = _csv(tmp_path / "data.csv", rows)
    spec = DatasetSpec(str(path), label_column="category", eval_share=0.2, random_seed=3)
    one, two = load_corpus(spec), load_corpus(spec)
    assert one.eval_origin == "carved" and len(one.eval_texts) == 60 and len(one.train_texts) == 240
    assert np.bincount(one.eval_labels).tolist() == [20, 20, 20]
    assert one.eval_texts == two.eval_texts and not set(one.eval_texts) & set(one.train_texts)


def test_empty_texts_are_dropped_and_counted_and_missing_labels_are_unlabelled(tmp_path):
    rows = [("", "a"), ("   ", "b"), ("kept", "a"), ("no label", None), ("other", "b")] * 4
    corpus = load_corpus(DatasetSpec(_csv(tmp_path / "d.csv", rows).as_posix(), label_column="category"))
    assert corpus.dropped_empty == 8
    assert (corpus.train_labels == -1).sum() == 4 and (corpus.eval_labels >= 0).all()


@pytest.mark.parametrize(
    ("spec_kwargs", "message"),
    [
        ({"text_column": "body"}, "no text column 'body' \\(columns: text, category\\); set HLOOP_TEXT_COLUMN"),
        ({"label_column": "topic", "label_column_required": True}, "no label column 'topic'.*HLOOP_LABEL_COLUMN"),
        ({}, "no label column 'label'.*HLOOP_LABELS"),
        ({"train_split": "training"}, "no split 'training' \\(splits: train\\)"),
    ],
)
def test_clear_errors_name_what_to_change(tmp_path, spec_kwargs, message):
    path = _csv(tmp_path / "d.csv", TRAIN)
    with pytest.raises(DatasetUnavailableError, match=message):
        load_corpus(DatasetSpec(str(path), **spec_kwargs))


def test_a_single_label_is_refused(tmp_path):
    path = _csv(tmp_path / "d.csv", [("x", "same"), ("y", "same")])
    with pytest.raises(DatasetUnavailableError, match="at least two labels"):
        load_corpus(DatasetSpec(str(path), label_column="category"))


def test_unreadable_and_missing_files(tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"not a parquet file")
    with pytest.raises(DatasetUnavailableError, match="Could not read"):
        load_corpus(DatasetSpec(str(bad)))
    with pytest.raises(DatasetUnavailableError, match="does not exist"):
        load_corpus(DatasetSpec(str(tmp_path / "nowhere.csv")))
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(DatasetUnavailableError, match=".csv, .tsv, .jsonl or .parquet"):
        load_corpus(DatasetSpec(str(odd)))


def test_unreachable_hub_names_the_setting(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach the Hub")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DatasetUnavailableError, match="set HLOOP_DATASET to a local"):
        load_corpus(DatasetSpec("someone/some_dataset"))


def test_integer_labels_get_their_demo_names_only_for_the_known_dataset(tmp_path):
    for folder in ("ag_news", "other_news"):
        (tmp_path / folder).mkdir()
        for name in ("train", "test"):
            frame = pd.DataFrame({"text": [f"{name} text {i}" for i in range(8)], "label": [i % 4 for i in range(8)]})
            frame.to_parquet(tmp_path / folder / f"{name}.parquet")
    assert load_corpus(DatasetSpec(str(tmp_path / "other_news"))).label_set.names == ("0", "1", "2", "3")
    assert load_corpus(DatasetSpec(str(tmp_path / "ag_news"))).label_set.names[3] == "Sci/Tech"


def test_trec_loads_with_string_labels(trec_dir):
    corpus = load_corpus(DatasetSpec(str(trec_dir), label_column="coarse_label"))
    assert corpus.label_set.names == ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM")
    assert corpus.eval_origin == "split" and len(corpus.eval_texts) == 499 and len(corpus.train_texts) == 5444


def test_integer_labels_that_are_not_positions_keep_their_values(tmp_path):
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps({"review": f"review {i}", "stars": 1 + i % 5}) + "\n" for i in range(50)))
    corpus = load_corpus(DatasetSpec(str(path), text_column="review", label_column="stars"))
    assert corpus.label_set.names == ("1", "2", "3", "4", "5")
    stars = [int(corpus.label_set.names[i]) for i in np.concatenate([corpus.train_labels, corpus.eval_labels])]
    by_text = {f"review {i}": 1 + i % 5 for i in range(50)}
    assert stars == [by_text[t] for t in (*corpus.train_texts, *corpus.eval_texts)]
