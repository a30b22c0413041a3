"""The project's embeddings: filled once per text, reused by every Services, rebuilt (never mixed) for another
embedder or another store; stored vectors in place of embedding again for a model with embedding steps."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hloop.services import Services
from hloop.services.embedding_jobs import embeddings_folder, model_inputs, probabilities, stored_index
from tests.conftest import FILLER, TOPIC_WORDS, corpus_of, settings_in
from tests.training.tiny_models import write_word_vectors
from training.embeddings import shared_embedder
from training.families import EmbeddedTexts, fit_family


def topic_vectors(seed: int = 0, dim: int = 16) -> dict[str, np.ndarray]:
    """Word vectors where each topic's words share a direction: texts of one topic are near each other."""
    rng = np.random.default_rng(seed)
    vectors = {}
    for label, words in TOPIC_WORDS.items():
        for word in words.split():
            vectors[word] = rng.normal(scale=0.3, size=dim)
            vectors[word][label] += 3.0
    for word in FILLER:
        vectors[word] = rng.normal(scale=0.3, size=dim)
    return vectors


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> str:
    """HLOOP_EMBEDDINGS for a tiny model2vec model over the tiny corpus's words (no hub, no wordllama)."""
    return f"model2vec:{write_word_vectors(tmp_path_factory.mktemp('m2v') / 'topics', topic_vectors())}"


@pytest.fixture(scope="module")
def other_spec(tmp_path_factory) -> str:
    """Another embedder: other weights, so another identity."""
    return f"model2vec:{write_word_vectors(tmp_path_factory.mktemp('m2v') / 'other', topic_vectors(seed=1))}"


def services_with(tmp_path, spec: str, **overrides) -> Services:
    settings = settings_in(tmp_path, embeddings=spec, scoring_processes=0, **overrides)
    return Services(settings, corpus=corpus_of(12))


def counting(monkeypatch, spec: str) -> list[int]:
    """Texts embedded by the process-wide embedder of ``spec`` from now on, one entry per call."""
    embedder = shared_embedder(spec)
    calls: list[int] = []
    original = embedder.embed

    def embed(texts, *args, **kwargs):
        calls.append(len(texts))
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(embedder, "embed", embed)
    return calls


def test_the_folder_is_beside_a_sqlite_file_or_the_models_folder(tmp_path):
    assert (
        embeddings_folder(f"sqlite:///{tmp_path}/data/hloop.db", tmp_path / "m") == tmp_path / "data/hloop.embeddings"
    )
    assert embeddings_folder("postgresql+psycopg://u:p@db/hloop", tmp_path / "models") == tmp_path / "models.embeddings"
    assert embeddings_folder("sqlite://", tmp_path / "models") == tmp_path / "models.embeddings"
    assert embeddings_folder("not a url", tmp_path / "models") == tmp_path / "models.embeddings"


def test_ensure_embeds_every_example_once(tmp_path, spec):
    services = services_with(tmp_path, spec)
    services.ensure_store()
    status = services.embedding_status()
    assert status["stored"] == 0 and status["missing"] == status["total"] > 0
    fractions: list[float] = []
    added = services.embed_texts(progress=lambda fraction, _desc: fractions.append(fraction))
    status = services.embedding_status()
    assert added == status["total"] == status["stored"] and status["missing"] == 0  # every origin, eval included
    assert fractions[-1] == 1.0 and status["embedder"]["name"] == spec
    assert services.embed_texts() == 0


def test_a_second_services_reuses_the_stored_vectors(tmp_path, spec, monkeypatch):
    first = services_with(tmp_path, spec)
    first.embed_texts()
    texts = [*first.corpus().train_texts[:5], *first.corpus().eval_texts[:2]]
    calls = counting(monkeypatch, spec)
    second = services_with(tmp_path, spec)
    assert second.embed_texts() == 0
    given = second.embeddings.embedded(texts)  # ids found by the texts
    assert isinstance(given, EmbeddedTexts) and calls == []
    fresh = shared_embedder(spec).embed(texts)
    assert np.allclose(given.vectors, fresh, atol=2e-3)  # float16 is enough
    calls.clear()
    mixed = second.embeddings.embedded([*texts, "match goal never stored"])
    assert calls == [1] and mixed.vectors.shape == (len(texts) + 1, 16)


def test_embedded_with_ids_and_with_embeddings_none(tmp_path, spec):
    services = services_with(tmp_path, spec)
    services.embed_texts()
    ids = services.embeddings.ids_of(["match goal team", *services.corpus().eval_texts[:2]])
    assert ids[0] == -1 and all(i > 0 for i in ids[1:])
    plain = services_with(tmp_path / "none", "none")
    assert plain.embeddings.embedded(["a text"]) == ["a text"] and not plain.embeddings.enabled


