"""QueueItem, LabelEvent, LabelResult and ImportReport, as the services return them, round-trip through the dicts
the API returns (same keys, same order)."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from hloop.core.errors import ImportStoppedError, InvalidInputError
from hloop.core.records import ImportReport, LabelEvent, LabelResult, QueueItem, Rejection
from hloop.services import Services
from labeling import store
from tests.conftest import corpus_of, settings_in


def same(out: dict, d: dict) -> bool:
    """Equal, and keys in the same order (the API's JSON does not change)."""
    return out == d and list(out) == list(d)


@pytest.fixture
def project(tmp_path):
    services = Services(settings_in(tmp_path), corpus=corpus_of(30))
    services.train()
    return services


def test_queue_items_of_next_item_and_ranked_pool_round_trip(project):
    item = project.next_item("ana")
    claimed = item.to_dict()
    assert same(QueueItem.from_dict(claimed).to_dict(), claimed) and QueueItem.from_dict(claimed) == item
    assert item.claim_expires_at is not None and item.model_version == 1
    ranked = project.ranked_pool(n=3)
    assert ranked and all(QueueItem.from_dict(i.to_dict()) == i for i in ranked)
    assert "claim_expires_at" not in ranked[0].to_dict()


def test_label_results_and_history_round_trip(project):
    item = project.next_item("ana")
    result = project.submit_label(item.example_id, 1, "ana")
    submitted = result.to_dict()
    assert same(LabelResult.from_dict(submitted).to_dict(), submitted) and LabelResult.from_dict(submitted) == result
    assert result.event.label == "beta" and result.labels_total == 1
    corrected = project.feedback("a brand new text about shares", 2, "bo")
    assert LabelResult.from_dict(corrected.to_dict()) == corrected
    undone = project.undo("bo")
    assert LabelResult.from_dict(undone.to_dict()) == undone and undone.event.undone and undone.to_dict()["undone"]
    for event in project.history():
        assert same(LabelEvent.from_dict(event.to_dict()).to_dict(), event.to_dict())


def test_a_result_that_trained_a_version_keeps_it(tmp_path):
    services = Services(settings_in(tmp_path, seed_size=0), corpus=corpus_of(30))
    texts, labels = services.corpus().train_texts, services.corpus().train_labels
    trained = None
    for text, label in zip(texts, labels, strict=True):
        try:
            result = services.feedback(text, int(label), "ana")
        except InvalidInputError:  # a dev text: never labelled
            continue
        if result.trained_version is not None:
            trained = result
            break
    assert trained is not None, "the cold start ends once every label has examples"
    assert trained.trained_version == 1 and trained.to_dict()["trained_version"] == 1
    assert LabelResult.from_dict(trained.to_dict()) == trained


def test_import_reports_round_trip_the_stopped_one_too(project, tmp_path, monkeypatch):
    path = tmp_path / "in.csv"
    path.write_text("text\n" + "\n".join([f"text number {i}" for i in range(25)] + ["x" * 200_000]) + "\n")
    report = project.import_texts(path)
    assert ImportReport.from_dict(report.to_dict()) == report and not report.stopped and report.added == 25
    assert "stopped_at_row" not in report.to_dict()
    assert report.rejected == 1 and report.rejections[0].row == 27, "the over-long text, listed"
    project.settings.import_chunk_rows = 10
    again = tmp_path / "again.csv"
    again.write_text("text\n" + "\n".join(f"other text {i}" for i in range(35)) + "\n")

    def disk_full(*args, **kwargs):
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(store, "insert_new_texts", disk_full)
    with pytest.raises(ImportStoppedError) as caught:
        project.import_texts(again)
    stopped = caught.value.report
    assert ImportReport.from_dict(stopped.to_dict()) == stopped and stopped.stopped and stopped.stopped_at_row == 11, (
        "row 1 is the header"
    )
    assert list(stopped.to_dict())[-2:] == ["stopped_at_row", "error"]


def test_rejections_are_typed():
    report = ImportReport.from_dict(
        {"rows": 2, "added": 1, "duplicates": 0, "rejected": 1, "rejections": [{"row": 2, "reason": "empty"}]}
    )
    assert report.rejections == (Rejection(2, "empty"),) and report.error is None


@pytest.mark.parametrize(
    "value",
    [
        QueueItem(1, "t", 1, 0.5, "alpha", 0.9),
        LabelEvent(1, 1, "t", "alpha", "ana", "queue", 1, "beta", 0.6, "2026-01-01T00:00:00+00:00", None, False),
        ImportReport(1, 1, 0, 0),
    ],
)
def test_records_are_frozen(value):
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.text = "changed" if hasattr(value, "text") else value.rows  # type: ignore[misc]
