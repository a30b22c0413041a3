"""Batch prediction: a file of texts in, the same rows out with the label, confidence, every label's probability
and the model version; bad rows kept with their error; bad requests refused before anything is written."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError, NoModelError
from hloop.services import batch

SPORT = "the coach said the team won the league match"


def _csv(path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _read_csv(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_csv_keeps_every_column_and_row_and_adds_the_predictions(trained, tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _csv(
        source,
        [
            ["id", "body", "note"],
            ["a1", SPORT, "first"],
            ["a2", "   ", "empty"],
            ["a3", "=HYPERLINK(1)", "formula"],
            ["a4", "too", "many", "fields"],
            ["a5", "the market stock shares fell", ""],
        ],
    )
    report = trained.predict_file(source, out, text_column="body")
    rows = _read_csv(out)
    assert [r["id"] for r in rows] == ["a1", "a2", "a3", "", "a5"]  # every row, in order (a4's fields unreadable)
    assert list(rows[0])[:3] == ["id", "body", "note"] and list(rows[0])[3:] == trained.prediction_columns()
    assert report.rows == 5 and report.predicted == 3 and report.errors == 2 and report.model_version == 1
    assert [r.row for r in report.rejections] == [3, 5]
    assert rows[1]["prediction_error"].startswith("row 3: Text is empty")
    assert rows[3]["prediction_error"].startswith("row 5: has 4 fields")
    assert rows[2]["body"] == "'=HYPERLINK(1)"  # spreadsheet-safe, as every export
    names = trained.label_set.names
    for row in (rows[0], rows[2], rows[4]):
        probs = np.array([float(row[f"p_{n}"]) for n in names])
        assert row["predicted_label"] == names[int(probs.argmax())] and row["model_version"] == "1"
        assert abs(probs.sum() - 1) < 1e-5 and float(row["confidence"]) == pytest.approx(probs.max())
    single = trained.predict(SPORT)
    assert rows[0]["predicted_label"] == single["label"]
    assert float(rows[0]["confidence"]) == pytest.approx(single["confidence"], abs=1e-6)


def test_jsonl_in_and_out_keeps_each_record_exactly(trained, tmp_path):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    records = [{"text": SPORT, "meta": {"n": [1, 2]}, "score": 0.5}, {"other": 1}, {"text": 7}]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n", encoding="utf-8")
    report = trained.predict_file(source, out)
    back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert report.rows == 4 and report.predicted == 1 and report.errors == 3
    assert back[0]["meta"] == {"n": [1, 2]} and back[0]["score"] == 0.5 and back[0]["prediction_error"] is None
    assert back[1]["other"] == 1 and "no 'text' field" in back[1]["prediction_error"]
    assert back[2]["text"] == 7 and "must be a string" in back[2]["prediction_error"]
    assert "not valid JSON" in back[3]["prediction_error"] and back[3]["predicted_label"] is None


def test_jsonl_to_csv_has_every_key_of_every_record(trained, tmp_path):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.csv"
    source.write_text(json.dumps({"text": SPORT}) + "\n" + json.dumps({"text": SPORT, "late": [1]}) + "\n")
    trained.predict_file(source, out)
    rows = _read_csv(out)
    assert list(rows[0])[:2] == ["text", "late"] and rows[0]["late"] == "" and rows[1]["late"] == "[1]"


def test_chunks_give_the_same_rows_as_one_call(trained, tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    texts = [f"{SPORT} {i}" if i % 3 else f"market stock shares {i}" for i in range(11)]
    _csv(source, [["text"], *([t] for t in texts)])
    trained.predict_file(source, tmp_path / "whole.csv")
    monkeypatch.setattr(batch, "CHUNK_ROWS", 3)
    seen: list[float] = []
    trained.predict_file(source, tmp_path / "chunked.csv", progress=lambda f, _d: seen.append(f))
    assert _read_csv(tmp_path / "chunked.csv") == _read_csv(tmp_path / "whole.csv")
    assert len(seen) == 4 and seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.parametrize(
    ("header", "out_name", "message"),
    [
        (["body"], "out.csv", "no 'text' column"),
        (["text", "predicted_label"], "out.csv", "already has the column(s) 'predicted_label'"),
        (["text", "text"], "out.csv", "twice"),
        (["text"], "out.xlsx", "Unsupported file type"),
        (["text"], "in.csv", "is the input file"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_written(trained, tmp_path, header, out_name, message):
    source = tmp_path / "in.csv"
    _csv(source, [header, ["x"] * len(header)])
    before = source.read_bytes()
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        trained.predict_file(source, tmp_path / out_name)
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "models" and not p.name.startswith("hloop")) == [
        "in.csv"
    ]


def test_a_failed_run_leaves_the_target_as_it_was(trained, tmp_path, monkeypatch):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _csv(source, [["text"], [SPORT], [SPORT + " again"]])
    out.write_text("kept\n")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the model failed mid-file")

    monkeypatch.setattr(batch, "full_probabilities", broken)
    with pytest.raises(RuntimeError):
        trained.predict_file(source, out)
    assert out.read_text() == "kept\n" and [p.name for p in tmp_path.glob(".out.csv*")] == []


def test_before_v1_there_is_nothing_to_predict_with(services, tmp_path):
    source = tmp_path / "in.csv"
    _csv(source, [["text"], [SPORT]])
    with pytest.raises(NoModelError):
        services.predict_file(source, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_predict_texts_gives_one_version_for_a_list(trained):
    result = trained.predict_texts([SPORT, "market stock shares fell"])
    assert result["model_version"] == 1 and len(result["predictions"]) == 2
    assert result["predictions"][0]["label"] == trained.predict(SPORT)["label"]
    assert abs(sum(result["predictions"][1]["confidences"].values()) - 1) < 1e-9
    with pytest.raises(InvalidInputError, match="Text 1 .counting from 0.: Text is empty"):
        trained.predict_texts([SPORT, "  "])
    with pytest.raises(InvalidInputError, match="limit is 1,000"):
        trained.predict_texts([SPORT] * 1001)
    with pytest.raises(InvalidInputError, match="non-empty list"):
        trained.predict_texts([])
