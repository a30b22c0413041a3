"""User mistakes come back as errors that say what to do, and nothing is half-stored."""

from __future__ import annotations

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from hloop.core.labels import MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("api_name", "args", "message"),
    [
        ("/predict", ("   ",), "Text is empty"),
        ("/predict", ("x" * (MAX_TEXT_CHARS + 1),), "the limit is"),
        ("/feedback", ("", "alpha", "ana"), "Text is empty"),
        ("/feedback", ("some new text", "Cooking", "ana"), "Unknown label 'Cooking'"),
        ("/feedback", ("some new text", "alpha", "  "), "Annotator name"),
        ("/next_item", ("ana", "most_fun"), "Unknown strategy"),
        ("/metrics", (9,), "No model version 9"),
        ("/rollback", (9,), "No model version 9"),
        ("/undo", ("nobody",), "nobody"),
    ],
)
def test_bad_input_is_an_error_and_stores_nothing(client, api_name, args, message):
    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name=api_name)
    assert client.predict(api_name="/counters")["labels_total"] == 0
    assert client.predict(api_name="/model_version")["version"] == 1


def test_retrain_without_new_labels_says_to_label_first(client):
    with pytest.raises(AppError, match="No new human labels"):
        client.predict(1.0, api_name="/retrain")
    assert client.predict(api_name="/model_version")["versions"] == [1]


def test_label_of_an_item_held_by_someone_else_is_refused(client):
    item = client.predict("ana", api_name="/next_item")
    with pytest.raises(AppError, match="do not hold item"):
        client.predict(item["example_id"], "alpha", "ben", api_name="/submit_label")
    assert client.predict(api_name="/counters")["labels_total"] == 0


def test_expired_claim_is_refused(launch, services, settings):
    from gradio_client import Client

    settings.claim_minutes = 1e-6  # every claim is already over when the label arrives
    services.train()
    client = Client(launch(services), verbose=False)
    item = client.predict("ana", api_name="/next_item")
    with pytest.raises(AppError, match="expired"):
        client.predict(item["example_id"], "alpha", "ana", api_name="/submit_label")
    assert client.predict(api_name="/counters")["labels_total"] == 0


def test_malformed_upload_is_an_error_and_imports_nothing(client, tmp_path):
    upload = tmp_path / "texts.csv"
    upload.write_text("headline,body\nno text column here,at all\n", encoding="utf-8")
    with pytest.raises(AppError, match="no 'text' column"):
        client.predict(handle_file(str(upload)), api_name="/ui_import")


def test_upload_report_counts_added_duplicate_and_rejected_rows(client, tmp_path):
    upload = tmp_path / "texts.jsonl"
    upload.write_text(
        '{"text": "a fresh headline"}\n{"text": "a fresh headline"}\nnot json\n{"body": "x"}\n', encoding="utf-8"
    )
    report, rejected = client.predict(handle_file(str(upload)), api_name="/ui_import")
    assert "**1** added" in report and "**1** duplicates" in report and "**2** rejected" in report
    assert rejected["visible"] is True, "the rejections table shows once there are rejections"
    assert [row[0] for row in rejected["value"]["data"]] == [3, 4]
