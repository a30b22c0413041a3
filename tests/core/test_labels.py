"""Label names and text validation."""

import pytest

from hloop.core.errors import InvalidInputError
from hloop.core.labels import LABELS, MAX_TEXT_CHARS, clean_text, label_id, label_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [("World", 0), ("sports", 1), (" BUSINESS ", 2), ("Sci/Tech", 3), ("sci_tech", 3), (2, 2), ("3", 3)],
)
def test_label_id_accepts_names_and_indices(given, expected):
    assert label_id(given) == expected
    assert label_name(expected) == LABELS[expected]


@pytest.mark.parametrize("bad", ["Politics", "", 4, -1, True, None, 2.0])
def test_unknown_labels_name_the_valid_ones(bad):
    with pytest.raises(InvalidInputError, match="World, Sports, Business, Sci/Tech"):
        label_id(bad)


@pytest.mark.parametrize(
    ("bad", "message"), [("", "empty"), ("   \n\t", "empty"), ("x" * (MAX_TEXT_CHARS + 1), "limit"), (None, "string")]
)
def test_clean_text_rejects_empty_oversized_and_non_text(bad, message):
    with pytest.raises(InvalidInputError, match=message):
        clean_text(bad)


def test_clean_text_strips_and_keeps_content():
    assert clean_text("  Stocks rally  ") == "Stocks rally"
    assert clean_text("x" * MAX_TEXT_CHARS) == "x" * MAX_TEXT_CHARS
