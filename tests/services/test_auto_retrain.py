"""HLOOP_AUTO_RETRAIN_EVERY: a background retrain once N new human labels arrived, resumed after a restart."""

from __future__ import annotations

from hloop.services import Services
from tests.conftest import corpus_of, settings_in


def label_some(services: Services, n: int) -> None:
    """Label ``n`` queue items with the model's own guess."""
    for _ in range(n):
        item = services.next_item("ana")
        services.submit_label(item.example_id, item.prediction, "ana")


def test_a_retrain_starts_by_itself_after_n_labels(tmp_path):
    services = Services(settings_in(tmp_path, auto_retrain_every=5), corpus=corpus_of(30))
    services.train()
    label_some(services, 4)
    assert services.auto_retrain_status()["labels_since"] == 4 and services.project.registry.versions() == [1]
    label_some(services, 1)
    outcome = services.wait_for_auto_retrain(timeout=120)
    assert services.project.registry.versions() == [1, 2] and outcome["version"] == 2
    assert services.card(2).training.human_labels == 5
    status = services.auto_retrain_status()
    assert status["labels_since"] == 0 and not status["running"]
    assert status["last"]["status"] in {"promoted", "held back"}


def test_off_by_default(trained):
    label_some(trained, 6)
    assert not trained.maybe_auto_retrain() and trained.project.registry.versions() == [1]
    assert trained.auto_retrain_status()["every"] == 0


def test_a_due_retrain_resumes_after_a_restart(tmp_path):
    before = Services(settings_in(tmp_path), corpus=corpus_of(30))
    before.train()
    label_some(before, 3)  # labelled while automatic retraining was off (or the process stopped)
    after = Services(settings_in(tmp_path, auto_retrain_every=3), corpus=corpus_of(30))
    assert after.auto_retrain_status()["labels_since"] == 3, "the count comes from the store"
    assert after.maybe_auto_retrain()
    after.wait_for_auto_retrain(timeout=120)
    assert after.project.registry.versions() == [1, 2]
