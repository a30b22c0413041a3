"""The Model tab's picker follows a retrain to the newest version, and Promote anyway is enabled only for a
held-back version, with a message that points to the tab's own controls."""

from __future__ import annotations

from dataclasses import replace

import gradio as gr
import pytest

from hloop.ui import model


def test_after_a_retrain_the_picker_shows_the_newest_version(trained):
    trained.feedback("a new text about the league", "beta", "ana")
    trained.retrain()
    trained.rollback(1)
    picked = model.overview(trained, None, newest=True)[1]
    assert picked.value == "v2", "the version just trained, even when it does not serve"
    assert model.overview(trained, None)[1].value == "v1", "otherwise the current one"
    assert model.overview(trained, "v2")[1].value == "v2", "a picked version is kept"


def test_promote_is_enabled_only_for_a_held_back_version_that_does_not_serve(trained):
    card = trained.card()
    assert model.promotable(card)["interactive"] is False
    held = replace(card, status="held back", version=card.version + 1, current=False)
    assert held.held_back and model.promotable(held)["interactive"] is True
    assert model.promotable(None)["interactive"] is False
    assert model.version_view(trained, "v1")[-1]["interactive"] is False


def test_promoting_a_version_that_is_not_held_back_says_what_to_use_instead(trained):
    with pytest.raises(gr.Error, match="Make this version current") as caught:
        model.promote(trained, "v1")
    assert "python -m hloop" not in str(caught.value)
    assert "above" in " ".join(model.gate_lines(replace(trained.card(), status="held back", version=9, current=False)))


def test_the_per_label_table_follows_the_confusion_matrix_order_and_tables_round(trained):
    card = trained.card()
    rows = [
        line.split("|")[1].strip()
        for line in model.metrics_text(card).splitlines()
        if line.startswith("| ") and not line.startswith(("| label", "| ---"))
    ]
    assert rows == list(card.metrics.confusion_matrix.labels) == list(trained.label_set.names)
    from hloop.ui import review

    row = review.suspect_rows([{"example_id": 1, "label": "alpha", "annotator": "ana", "suggestion": "beta",
                                "score": 0.8303947368421053, "reason": "model", "text": "t"}])[0]  # fmt: skip
    assert row[4] == 0.83
    assert model.version_row(card)[model.COLUMNS.index("accuracy")] == round(card.metrics.accuracy, 3)
