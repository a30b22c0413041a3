"""Batch prediction through gradio_client: the Predict tab's file event (a file in, a file back) and a list of texts."""

from __future__ import annotations

import csv

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from hloop.ui.predict import predict_upload


def test_a_file_in_and_its_predictions_back(client, tmp_path):
    source = tmp_path / "texts.csv"
    source.write_text("id,text\n7,the coach said the team won the match\n8,\n", encoding="utf-8")
    out = client.predict(handle_file(str(source)), "", api_name="/predict_file")  # "": the project's column
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["7", "8"] and rows[0]["model_version"] == "1" and rows[0]["predicted_label"]
    assert rows[1]["prediction_error"].startswith("row 3: Text is empty")


def test_the_tab_reports_what_it_did(trained, tmp_path):
    source = tmp_path / "texts.jsonl"
    source.write_text('{"text": "the coach said the team won"}\n{"text": ""}\n', encoding="utf-8")
    out, line = predict_upload(trained, str(source), "text", lambda *_a, **_k: None)
    assert out.endswith(".jsonl") and "**2 rows** predicted by **v1**" in line
    assert "**1 without a usable text**" in line and "row 2: Text is empty" in line


def test_a_file_without_the_column_is_one_clear_error(client, tmp_path):
    source = tmp_path / "texts.csv"
    source.write_text("body\nsomething\n", encoding="utf-8")
    with pytest.raises(AppError, match="no 'text' column"):
        client.predict(handle_file(str(source)), "text", api_name="/predict_file")


def test_no_file_chosen_says_so(trained):
    with pytest.raises(Exception, match="Choose a CSV or JSONL file"):
        predict_upload(trained, None, "text", lambda *_a, **_k: None)


def test_a_list_of_texts(client):
    result = client.predict(["the coach said the team won the match", "stocks fell"], api_name="/predict_texts")
    assert result["model_version"] == 1 and len(result["predictions"]) == 2
