"""Every new version is a candidate: the gate on dev promotes it or holds it back; `promote` overrides."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import Session, select

from hloop.core.errors import InvalidInputError
from hloop.services import Services
from labeling.tables import Example, StoreInfo
from tests.conftest import corpus_of, settings_in


@pytest.fixture
def project(tmp_path):
    """Services over a corpus big enough for a dev split of 40 texts, v1 trained on the seed."""
    services = Services(settings_in(tmp_path, seed_size=40), corpus=corpus_of(100))
    services.train()
    return services


def label_pool(services: Services, how) -> None:
    """Label every queue item with ``how(gold label)``; the pool's gold labels are read only by the test."""
    corpus = services.corpus()
    row_of = {t.strip(): i for i, t in enumerate(corpus.train_texts)}
    n = len(services.label_set)
    while (item := services.next_item("tester")) is not None:
        gold = int(corpus.train_labels[row_of[item.text]])
        services.submit_label(item.example_id, int(how(gold, n)), "tester")


def test_the_dev_split_is_disjoint_from_seed_pool_and_eval(project):
    texts, labels = project.dev_set()
    assert len(texts) == 40 and np.bincount(labels).tolist() == [10, 10, 10, 10], "stratified"
    with Session(project.project.engine) as session:
        origin = {e.text: e.origin for e in session.exec(select(Example)).all()}
    assert {origin[t] for t in texts} == {"dev"}
    asked = []
    while (item := project.next_item("ana")) is not None:
        asked.append(item.text)
        project.skip(item.example_id, "ana")
    assert not set(asked) & set(texts), "dev texts are never queued"
    assert project.card().training.rows == 40, "dev texts are never trained on"


def test_wrong_labels_give_a_held_back_candidate_and_the_current_version_keeps_serving(project):
    label_pool(project, lambda gold, n: (gold + 1) % n)
    card = project.retrain(feedback_weight=10)
    assert card.status == "held back" and card.current is False
    assert card.gate.against == 1 and card.gate.decision.p_value < 0.05 and card.gate.decision.difference < -0.005
    assert project.project.registry.current_version() == 1
    assert project.predict("anything at all")["model_version"] == 1
    assert [c.status for c in project.versions()] == ["promoted", "held back"]


def test_right_labels_are_promoted(project):
    label_pool(project, lambda gold, n: gold)
    card = project.retrain()
    assert card.status == "promoted" and project.project.registry.current_version() == card.version
    assert card.gate.decision.n_dev == 40


def test_promote_overrides_the_gate_and_rollback_stays_possible(project):
    label_pool(project, lambda gold, n: (gold + 1) % n)
    held = project.retrain(feedback_weight=10).version
    card = project.promote(held)
    assert card.status == "override" and card.is_current and card.override_at
    assert project.project.registry.current_version() == held
    assert project.rollback(1).is_current and project.project.registry.current_version() == 1
    with pytest.raises(InvalidInputError, match="not held back"):
        project.promote(1)


def test_a_store_made_before_dev_splits_keeps_working_and_the_gate_says_so(project):
    with Session(project.project.engine) as session:
        session.delete(session.get(StoreInfo, "dev_rows"))
        session.commit()
    older = Services(project.settings, corpus=project.corpus())
    assert older.dev_set() is None
    label_pool(older, lambda gold, n: (gold + 1) % n)
    card = older.retrain(feedback_weight=10)
    assert card.status == "promoted" and "no dev split" in card.gate.reason
