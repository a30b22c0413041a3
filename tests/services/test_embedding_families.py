"""A version of an embedding family is trained, gated, evaluated and scores the pool from the stored vectors: no
stored text is embedded again; its explanation lists the nearest labelled texts."""

from __future__ import annotations

from sqlmodel import select

from hloop.services import Services
from labeling.tables import Example
from tests.conftest import corpus_of, settings_in
from tests.services.test_embeddings import other_spec, spec  # noqa: F401 (fixtures)
from training.embeddings import shared_embedder


def test_an_embedding_family_never_embeds_a_stored_text_again(tmp_path, spec, monkeypatch):  # noqa: F811
    settings = settings_in(tmp_path, embeddings=spec, model="embed-centroid", scoring_processes=0)
    services = Services(settings, corpus=corpus_of(12))
    services.embed_texts()
    with services.project.session() as session:
        stored = {e.text for e in session.exec(select(Example))}
    embedder, embedded = shared_embedder(spec), []
    original = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts, *a, **k: embedded.extend(texts) or original(texts, *a, **k))
    card = services.train()
    assert card.model_family == "embed-centroid" and not stored.intersection(embedded)
    pool = [t for t in services.corpus().train_texts if t in stored][:30]
    embedded.clear()
    assert services.pool.chunk_scorer(card.version)(pool).shape == (len(pool), 4) and embedded == []
    neighbours = services.explain("match goal team season")["neighbours"]
    assert neighbours and all(n["label"] and n["origin"] not in ("eval", "dev") for n in neighbours)
