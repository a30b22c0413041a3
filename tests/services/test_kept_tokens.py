"""The pool's background scoring keeps each text's tokens once: a new version scores the pool from them (no text
tokenized again) with the probabilities tokenizing gives."""

from __future__ import annotations

import numpy as np
import pytest

from hloop.services import Services
from labeling import store
from tests.conftest import corpus_of, settings_in
from training.pipeline import full_probabilities
from training.token_store import TokenStore, read_range, tokens_folder


def _kept(services: Services) -> tuple[int, int]:
    """(texts with kept tokens, segments) of the project's tokens folder."""
    folder = tokens_folder(services.embeddings.folder)
    model = services.project.registry.load(services.project.registry.current_version())
    reading = {"lowercase": True, "strip_accents": None, "token_pattern": model.named_steps["tfidf"].token_pattern}
    owner = services.embeddings.owner()
    ids, _ = read_range(folder, reading, owner, 0, 10**12)
    return ids.size, len(TokenStore(folder, reading, owner).segments())


@pytest.mark.slow  # two worker processes start: about 20 s
def test_a_new_version_scores_the_pool_from_tokens_kept_by_the_first_scoring(tmp_path):
    settings = settings_in(
        tmp_path, model="tfidf-lr", scoring_processes=1, inline_scoring_rows=0, scoring_chunk_rows=25, embeddings="none"
    )
    services = Services(settings, corpus=corpus_of(30))
    services.train()
    first = services.wait_for_scoring()  # in a worker process: tokenizes the pool and keeps the tokens
    assert _kept(services) == (first.ids.size, 1)
    for _ in range(4):
        item = services.next_item("ana")
        services.submit_label(item.example_id, item.prediction, "ana")
    assert services.retrain(force=True).version == 2
    second = services.wait_for_scoring()
    assert second.version == 2
    assert _kept(services) == (first.ids.size, 1), "every pool text's tokens were kept: none tokenized again"
    with services.project.session() as session:
        rows = dict(store.texts_in_id_range(store.QUEUE_ORIGINS, 0, 10**12, session=session))
    model = services.project.registry.load(2)
    expected = full_probabilities(model, [rows[int(i)] for i in second.ids], len(services.project.label_set))
    np.testing.assert_allclose(second.probs, expected, rtol=0, atol=1e-12)