def test_another_embedder_rebuilds_the_store(tmp_path, spec, other_spec, caplog):
    services_with(tmp_path, spec).embed_texts()
    other = services_with(tmp_path, other_spec)
    assert other.embeddings.index().size == 0  # another embedder's vectors are never read
    with caplog.at_level(logging.WARNING, logger="hloop.embeddings"):
        added = other.embed_texts()
    assert added == other.embedding_status()["total"]
    assert [r.message for r in caplog.records if "embeddings.rebuilt" in r.message]
    text = other.corpus().eval_texts[0]
    assert np.allclose(other.embeddings.embedded([text]).vectors, shared_embedder(other_spec).embed([text]), atol=2e-3)


def test_vectors_of_another_store_are_never_read(tmp_path, spec):
    services = services_with(tmp_path, spec)
    total = services.embed_texts()
    (tmp_path / "hloop.db").unlink()  # a new store at the same path: its ids may name other texts
    again = services_with(tmp_path, spec)
    assert again.embeddings.index().size == 0
    assert again.embed_texts() == total


def test_start_background_fills_the_store(tmp_path, spec):
    services = services_with(tmp_path, spec)
    services.ensure_store()
    services.embeddings.start_background()
    services.embeddings.wait()
    status = services.embedding_status()
    assert status["missing"] == 0 and status["stored"] > 0 and not status["running"] and status["error"] is None


def test_an_import_is_embedded_in_the_background_when_the_store_keeps_embeddings(tmp_path, spec):
    path = tmp_path / "more.csv"
    path.write_text("text\nshares profit bank newly imported\nchip software newly imported\n")
    never = services_with(tmp_path / "never", spec)  # nothing was ever embedded here: an import starts nothing
    never.import_texts(path)
    assert not never.embedding_status()["running"] and never.embedding_status()["stored"] == 0
    services = services_with(tmp_path / "kept", spec)
    services.embed_texts()
    services.import_texts(path)
    services.embeddings.wait()
    status = services.embedding_status()
    assert status["missing"] == 0 and status["stored"] == status["total"]


def test_a_model_with_embedding_steps_scores_from_the_stored_vectors(tmp_path, spec, monkeypatch):
    services = services_with(tmp_path, spec)
    services.embed_texts()
    corpus = services.corpus()
    model = fit_family("embed-centroid", list(corpus.train_texts), corpus.train_labels, embeddings=spec)
    pool = list(corpus.train_texts[:20])
    calls = counting(monkeypatch, spec)
    inputs = services.embeddings.inputs_of(model, pool)
    assert isinstance(inputs, EmbeddedTexts) and calls == []
    scored = probabilities(model, inputs, len(services.label_set))
    assert np.allclose(scored, model.predict_proba(pool), atol=1e-2)
    tfidf = fit_family("tfidf-lr", list(corpus.train_texts), corpus.train_labels)
    assert services.embeddings.inputs_of(tfidf, pool) == pool  # a TF-IDF family takes the plain texts


def test_a_worker_reads_the_stored_vectors_of_its_range(tmp_path, spec, monkeypatch):
    """What ``score_range`` does in a worker process for a model with embedding steps: the folder and the store's
    key travel in the task, and the texts of its id range are scored from their stored vectors."""
    services = services_with(tmp_path, spec)
    services.embed_texts()
    corpus = services.corpus()
    model = fit_family("embed-lr", list(corpus.train_texts), corpus.train_labels, embeddings=spec)
    pool = list(corpus.train_texts[:10])
    ids = services.embeddings.ids_of(pool)
    folder, owner = services.embeddings.folder, services.embeddings.owner()
    calls = counting(monkeypatch, spec)
    inputs = model_inputs(model, pool, ids, lambda identity: stored_index(folder, identity, owner))
    assert isinstance(inputs, EmbeddedTexts) and calls == []
    assert np.allclose(probabilities(model, inputs, 4), model.predict_proba(pool), atol=1e-2)
    calls.clear()
    stranger = model_inputs(model, pool, ids, lambda identity: stored_index(folder, identity, "another store"))
    assert isinstance(stranger, EmbeddedTexts) and calls == [len(pool)]  # not this store's vectors: embedded anew


@pytest.mark.parametrize(("model", "fills"), [("auto", True), ("embed-lr", True), ("tfidf-lr", False)])
def test_the_app_start_embeds_only_for_a_model_that_uses_embeddings(tmp_path, spec, model, fills):
    services = Services(
        settings_in(tmp_path, embeddings=spec, model=model, scoring_processes=0, fit_in_worker=False),
        corpus=corpus_of(20),
    )
    services.ensure_store()
    services.warm_queue()
    services.embeddings.wait()
    assert (services.embedding_status()["stored"] > 0) == fills
