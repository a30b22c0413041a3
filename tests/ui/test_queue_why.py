"""The Label queue says why the model guesses what it does for the shown item."""

from __future__ import annotations

from hloop.services import Services
from hloop.ui.queue_lines import why_line
from tests.conftest import corpus_of, settings_in


def test_the_queue_shows_the_words_behind_the_guess_and_nothing_without_an_item(tmp_path):
    services = Services(settings_in(tmp_path, seed_size=40), corpus=corpus_of(60))
    services.train()
    item = services.next_item("ana")
    line = why_line(services, item)
    words = [c["feature"] for c in services.explain(item.text, top=5)["contributions"]]
    assert line.startswith("Words behind the guess: ") and words and all(w in line for w in words)
    assert why_line(services, None) == ""


def test_a_model_of_embeddings_is_explained_by_the_nearest_labelled_text(tmp_path):
    services = Services(settings_in(tmp_path, seed_size=40, model="embed-lr"), corpus=corpus_of(60))
    services.train()
    services.embeddings.ensure()
    item = services.next_item("ana")
    line = why_line(services, item)
    assert "Words" not in line and "Most like a labelled **" in line
