"""Multi-label label columns (issue 21, part 1): every way a set is written reads as the same sorted names, a
missing cell is unlabelled and an empty list a text with no label, and bad cells say what is wrong."""

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from hloop.core.errors import DatasetUnavailableError
from hloop.core.labels import LabelSet
from hloop.data.label_sets import holds_lists, label_set_cell, label_set_cells, set_label_names, to_indicator


@pytest.mark.parametrize(
    "cell",
    [["bug", "billing"], ("billing", "bug"), np.array(["bug", "billing"]), '["bug", "billing"]', ' ["billing","bug"] '],
)
def test_lists_arrays_and_json_text_read_as_one_sorted_set(cell):
    assert label_set_cell(cell) == ("billing", "bug")


def test_a_separator_splits_a_string_and_without_one_a_string_is_one_label():
    assert label_set_cell("bug| billing |bug", "|") == ("billing", "bug")
    assert label_set_cell("bug, billing") == ("bug, billing",)
    assert label_set_cell(["bug", " ", "bug"]) == ("bug",)
    assert label_set_cell(7) == ("7",)


@pytest.mark.parametrize("cell", [None, float("nan"), "", "   "])
def test_a_missing_cell_is_unlabelled_and_an_empty_list_is_a_set_with_no_label(cell):
    assert label_set_cell(cell, "|") is None
    assert label_set_cell("[]") == () == label_set_cell([])


def test_broken_json_and_nested_lists_are_refused_with_the_row():
    with pytest.raises(DatasetUnavailableError, match=r"Row 1 of column 'tags'.*not one.*JSON list of names"):
        label_set_cells(['["a"]', '["a", "b"'], column="tags")
    with pytest.raises(DatasetUnavailableError, match=r"Row 0 of column 'tags' holds a list inside"):
        label_set_cells([[["a"], "b"]], column="tags")


def test_a_column_of_lists_is_told_from_a_column_of_single_labels():
    assert holds_lists(["a", None, ["a", "b"]])
    assert holds_lists(["a", '["a"]'])
    assert not holds_lists(["a", "b|c", None, 3])


def test_names_differing_in_case_or_spacing_are_one_label_named_as_most_write_it():
    sets = label_set_cells([["Bug", "billing"], ["bug"], ["bug "], None, []])
    names = set_label_names(sets)
    assert names == ("billing", "bug")
    indicator, labelled = to_indicator(sets, LabelSet(names))
    assert indicator.tolist() == [[True, True], [False, True], [False, True], [False, False], [False, False]]
    assert labelled.tolist() == [True, True, True, False, True]


def test_a_name_outside_the_label_set_is_one_clear_error():
    sets = label_set_cells([["a", "zzz"], ["b", "yyy"], ["zzz"]])
    with pytest.raises(DatasetUnavailableError, match=r"3 label names in column 'tags'.*'zzz', 'yyy'.*HLOOP_LABELS"):
        to_indicator(sets, LabelSet(("a", "b")), column="tags")


def test_the_debtags_copy_reads_as_its_readme_says(debtags_dir):
    frame = pd.read_json(debtags_dir / "train.jsonl", lines=True)
    assert holds_lists(list(frame["tags"]))
    sets = label_set_cells(list(frame["tags"]), column="tags")
    names = set_label_names(sets)
    indicator, labelled = to_indicator(sets, LabelSet(names), column="tags")
    assert len(names) == 25 and labelled.all() and indicator.shape == (3920, 25)
    cardinality = Counter(np.minimum(indicator.sum(axis=1), 3).tolist())
    assert (cardinality[1], cardinality[2], cardinality[3]) == (3249, 545, 126)  # the README's 1 / 2 / 3+
    as_text = label_set_cells([json.dumps(list(t)) for t in frame["tags"]], column="tags")
    assert as_text == sets  # the same sets from a CSV's JSON text
