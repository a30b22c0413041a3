"""Simulated annotators: parsing, oracle, noisy flips, crowd labels matched by text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hloop.core.errors import DatasetUnavailableError, InvalidInputError
from hloop.experiments.annotators import AnnotatorSpec, crowd_labels, make_annotator, parse_annotator


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("oracle", AnnotatorSpec("oracle")),
        ("Human", AnnotatorSpec("human")),
        ("noisy:0.2", AnnotatorSpec("noisy", 0.2)),
        ("noisy:0", AnnotatorSpec("noisy", 0.0)),
    ],
)
def test_parse_annotator(spec, expected):
    assert parse_annotator(spec) == expected


@pytest.mark.parametrize("bad", ["", "expert", "noisy", "noisy:", "noisy:1.5", "noisy:-0.1", "noisy:x"])
def test_parse_annotator_rejects_unknown_specs(bad):
    with pytest.raises(InvalidInputError, match="oracle, human, or noisy:P"):
        parse_annotator(bad)


def test_oracle_answers_gold():
    gold = np.array([0, 1, 2, 3, 0, 1])
    annotator = make_annotator(parse_annotator("oracle"), gold, seed=0, n_labels=4)
    np.testing.assert_array_equal(annotator.answer(np.array([5, 2, 0])), [1, 2, 0])


def test_noisy_flips_to_a_wrong_label_at_about_the_rate():
    gold = np.tile(np.arange(4), 2500)
    always = make_annotator(parse_annotator("noisy:1"), gold, seed=0, n_labels=4).answer(np.arange(gold.size))
    assert np.all(always != gold) and set(always.tolist()) == {0, 1, 2, 3}
    some = make_annotator(parse_annotator("noisy:0.3"), gold, seed=0, n_labels=4).answer(np.arange(gold.size))
    assert 0.27 < np.mean(some != gold) < 0.33
    never = make_annotator(parse_annotator("noisy:0"), gold, seed=0, n_labels=4).answer(np.arange(gold.size))
    np.testing.assert_array_equal(never, gold)


def test_crowd_labels_match_by_text_and_mark_unknown_rows(tmp_path):
    path = tmp_path / "human.parquet"
    pd.DataFrame({"text": ["b story ", "a story"], "label": [1, 0], "human_label": [2, 3]}).to_parquet(path)
    crowd = crowd_labels(path, ("a story", "c story", "b story"))
    np.testing.assert_array_equal(crowd, [3, -1, 2])
    human = make_annotator(parse_annotator("human"), np.array([0, 1, 1]), seed=0, n_labels=4, crowd=crowd)
    np.testing.assert_array_equal(human.answerable, [True, False, True])
    np.testing.assert_array_equal(human.answer(np.array([0, 2])), [3, 2])


def test_crowd_labels_without_any_match_is_an_error(tmp_path):
    path = tmp_path / "human.parquet"
    pd.DataFrame({"text": ["x"], "label": [0], "human_label": [1]}).to_parquet(path)
    with pytest.raises(DatasetUnavailableError, match="No train text"):
        crowd_labels(path, ("a story",))
    with pytest.raises(DatasetUnavailableError, match="HLOOP_HUMAN_LABELS_FILE"):
        crowd_labels(tmp_path / "missing.parquet", ("a story",))
