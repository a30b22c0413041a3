"""The label set (names, parsing by name or number) and text validation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hloop.core.errors import InvalidInputError
from hloop.core.labels import MAX_TEXT_CHARS, LabelSet, clean_text, held_out

LABELS = LabelSet(("billing", "bug", "Feature Request", "other"))


@pytest.mark.parametrize(
    ("given", "expected"),
    [("billing", 0), ("BUG", 1), (" feature   request ", 2), ("Other", 3), (2, 2), ("3", 3)],
)
def test_index_accepts_names_case_insensitively_and_numbers(given, expected):
    assert LABELS.index(given) == expected
    assert LABELS.name(expected) == LABELS.names[expected]


@pytest.mark.parametrize("bad", ["Politics", "", 4, -1, True, None, 2.0, "4"])
def test_unknown_labels_name_the_valid_ones(bad):
    with pytest.raises(InvalidInputError, match="billing, bug, Feature Request, other"):
        LABELS.index(bad)


def test_a_name_that_is_a_number_wins_over_the_position():
    stars = LabelSet(("1", "2", "3", "4", "5"))
    assert stars.index("1") == 0 and stars.index(1) == 1


@pytest.mark.parametrize(
    ("names", "message"),
    [(("only",), "at least two"), ((), "at least two"), (("a", "a "), "named twice"), (("a", "x" * 101), "1-100")],
)
def test_bad_label_sets_are_refused(names, message):
    with pytest.raises(InvalidInputError, match=message):
        LabelSet(names)


def test_names_that_differ_only_in_case_are_kept_apart_and_matched_exactly():
    apart = LabelSet.parse("computers,COMPUTERS,other")  # only HLOOP_LABELS naming both keeps them apart
    assert apart.index("COMPUTERS") == 1 and apart.index(" computers ") == 0 and apart.index("OTHER") == 2
    with pytest.raises(InvalidInputError, match="could be 'computers' and 'COMPUTERS'; write it exactly"):
        apart.index("Computers")


def test_parse_a_comma_separated_list():
    assert LabelSet.parse("billing, bug ,feature request,other,").names == (
        "billing",
        "bug",
        "feature request",
        "other",
    )


@given(st.integers(2, 50))
def test_any_label_count_round_trips(n):
    labels = LabelSet(tuple(f"label {i}" for i in range(n)))
    assert [labels.index(name) for name in labels.names] == list(range(n))
    assert [labels.index(str(i)) for i in range(n)] == list(range(n))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("x" * (MAX_TEXT_CHARS + 1), "limit"),
        (None, "string"),
        ("a\ud800b", "surrogate"),
    ],
)
def test_clean_text_rejects_empty_oversized_non_text_and_lone_surrogates(bad, message):
    with pytest.raises(InvalidInputError, match=message):
        clean_text(bad)


def test_clean_text_strips_and_keeps_content():
    assert clean_text("  Stocks rally  ") == "Stocks rally"
    assert clean_text("x" * MAX_TEXT_CHARS) == "x" * MAX_TEXT_CHARS


def test_held_out_share_is_stable_and_close_to_the_share():
    texts = [f"text number {i}" for i in range(4000)]
    picked = [t for t in texts if held_out(t, 0.2)]
    assert 0.17 < len(picked) / len(texts) < 0.23
    assert picked == [t for t in texts if held_out(t, 0.2)]
    assert all(held_out(t.upper() + "  ", 0.2) for t in picked[:50]), "case and spacing do not change it"
