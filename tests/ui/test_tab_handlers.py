"""The tabs' handlers read the typed values the services return: a queue item kept in the page state, the
label result, the Correct tab's events and the import report."""

from __future__ import annotations

from hloop.core.records import QueueItem
from hloop.ui import correct, data, predict, queue


def test_the_queue_tab_shows_submits_and_undoes_a_claimed_item(trained):
    item, text, guess, _counters = queue.next_item(trained, "ana", "default", 0, None)
    assert isinstance(item, QueueItem) and text == item.text and item.claim_expires_at is not None
    assert f"Model v1 guesses **{item.prediction}**" in guess and f"Item {item.example_id}, yours until" in guess
    *shown, count = queue.submit(trained, item, "beta", "ana", "default", 0, None)
    assert count == 1 and shown[0].example_id != item.example_id
    assert shown[2].startswith(f"Saved **beta** for item {item.example_id}. ")
    assert trained.skip(shown[0].example_id, "ana")["skipped"]
    line, _counters, count = queue.undo(trained, "ana", count, None)
    assert count == 0 and line.startswith(f"Undid **beta** on item {item.example_id}")


def test_the_correct_tab_lists_relabels_and_undoes(trained):
    trained.predict("a text shown to ana", record_for="ana")
    status, rows = correct.relabel(trained, None, "a text shown to ana", "gamma", "ana", None)
    assert status.startswith("Example ") and "is now **gamma**" in status
    assert (rows[0][2], rows[0][4], rows[0][5], rows[0][-1]) == ("a text shown to ana", "gamma", "ana", "correction")
    status, rows = correct.undo_last(trained, "ana", None)
    assert status.startswith("Undid label #") and rows[0][-1] == "undone"


def test_a_correction_and_an_import_are_reported(trained, tmp_path):
    saved = predict.save_correction(trained, "a brand new text about goals", "beta", "bo", None)
    assert saved.startswith("Saved **beta** (label #") and "1 human labels since the last retrain." in saved
    upload = tmp_path / "in.csv"
    upload.write_text("text\na new imported text\na new imported text\n   \n")
    line, rejected = data.import_report(trained, str(upload), lambda *args, **kwargs: None)
    assert line == "Read **3** rows: **1** added to the pool, **1** duplicates, **1** rejected."
    assert [row for row, _reason in rejected] == [4]
