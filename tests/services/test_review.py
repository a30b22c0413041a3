"""Suspect labels: planted mistakes rank first, keep and relabel take an item off the list, tiny stores work."""

from __future__ import annotations

import numpy as np
import pytest

from hloop.core.errors import NotFoundError
from hloop.core.suspects import suspect_scores
from labeling.label_queries import counting_labels
from tests.conftest import TINY_LABELS
from training.crossval import fold_assignment, out_of_fold_probabilities


def _plant_mistakes(services, count: int) -> list[int]:
    """Relabel ``count`` seed examples to a wrong label (as a person would by mistake); their ids."""
    services.ensure_store()
    ids = []
    with services.project.session() as session:
        rows = counting_labels(session=session)
    for r in rows[:count]:
        services.label(r.example_id, (r.label + 1) % len(TINY_LABELS), "mallory")
        ids.append(r.example_id)
    return ids


def test_planted_mistakes_rank_first(services):
    planted = _plant_mistakes(services, 3)
    top = services.suspects(n=5)
    assert {s["example_id"] for s in top[:3]} == set(planted)
    assert all(s["annotator"] == "mallory" and s["suggestion"] != s["label"] for s in top[:3])


def test_keep_and_relabel_take_items_off_the_list(services):
    planted = _plant_mistakes(services, 2)
    services.keep_label(planted[0], "rita")
    services.relabel(planted[1], "alpha", "rita")
    shown = {s["example_id"] for s in services.suspects(n=50)}
    assert not shown & set(planted)
    history = [h for h in services.history() if h.example_id in planted]
    assert [h.source for h in history].count("review") == 2


def test_keep_needs_a_labelled_example(services):
    services.ensure_store()
    with pytest.raises(NotFoundError):
        services.keep_label(10**6, "rita")


def test_scores_prefer_the_label_the_model_does_not_believe():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.1, 0.9]])
    scores, suggestion = suspect_scores(probs, np.array([0, 1, 1, 1]))
    assert int(np.argmax(scores)) == 2 and suggestion[2] == 0


def test_rare_labels_and_tiny_inputs():
    texts = ["red apple", "green apple", "red car", "blue car", "fast car", "slow car"]
    probs = out_of_fold_probabilities(texts, [0, 0, 1, 1, 1, 2], 4, folds=5)
    assert probs.shape == (6, 4) and np.allclose(probs.sum(axis=1), 1)
    assert out_of_fold_probabilities(["one"], [0], 4).shape == (1, 4)
    folds = fold_assignment(np.array([0, 0, 0, 1, 1, 2]), 3, np.random.default_rng(0))
    assert sorted(np.bincount(folds, minlength=3)) == [2, 2, 2]
