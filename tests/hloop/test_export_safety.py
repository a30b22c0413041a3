"""CSV exports neutralise spreadsheet formulas (OWASP), JSONL stays exact, and a failed write leaves nothing."""

import csv
import json

import pytest

from hloop.data.files import spreadsheet_safe, write_records

FORMULAS = [
    "=1+1",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\t12",
    "\r",
    '  =HYPERLINK("http://x")',
    "\n+1",
    '"=1+1',
    "'=1+1",
    "\u00a0=1",
    "\uff1dSUM(A1)",
    "- a list item",
]
# Compatibility and look-alike forms of = + - @, and invisible characters before a formula (issue 15)
HIDDEN_FORMULAS = [
    "\ufe66SUM(A1)",  # small equals sign
    "\u207c1+1",  # superscript equals sign
    "\ufe62cmd|' /C calc'!A0",  # small plus sign
    "\ufe63cmd",  # small hyphen-minus
    "\u208a1",  # subscript plus sign
    "\u2212 1+1",  # minus sign
    "\u2013 1",  # en dash
    "\ufe6bSUM(A1)",  # small commercial at
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # byte-order mark
    "\x00=1+1",  # NUL
    "\u2060\u200d+1",  # word joiner, zero-width joiner
    "\u00ad@SUM(A1)",  # soft hyphen
    "\u3164=1",  # Hangul filler
    "\u0301=1",  # a combining mark with nothing to combine with
    "\u200b\uff02\ufe66 1",  # invisible, a full-width quote, then a small equals sign
]
LEFT_ALONE = [
    "\u200bplain",
    "\ufeffheadline",
    "x\ufe66y",
    "\u2460 first",
    "plain headline",
    "",
    "3 = 1 + 2",
    "mid @ sign",
    "-12",
    "-12.5",
    "+3",
    "1e5",
    "-.5",
    "2024-01-01",
]


@pytest.mark.parametrize("text", FORMULAS + HIDDEN_FORMULAS)
def test_text_that_could_start_a_formula_gets_a_leading_quote(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", [*LEFT_ALONE, -3, -0.25, 7, None, True])
def test_numbers_and_ordinary_text_are_unchanged(value):
    assert spreadsheet_safe(value) == value


def test_csv_cells_are_neutralised_and_numbers_stay_numbers(tmp_path):
    records = [
        {"text": text, "annotator": "@admin", "label": "alpha", "model_confidence": -0.5, "example_id": i}
        for i, text in enumerate(FORMULAS)
    ]
    columns = list(records[0])
    for name in ("labels.csv", "labels.tsv"):
        path = tmp_path / name
        assert write_records(path, records, columns) == len(FORMULAS)
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t" if name.endswith(".tsv") else ","))
        assert [row["text"] for row in rows] == ["'" + text for text in FORMULAS]
        assert {row["annotator"] for row in rows} == {"'@admin"}
        assert {row["model_confidence"] for row in rows} == {"-0.5"}
        assert [row["example_id"] for row in rows] == [str(i) for i in range(len(FORMULAS))]


def test_jsonl_stays_exact(tmp_path):
    records = [{"text": text, "annotator": "@admin"} for text in FORMULAS]
    path = tmp_path / "labels.jsonl"
    write_records(path, records, ["text", "annotator"])
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == records


def test_services_export_neutralises_texts_and_annotator_names(trained, tmp_path):
    trained.feedback('=HYPERLINK("http://evil","click") shares profit', "gamma", "+ana")
    trained.feedback("@SUM(1+1) match goal", "beta", "-bob")
    trained.export(tmp_path / "labels.csv")
    with (tmp_path / "labels.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {row["text"][:2] for row in rows} == {"'=", "'@"}
    assert {row["annotator"] for row in rows} == {"'+ana", "'-bob"}
    trained.export(tmp_path / "labels.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {row["annotator"] for row in lines} == {"+ana", "-bob"}


def test_a_failed_write_leaves_no_file_behind(tmp_path):
    def records():
        yield {"text": "one"}
        raise RuntimeError("the store went away")

    with pytest.raises(RuntimeError):
        write_records(tmp_path / "labels.csv", records(), ["text"])
    assert list(tmp_path.iterdir()) == []
