"""The whole loop through the API for scripts: predict, correct, label the queue, retrain, see v2."""

from __future__ import annotations

import csv
from pathlib import Path


def test_predict_feedback_queue_retrain_reaches_v2(client):
    guess = client.predict("the match goal season coach team", api_name="/predict")
    assert set(guess["confidences"]) == {"alpha", "beta", "gamma", "delta"}
    assert guess["label"] == max(guess["confidences"], key=guess["confidences"].get)
    assert guess["model_version"] == 1

    saved = client.predict("a brand new text about the election", "alpha", "ana", api_name="/feedback")
    assert saved["label_id"] > 0 and saved["source"] == "correction" and saved["labels_since_retrain"] == 1

    item = client.predict("ana", "least_confidence", api_name="/next_item")
    assert {"example_id", "text", "prediction", "confidence", "claim_expires_at"} <= set(item)
    assert "gold" not in item and "label" not in item
    labelled = client.predict(item["example_id"], "gamma", "ana", api_name="/submit_label")
    assert labelled["labels_total"] == 2 and labelled["labels_since_retrain"] == 2

    card = client.predict(2.0, api_name="/retrain")
    assert card["version"] == 2 and card["parent"] == 1 and card["training"]["human_labels"] == 2
    assert client.predict(0, api_name="/metrics")["version"] == 2
    assert client.predict(1, api_name="/metrics")["current"] is False
    assert [c["version"] for c in client.predict(api_name="/versions")] == [1, 2]
    assert client.predict(api_name="/model_version")["version"] == 2
    assert client.predict(api_name="/counters")["labels_since_retrain"] == 0


def test_export_returns_the_labels_as_a_file(client):
    client.predict("a brand new text about the election", "alpha", "ana", api_name="/feedback")
    path = Path(client.predict("csv", False, api_name="/export"))
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [(r["text"], r["label"], r["annotator"]) for r in rows] == [
        ("a brand new text about the election", "alpha", "ana")
    ]


def test_skip_undo_and_relabel(client):
    first = client.predict("ana", api_name="/next_item")
    assert client.predict(first["example_id"], "ana", api_name="/skip")["skipped"] is True
    second = client.predict("ana", api_name="/next_item")
    assert second["example_id"] != first["example_id"]
    client.predict(second["example_id"], "beta", "ana", api_name="/submit_label")
    changed = client.predict(second["example_id"], "alpha", "ana", api_name="/label")
    assert changed["label"] == "alpha" and changed["example_id"] == second["example_id"]
    undone = client.predict("ana", api_name="/undo")
    assert undone["undone"] is True and undone["label"] == "alpha"
    events = client.predict(10, api_name="/history")
    assert [(e["label"], e["undone"]) for e in events] == [("alpha", True), ("beta", False)]
