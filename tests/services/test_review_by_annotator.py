"""The Review list filtered by who gave the labels: one person's deliberately wrong labels can be reviewed on their
own, whatever the model's ranking of everyone else's."""

from __future__ import annotations

from hloop.services import Services
from hloop.ui import review
from tests.conftest import corpus_of, settings_in


def test_suspects_of_one_annotator(tmp_path):
    corpus = corpus_of(40)
    services = Services(settings_in(tmp_path), corpus=corpus)
    services.train()
    row_of = {t.strip(): i for i, t in enumerate(corpus.train_texts)}
    n = len(services.label_set)
    for who, shift in (("saboteur", 1), ("honest", 0), ("saboteur", 1), ("honest", 0)) * 6:
        item = services.next_item(who)
        services.submit_label(item.example_id, (int(corpus.train_labels[row_of[item.text]]) + shift) % n, who)
    assert services.annotators() == ["honest", "saboteur"], "most labels first, then by name"
    theirs = services.suspects(50, annotator="saboteur")
    assert theirs and {s["annotator"] for s in theirs} == {"saboteur"}
    assert len(theirs) >= 8, "most of the 12 wrong labels are suspects"
    assert services.suspects(50, annotator="nobody") == []
    first, _text, _info, rows, _note = review.show(services, "", "saboteur")
    assert first["annotator"] == "saboteur" and all(row[2] == "saboteur" for row in rows)
    assert review.show(services, "", "nobody")[2] == "No suspect labels left to review among nobody's labels."
    assert len(review.show(services, "", review.EVERYONE)[3]) >= len(rows)
