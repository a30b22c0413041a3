"""Use-cases: queue claims, submit/skip/undo, corrections, import/export, counters, store checks."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from hloop.core.errors import ClaimError, InvalidInputError, NotFoundError, NothingToTrainError, StoreMismatchError
from labeling.tables import Claim, Label, utcnow


def test_predict_returns_every_topic_and_the_version(trained):
    result = trained.predict("  shares profit market investors earnings ")
    assert result["label"] == "gamma" and result["model_version"] == 1
    assert set(result["confidences"]) == {"alpha", "beta", "gamma", "delta"}
    assert sum(result["confidences"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 20_001])
def test_predict_rejects_bad_text(trained, bad):
    with pytest.raises(InvalidInputError):
        trained.predict(bad)


def test_next_item_claims_and_returns_the_same_item_until_answered(trained):
    first = trained.next_item("ana")
    assert trained.next_item("ana").example_id == first.example_id
    other = trained.next_item("bob")
    assert other.example_id != first.example_id
    result = trained.submit_label(first.example_id, "alpha", "ana")
    assert result.labels_total == 1 and result.labels_since_retrain == 1
    assert trained.next_item("ana").example_id not in (first.example_id, other.example_id)


def test_an_item_is_labelled_once_through_the_queue(trained):
    item = trained.next_item("ana")
    trained.submit_label(item.example_id, "alpha", "ana")
    with pytest.raises(InvalidInputError, match="already labelled"):
        trained.submit_label(item.example_id, "beta", "ana")


def test_submitting_without_the_claim_is_refused(trained):
    item = trained.next_item("ana")
    with pytest.raises(ClaimError, match="do not hold"):
        trained.submit_label(item.example_id, "alpha", "bob")
    with trained.project.session() as session:
        claim = session.get(Claim, item.example_id)
        claim.expires_at = utcnow() - timedelta(seconds=5)
        session.add(claim)
        session.commit()
    with pytest.raises(ClaimError, match="expired"):
        trained.submit_label(item.example_id, "alpha", "ana")
    with trained.project.session() as session:
        assert session.exec(select(Label).where(Label.source == "queue")).first() is None


def test_skip_gives_the_item_to_others_but_not_back(trained):
    item = trained.next_item("ana")
    trained.skip(item.example_id, "ana")
    assert trained.next_item("ana").example_id != item.example_id
    assert trained.next_item("bob").example_id == item.example_id


def test_the_queue_ends_with_none(trained):
    while (item := trained.next_item("ana")) is not None:
        trained.submit_label(item.example_id, item.prediction, "ana")
    assert trained.next_item("ana") is None
    assert trained.counters()["labels_total"] == 100 - len(trained.dev_set()[0])  # issue 10: dev rows leave the pool


def test_queue_scores_are_recomputed_for_a_new_model(trained):
    before = {i.example_id: i.score for i in trained.ranked_pool(n=None)}
    for _ in range(5):
        item = trained.next_item("ana")
        trained.submit_label(item.example_id, item.prediction, "ana")
    trained.retrain()
    after = trained.ranked_pool(n=None)
    assert all(i.model_version == 2 for i in after)
    assert any(abs(before[i.example_id] - i.score) > 1e-9 for i in after)


def test_undo_and_retrain_without_new_labels(trained):
    with pytest.raises(NothingToTrainError, match="No new human labels"):
        trained.retrain()
    correction = trained.feedback("a brand new story about the coach and the goal", "beta", "ana")
    assert correction.event.model_prediction is not None and correction.event.source == "correction"
    undone = trained.undo("ana")
    assert undone.event.undone and undone.event.label_id == correction.event.label_id
    assert trained.counters()["labels_total"] == 0
    with pytest.raises(NotFoundError):
        trained.undo("ana")
    assert trained.retrain(force=True).version == 2


def test_history_lists_events_newest_first(trained):
    trained.feedback("first story about shares", "gamma", "ana")
    trained.feedback("second story about goals", "beta", "bob")
    rows = trained.history()
    assert [r.annotator for r in rows] == ["bob", "ana"]
    assert rows[0].model_version == 1 and rows[0].label == "beta"


def test_import_reports_added_duplicates_and_rejections(trained, tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [
        {"text": "an imported headline about chips"},
        {"text": "an imported headline about chips"},
        {"text": "   "},
        {"other": 1},
        {"text": "x" * 30_000},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    report = trained.import_texts(path)
    assert (report.added, report.duplicates, report.rejected) == (1, 1, 4)
    assert {r.row for r in report.rejections} == {3, 4, 5, 6}
    assert "an imported headline about chips" in {i.text for i in trained.ranked_pool(n=None)}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("in.txt", "text\nx", "Unsupported file type"),
        ("in.csv", "body\nx", "no 'text' column"),
        ("in.csv", b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_malformed_uploads_are_refused_whole(trained, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(InvalidInputError, match=message):
        trained.import_texts(path)


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_export_writes_the_counting_human_labels(trained, tmp_path, suffix):
    trained.feedback("a story about rockets and space", "delta", "ana")
    trained.feedback("a story about rockets and space", "alpha", "ana")
    trained.feedback("another story about shares", "gamma", "bob")
    out = tmp_path / f"labels.{suffix}"
    assert trained.export(out)["labels"] == 2
    assert trained.export(tmp_path / f"all.{suffix}", history=True)["labels"] == 3
    import pandas as pd

    frame = pd.read_csv(out) if suffix == "csv" else pd.read_json(out, lines=True)
    assert frame["label"].tolist() == ["alpha", "gamma"]
    assert frame["text"].tolist() == ["a story about rockets and space", "another story about shares"]


def test_store_built_with_other_settings_is_refused(trained, settings, tiny_corpus):
    from hloop.services import Services

    other = Services(settings.model_copy(update={"random_seed": 5}), corpus=tiny_corpus)
    with pytest.raises(StoreMismatchError, match="random_seed"):
        other.ensure_store()


def test_rollback_to_a_corrupt_version_is_refused(trained):
    (trained.settings.models_dir / "v1" / "model.skops").write_bytes(b"garbage")  # after v1 was loaded and cached
    from hloop.core.errors import ModelIntegrityError

    with pytest.raises(ModelIntegrityError, match="sha256"):
        trained.rollback(1)


def test_a_locked_database_is_a_clear_error_and_loses_nothing(trained):
    import sqlite3

    from hloop.core.errors import StoreBusyError

    trained.feedback("a story kept before the lock", "alpha", "ana")
    from hloop.services import Services

    trained = Services(trained.settings.model_copy(update={"db_timeout": 0.2}), corpus=trained.corpus())
    path = trained.settings.database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StoreBusyError, match="nothing was saved"):
            trained.feedback("a story written during the lock", "beta", "ana")
    finally:
        other.rollback()
        other.close()
    assert [r.label for r in trained.history()] == ["alpha"]
    assert trained.feedback("a story written after the lock", "beta", "ana").labels_total == 2


def test_recent_activity_lists_unlabelled_predictions_and_labels(trained):
    trained.predict("goal match coach story", record_for="ana")
    trained.predict("goal match coach story", record_for="ana")  # the same text twice: one row
    trained.predict("not logged: a script's call")
    trained.feedback("shares market profit story", "gamma", "bob")
    rows = trained.recent_activity()
    assert [(r.source, r.text) for r in rows] == [
        ("correction", "shares market profit story"),
        ("prediction", "goal match coach story"),
    ]
    prediction = rows[1]
    assert prediction.label is None and prediction.model_prediction == "beta"
    assert prediction.annotator == "ana" and prediction.model_version == 1
    trained.feedback("goal match coach story", "alpha", "ana")  # once labelled, it shows as a label
    assert [r.source for r in trained.recent_activity()] == ["correction", "correction"]
