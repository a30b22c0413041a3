"""Typed edge values: what each parser accepts, and the one-line message for what it refuses."""

import math

import pytest

from hloop.core import values
from hloop.core.errors import InvalidInputError

MAX_ID = 2**63 - 1


@pytest.mark.parametrize(
    ("parse", "raw", "expected"),
    [
        (values.parse_example_id, 12, 12),
        (values.parse_example_id, "12", 12),
        (values.parse_example_id, 12.0, 12),
        (values.parse_example_id, MAX_ID, MAX_ID),
        (values.parse_version, 0, 0),
        (values.parse_version, "3", 3),
        (values.parse_limit, 1000, 1000),
        (values.parse_weight, 100, 100.0),
        (values.parse_weight, "0.5", 0.5),
        (values.parse_seed, 0, 0),
        (values.parse_fraction, 1, 1.0),
        (values.parse_text, "  café ", "  café "),
        (values.parse_name, None, ""),
        (values.parse_annotator, "  ana ", "ana"),
        (values.parse_annotator, " " + "x" * 100 + " ", "x" * 100),
        (lambda raw: values.parse_annotator(raw, optional=True), None, ""),
        (lambda raw: values.parse_annotator(raw, optional=True), "  ", ""),
        (values.parse_label, "alpha", "alpha"),
        (values.parse_label, 2, 2),
        (values.parse_flag, False, False),
    ],
)
def test_good_values_pass(parse, raw, expected):
    assert parse(raw) == expected


@pytest.mark.parametrize(
    ("parse", "raw", "message"),
    [
        (values.parse_example_id, 1.7, "Example id must be a whole number"),
        (values.parse_example_id, 2**63, "Example id must be a whole number from 1 to"),
        (values.parse_example_id, 2**64 + 1, "got 18446744073709551617"),
        (values.parse_example_id, "abc", "got 'abc'"),
        (values.parse_example_id, None, "got None"),
        (values.parse_example_id, True, "got True"),
        (values.parse_example_id, 0, "from 1"),
        (values.parse_example_id, -5, "from 1"),
        (values.parse_example_id, math.inf, "Example id"),
        (values.parse_example_id, "1" * 5000, "Example id"),
        (values.parse_example_id, [1], "Example id"),
        (values.parse_version, "v2", "Version must be a whole number"),
        (values.parse_version, -1, "Version"),
        (values.parse_version, 2.5, "Version"),
        (values.parse_limit, 0, "Limit must be a whole number from 1 to 1000"),
        (values.parse_limit, 1001, "Limit"),
        (values.parse_limit, "ten", "Limit"),
        (values.parse_weight, 0, "Feedback weight must be a number from 0.001 to 100"),
        (values.parse_weight, 100.5, "Feedback weight"),
        (values.parse_weight, 1e-300, "Feedback weight"),  # the setting's floor holds for every caller
        (values.parse_weight, math.nan, "Feedback weight"),
        (values.parse_weight, math.inf, "Feedback weight"),
        (values.parse_weight, "heavy", "Feedback weight"),
        (values.parse_weight, False, "Feedback weight"),
        (values.parse_seed, -1, "Seed"),
        (values.parse_count, 0, "Count"),
        (values.parse_fraction, 1.5, "Fraction"),
        (values.parse_text, None, "Text must be a string"),
        (values.parse_text, 42, "Text must be a string"),
        (values.parse_text, "ok \ud800 not", r"lone surrogate U\+D800 at position 3"),
        (values.parse_text, "\udcff", r"lone surrogate U\+DCFF"),
        (values.parse_name, 7, "Name must be a string"),
        (values.parse_name, "x" * 101, "Name must be at most 100 characters"),
        (values.parse_annotator, 7, "Annotator name must be a string"),
        (values.parse_annotator, "ana\udc80", "Annotator name contains an invalid character"),
        (values.parse_annotator, "x" * 101, "Annotator name must be at most 100 characters; got 101"),
        (values.parse_annotator, "  ", "Annotator name must be 1-100 characters; enter your name"),
        (values.parse_annotator, None, "Annotator name must be 1-100 characters"),
        (values.parse_label, None, "Label must be a label name or index"),
        (values.parse_label, 1.5, "Label must be a label name or index"),
        (values.parse_label, "alpha\ud83d", "Label contains an invalid character"),
        (values.parse_flag, "yes", "must be true or false"),
        (values.parse_flag, 1, "must be true or false"),
    ],
)
def test_bad_values_are_refused_with_one_line(parse, raw, message):
    with pytest.raises(InvalidInputError, match=message) as caught:
        parse(raw)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_check_text_passes_valid_text_and_refuses_lone_surrogates():
    assert values.check_text("emoji 😀 and accents é") == "emoji 😀 and accents é"
    with pytest.raises(InvalidInputError, match="position 2"):
        values.check_text("ab\udfff")
    text_with_newline = "line one\nline two \ud800"
    with pytest.raises(InvalidInputError) as caught:
        values.check_text(text_with_newline)
    assert "\n" not in str(caught.value)
