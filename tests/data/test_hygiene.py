"""The pieces of dataset hygiene: text cleaning and label spellings (whole datasets: test_messy_data.py)."""

from __future__ import annotations

import pytest

from hloop.core.labels import MAX_TEXT_CHARS
from hloop.data.hygiene import clean_texts, label_spellings


@pytest.mark.parametrize(
    ("raw", "clean", "changed"),
    [
        ("back\x08space", "backspace", 1),
        ("nul\x00 and escape\x1b[0m", "nul and escape[0m", 1),
        ("vertical\x0btab and form\x0cfeed", "vertical tab and form feed", 1),  # word separators: a space
        ("lone \ud800 surrogate", "lone  surrogate", 1),
        ("two\r\nlines\rand a\ttab", "two\nlines\nand a\ttab", 0),  # line breaks and tabs are text
        ("  plain text  ", "plain text", 0),
        (None, "", 0),
    ],
)
def test_control_characters_go_and_line_breaks_stay(raw, clean, changed):
    texts, report = clean_texts([raw])
    assert texts == [clean] and report.controls_stripped == changed


def test_texts_over_the_limit_are_cut_to_it_and_counted():
    texts, report = clean_texts(["x" * (MAX_TEXT_CHARS + 1), "y" * MAX_TEXT_CHARS])
    assert [len(t) for t in texts] == [MAX_TEXT_CHARS, MAX_TEXT_CHARS] and report.truncated == 1


def test_label_spellings_merge_case_and_spacing_into_the_most_written_one():
    values = ["Sports", " sports ", "sports", "sports", "Sci  Tech", "sci tech", "World"]
    names, merges = label_spellings(values)
    assert names == ("Sci Tech", "World", "sports")  # a tie (1 each) keeps the first in sorted order
    assert merges == (("Sci Tech", ("sci tech",)), ("sports", ("Sports",)))


def test_a_label_column_of_lists_is_one_clear_error(tmp_path):
    import json

    from hloop.core.errors import DatasetUnavailableError
    from hloop.data.corpus import DatasetSpec, load_corpus

    path = tmp_path / "tags.jsonl"
    path.write_text(
        "".join(json.dumps({"text": f"package {i}", "tags": ["a", "b"][: 1 + i % 2]}) + "\n" for i in range(9))
    )
    with pytest.raises(DatasetUnavailableError, match="Column 'tags' .* holds lists of labels .* one label per text"):
        load_corpus(DatasetSpec(str(path), label_column="tags"))
