"""Multi-label datasets load into a SetCorpus (issue 21, part 1): JSONL lists, CSV with a separator or JSON text,
repeats voted per label, eval texts kept out of train, eval carved when the dataset has none, clear errors."""

import json

import numpy as np
import pytest

from hloop.core.errors import DatasetUnavailableError
from hloop.data.corpus import DatasetSpec
from hloop.data.set_corpus import cardinality, load_set_corpus


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _sets(corpus, sets):
    return [tuple(corpus.label_set.names[j] for j in np.flatnonzero(row)) for row in sets]


def test_a_folder_of_jsonl_lists_loads_with_repeats_voted_and_eval_kept_out_of_train(tmp_path):
    train = [
        {"body": "refund my card", "tags": ["billing"]},
        {"body": "app crashes on pay", "tags": ["bug", "billing"]},
        {"body": "app crashes on pay", "tags": ["bug"]},  # a repeat: bug (2 of 2), billing (1 of 2) kept
        {"body": "dark mode please", "tags": []},  # a text with no label
        {"body": "hello?", "tags": None},  # unlabelled: joins the pool
        {"body": "login loop", "tags": ["bug"]},  # also in eval: dropped from train
    ]
    folder = tmp_path / "data"
    folder.mkdir()
    _jsonl(folder / "train.jsonl", train)
    _jsonl(folder / "test.jsonl", [{"body": "login loop", "tags": ["bug", "ui"]}, {"body": "x", "tags": None}])
    corpus = load_set_corpus(DatasetSpec(str(folder), text_column="body", label_column="tags"))
    assert corpus.label_set.names == ("billing", "bug", "ui")
    assert corpus.train_texts == ("refund my card", "app crashes on pay", "dark mode please", "hello?")
    assert _sets(corpus, corpus.train_sets) == [("billing",), ("billing", "bug"), (), ()]
    assert corpus.train_labelled.tolist() == [True, True, True, False]
    assert corpus.eval_texts == ("login loop",) and _sets(corpus, corpus.eval_sets) == [("bug", "ui")]
    assert corpus.eval_origin == "split"
    assert (corpus.hygiene.repeats, corpus.hygiene.conflicts, corpus.hygiene.in_both) == (1, 1, 1)


def test_a_csv_with_a_separator_or_json_text_reads_the_same_sets(tmp_path):
    rows = [("a crash", "bug|ui"), ("pay twice", "billing"), ("slow screen", '["ui", "bug"]'), ("nothing", "")]
    path = tmp_path / "tickets.csv"
    path.write_text("text,label\n" + "".join(f'"{t}","{c.replace(chr(34), chr(34) * 2)}"\n' for t, c in rows))
    spec = DatasetSpec(str(path), eval_share=0.5)
    corpus = load_set_corpus(spec, separator="|")
    texts = corpus.train_texts + corpus.eval_texts
    everything = dict(zip(texts, _sets(corpus, np.vstack([corpus.train_sets, corpus.eval_sets])), strict=True))
    assert everything == {
        "a crash": ("bug", "ui"),
        "pay twice": ("billing",),
        "slow screen": ("bug", "ui"),
        "nothing": (),
    }
    labelled = dict(zip(corpus.train_texts, corpus.train_labelled.tolist(), strict=True))
    assert labelled.get("nothing") is False  # an empty CSV cell: unlabelled, in the pool, never carved into eval
    assert corpus.eval_origin == "carved" and len(corpus.eval_texts) >= 1
    assert not set(corpus.eval_texts) & set(corpus.train_texts)
    assert load_set_corpus(spec, separator="|").fingerprint == corpus.fingerprint  # seeded: the same carve


def test_names_outside_hloop_labels_and_a_missing_label_column_are_refused(tmp_path):
    path = tmp_path / "t.jsonl"
    _jsonl(path, [{"text": "a", "label": ["x", "y"]}, {"text": "b", "label": ["z"]}])
    with pytest.raises(DatasetUnavailableError, match=r"not in the label set \(x, y\), e\.g\. 'z'"):
        load_set_corpus(DatasetSpec(str(path), labels=("x", "y")))
    with pytest.raises(DatasetUnavailableError, match="no label column 'tags'.*HLOOP_LABEL_COLUMN"):
        load_set_corpus(DatasetSpec(str(path), label_column="tags"))


def test_the_debtags_copy_loads_as_its_readme_says(debtags_dir):
    corpus = load_set_corpus(DatasetSpec(str(debtags_dir), text_column="description", label_column="tags"))
    assert len(corpus.label_set) == 25 and corpus.eval_origin == "split"
    assert len(corpus.eval_texts) == 979 and corpus.train_labelled.all()
    assert 3900 <= len(corpus.train_texts) <= 3920  # 2 descriptions occur twice
    counts = cardinality(corpus.train_sets)
    assert counts[1] > 3000 and counts[2] > 500 and 0 not in counts  # no text without a label
    assert corpus.hygiene.tied == 1  # "transitional package", 10 copies with 10 different labels: dropped
