"""Every model family through the services: trained, saved, checked against its card, served, explained, gated
and rolled back; ``auto`` compares the families on the training labels and keeps its choice until they grow."""

from __future__ import annotations

import json

import pytest

from hloop.core.errors import HLoopError
from hloop.core.models import FAMILIES
from hloop.services import Services
from tests.conftest import corpus_of, settings_in

TEXT = "shares profit market stocks said the bank"


def trained(tmp_path, model: str, **settings) -> Services:
    services = Services(settings_in(tmp_path, model=model, seed_size=40, **settings), corpus=corpus_of(60))
    services.train()
    return services


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "tfidf-lr"])
def test_a_family_trains_saves_reloads_and_explains(tmp_path, family):
    services = trained(tmp_path, family)
    card = services.card()
    assert card.family == family and card.metrics is not None and card.metrics.accuracy > 0.5
    embeds = family != "tfidf-cnb"
    assert (card.embedder is not None) == embeds
    assert card.embedder is None or card.embedder["name"] == "wordllama" and card.embedder["dim"] == 256
    before = services.predict(TEXT)
    # a new process's services read the version from disk, check it against its card, and serve the same
    again = Services(settings_in(tmp_path, model=family, seed_size=40), corpus=corpus_of(60))
    assert again.predict(TEXT)["confidences"] == pytest.approx(before["confidences"], abs=1e-9)
    why = again.explain(TEXT)
    assert why["family"] == family and why["label"] == before["label"]
    assert bool(why["contributions"]) == (family not in ("embed-centroid", "embed-lr"))
    assert 0 <= why["words_share"] <= 1


def test_a_family_retrains_through_the_gate_and_rolls_back(tmp_path):
    services = trained(tmp_path, "embed-lr")
    for _ in range(8):
        item = services.next_item("ana")
        services.submit_label(item.example_id, 0, "ana")
    second = services.retrain(force=True)
    assert second.family == "embed-lr" and second.gate is not None and second.gate.against == 1
    services.rollback(1)
    assert services.predict(TEXT)["model_version"] == 1


def test_auto_compares_the_families_on_the_training_labels_and_records_why(tmp_path):
    services = trained(tmp_path, "auto")  # and the winner's calibration on dev
    card = services.card()
    assert card.family in FAMILIES and card.choice is not None
    assert {family for family, _, _ in card.candidates} == set(FAMILIES)
    assert card.choice["training_rows"] == card.training.rows == 40, "the choice saw the training labels only"
    assert card.family in card.choice["reason"] and "made_for" not in card.choice
    assert "auto" in card.model_line and card.family in card.model_line
    texts, labels = services.dev_set()
    assert card.calibration["n_dev"] == len(labels) > 0 and 0 <= card.calibration["dev_ece"] < 1
    assert "calibration error on dev" in card.model_line


def test_auto_keeps_its_choice_until_the_labels_grow_by_half(tmp_path):
    services = trained(tmp_path, "auto")
    first = services.card()
    corpus = services.corpus()
    gold = {t.strip(): int(y) for t, y in zip(corpus.train_texts, corpus.train_labels, strict=True)}

    def label(n: int) -> None:
        for _ in range(n):
            item = services.next_item("ana")
            services.submit_label(item.example_id, gold[item.text], "ana")

    label(5)
    kept = services.retrain()
    assert kept.family == first.family and kept.choice["made_for"] == first.version, "45 rows: not 1.5 x 40"
    label(20)
    again = services.retrain()
    assert "made_for" not in again.choice and again.choice["training_rows"] >= 60, "65 rows: chosen again"


def test_auto_without_embeddings_compares_the_tfidf_families_only(tmp_path):
    card = trained(tmp_path, "auto", embeddings="none").card()
    assert card.family in ("tfidf-lr", "tfidf-cnb") and card.embedder is None
    assert set(card.choice["skipped"]) == {"embed-centroid", "embed-lr", "hybrid", "ensemble"}


def test_a_card_that_names_another_family_or_embedder_is_refused(tmp_path):
    trained(tmp_path, "hybrid")
    path = tmp_path / "models" / "v1" / "card.json"
    original = json.loads(path.read_text())
    for change in ({"family": "embed-lr"}, {"embedder": {**original["embedder"], "sha256": "0" * 64}}):
        path.write_text(json.dumps({**original, **change}))
        fresh = Services(settings_in(tmp_path, model="hybrid", seed_size=40), corpus=corpus_of(60))
        with pytest.raises(HLoopError):
            fresh.predict(TEXT)
    path.write_text(json.dumps(original))
    assert Services(settings_in(tmp_path, model="hybrid", seed_size=40), corpus=corpus_of(60)).predict(TEXT)


def test_a_family_fits_in_the_worker_process(tmp_path):
    services = trained(tmp_path, "tfidf-cnb", fit_in_worker=True)
    try:
        card = services.card()
        assert card.family == "tfidf-cnb" and card.compute == "local worker"
    finally:
        services.end_workers()
