"""The tabs' handlers read the typed values the services return: a queue item kept in the page state, the
label result, the Correct tab's events and the import report."""

from __future__ import annotations

import pytest

from hloop.core.records import QueueItem
from hloop.ui import correct, data, predict, queue, queue_lines


def test_the_queue_tab_shows_submits_and_undoes_a_claimed_item(trained):
    item, shown_id, text, guess, why, _counters = queue.next_item(trained, "ana", "default", 0, None)
    assert why.startswith("Words behind the guess:"), "why the model guesses so comes with the item"
    assert isinstance(item, QueueItem) and text == item.text and item.claim_expires_at is not None
    assert shown_id == str(item.example_id), "the page holds the id of the item it shows"
    assert f"Model v1 guesses **{item.prediction}**" in guess and f"Item {item.example_id}, yours until" in guess
    *shown, count = queue.submit(trained, item, shown_id, "beta", "ana", "default", 0, None)
    assert count == 1 and shown[0].example_id != item.example_id
    assert shown[3].startswith(f"Saved **beta** for item {item.example_id}. ")
    # a second key for the item already answered (the page had not shown the next one yet): nothing changes
    *unchanged, count = queue.submit(trained, shown[0], shown_id, "gamma", "ana", "default", count, None)
    assert count == 1 and all(isinstance(o, dict) and o.get("__type__") == "update" for o in unchanged)
    assert [e.label for e in trained.history() if e.source == "queue"] == ["beta"], "no label for the next item"
    assert trained.skip(shown[0].example_id, "ana")["skipped"]
    *back, count = queue.undo(trained, "ana", count, None)
    assert count == 0 and back[0].example_id == item.example_id and back[1] == shown_id, "the undone item is back"
    assert back[3].startswith(f"Undid **beta** on item {item.example_id}") and "back on screen" in back[3]


def test_the_correct_tab_lists_relabels_and_undoes(trained):
    trained.predict("a text shown to ana", record_for="ana")
    status, rows = correct.relabel(trained, None, "a text shown to ana", "gamma", "ana", None)
    assert status.startswith("Example ") and "is now **gamma**" in status
    assert (rows[0][2], rows[0][4], rows[0][5], rows[0][-1]) == ("a text shown to ana", "gamma", "ana", "correction")
    status, rows = correct.undo_last(trained, "ana", None)
    assert status.startswith("Undid label #") and rows[0][-1] == "undone"


def test_a_correction_and_an_import_are_reported(trained, tmp_path):
    assert predict.model_line(trained) == "Model **v1** answers: paste a text and press **Predict**."
    saved = predict.save_correction(trained, "a brand new text about goals", "beta", "bo", None)
    assert saved.startswith("Saved **beta** (label #") and "1 human labels since the last retrain." in saved
    upload = tmp_path / "in.csv"
    upload.write_text("text\na new imported text\na new imported text\n   \n")
    line, rejected = data.import_report(trained, str(upload), lambda *args, **kwargs: None)
    assert line == "Read **3** rows: **1** added to the pool, **1** duplicates, **1** rejected."
    assert [row for row, _reason in rejected] == [4]


def test_the_queue_tab_shows_the_first_item_by_itself_once_there_is_a_name(trained):
    nameless = queue.show_tab(trained, None, "", "default", 0, None)
    assert nameless[0] is None and "Type your name" in nameless[3]
    item, shown_id, text, guess, why, _counters = queue.show_tab(trained, None, "ana", "default", 0, None)
    assert item is not None and shown_id == str(item.example_id) and text == item.text and "guesses" in guess
    assert why.startswith("Words behind the guess:")
    again = queue.show_tab(trained, item, "ana", "default", 0, None)
    assert all(o == {"__type__": "update"} for o in again[:5]), "the item on screen stays"
    bad = queue.show_tab(trained, None, "x" * 101, "default", 0, None)
    assert bad[0] is None and bad[3], "a refused name is said on the page"


def test_the_strategy_list_says_what_each_strategy_does_and_starts_with_the_default():
    from hloop.core.strategies import DEFAULT_STRATEGY, STRATEGIES

    choices = queue_lines.strategy_choices()
    assert [value for _, value in choices][0] == DEFAULT_STRATEGY
    assert {value for _, value in choices} == set(STRATEGIES)
    assert all("_" not in shown for shown, _ in choices), "no internal names on the page"


def test_the_correct_tab_marks_replaced_labels_and_hides_predictions_it_could_never_save(trained):
    eval_text = trained.corpus().eval_texts[0]
    trained.predict(eval_text, record_for="ana")
    trained.predict("a text shown to ana", record_for="ana")
    texts = [row[2] for row in correct.history_rows(trained)]
    assert "a text shown to ana" in texts and eval_text not in texts, "an eval text can never be a correction"
    correct.relabel(trained, None, "a text shown to ana", "gamma", "ana", None)
    _status, rows = correct.relabel(trained, None, "a text shown to ana", "beta", "ana", None)
    mine = [row for row in rows if row[2] == "a text shown to ana" and row[0]]
    assert mine[0][-1] == "correction" and mine[1][-1] == f"replaced by #{mine[0][0]}"


def test_a_refused_change_keeps_the_table(trained):
    with pytest.warns(UserWarning, match="does not exist"):  # a pop-up in the app; a warning outside it
        status, table = correct.refused("Example 999 does not exist.")
    assert status == "**Not changed:** Example 999 does not exist." and table == {"__type__": "update"}


def test_empty_agreement_and_live_quality_panels_say_why_they_are_empty(trained):
    from hloop.ui import review

    pairs, people, line = review.agreement_tables(trained)
    assert (pairs, people) == ([], []) and "set HLOOP_OVERLAP" in line
    versions, people, line = review.live_quality_tables(trained)
    assert versions[0][0] == "v1" and people == [] and line.startswith("No human label has been given")
    item = trained.next_item("ana")
    trained.submit_label(item.example_id, item.prediction, "ana")
    _versions, people, line = review.live_quality_tables(trained)
    assert people == [["ana", 1, 1.0]] and line == "By annotator: the labels given since v1 (current) was trained."
