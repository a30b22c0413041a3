"""ModelCard reads every card any release wrote and writes back exactly what it read."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hloop.core.cards import ModelCard
from hloop.core.errors import ModelIntegrityError
from hloop.services import Services
from tests.conftest import corpus_of, settings_in

SHA = "3f" * 32
PROBE = {"texts": ["a text", "another"], "probabilities": [[0.5, 0.5], [0.25, 0.75]]}
PER_CLASS = {n: {"precision": 0.9, "recall": 0.8, "f1": 0.85, "support": 10} for n in ("alpha", "beta")}
OLD_METRICS = {  # 2010bc6: no intervals
    "accuracy": 0.85,
    "f1_macro": 0.85,
    "f1_weighted": 0.85,
    "per_class": PER_CLASS,
    "confusion_matrix": {"labels": ["alpha", "beta"], "matrix": [[8, 2], [1, 9]]},
    "n_eval": 20,
}
METRICS = {**OLD_METRICS, "accuracy_ci95": [0.64, 0.95], "f1_macro_ci95": [0.7, 0.97]}
OLD_TRAINING = {"rows": 20, "seed_labels": 20, "human_labels": 0, "feedback_weight": 3.0, "class_counts": [10, 10]}
GATE = {
    "promote": False,
    "reason": "worse on dev",
    "test": "mcnemar-exact",
    "n_dev": 40,
    "current_accuracy": 0.9,
    "candidate_accuracy": 0.7,
    "difference": -0.2,
    "difference_ci95": [-0.3, -0.1],
    "only_current_right": 9,
    "only_candidate_right": 1,
    "p_value": 0.01,
    "margin": 0.005,
    "alpha": 0.05,
    "against": 1,
}
OLD_CARD = {  # the first release: a pickle, no labels, evaluation, gate, status or compute
    "parent": None,
    "created_at": "2025-01-01T10:00:00+00:00",
    "training": OLD_TRAINING,
    "hyperparameters": {"clf__C": 10.0, "tfidf__ngram_range": [1, 2], "random_state": 0},
    "converged": True,
    "training_seconds": 1.5,
    "eval_seconds": 0.1,
    "metrics": OLD_METRICS,
    "library_versions": {"python": "3.11.9", "scikit-learn": "1.5.0"},
    "data_fingerprint": "abc",
    "version": 1,
    "artifact_sha256": SHA,
}
TODAY = {  # sorted, as the registry writes it
    "artifact_sha256": SHA,
    "compute": "local",
    "compute_seconds": 0.2,
    "converged": True,
    "created_at": "2026-12-01T14:47:10+00:00",
    "data_fingerprint": "abc",
    "eval_seconds": 0.01,
    "evaluation": {"enough": True, "min_eval": 30, "n_eval": 40, "origin": "split"},
    "format": "skops",
    "gate": {**GATE, "promote": True, "reason": "first version: nothing to compare with", "against": None},
    "hyperparameters": {"clf__C": 10.0, "random_state": 0},
    "labels": ["alpha", "beta"],
    "library_versions": {"python": "3.11.9"},
    "metrics": METRICS,
    "parent": None,
    "probe": PROBE,
    "status": "promoted",
    "training": {**OLD_TRAINING, "last_label_id": 0},
    "training_seconds": 0.1,
    "version": 1,
}
SHAPES = {
    "today": TODAY,
    "returned by train (current)": {**TODAY, "current": True},
    "too few eval texts": {**TODAY, "metrics": None, "evaluation": {**TODAY["evaluation"], "enough": False}},
    "held back": {**TODAY, "version": 3, "parent": 2, "status": "held back", "gate": GATE},
    "override": {**TODAY, "status": "override", "gate": GATE, "override_at": "2026-12-02T09:00:00+00:00"},
    "first release (pickle)": OLD_CARD,
    "label sets, no gate": {**OLD_CARD, "labels": ["alpha", "beta"], "evaluation": TODAY["evaluation"]},
    "test pickle, metrics {}": {"parent": None, "metrics": {}, "version": 1, "artifact_sha256": SHA},
    "converted": {
        "artifact_sha256": SHA,
        "converted": {"at": "2026-12-01T14:46:43+00:00", "from": "model.joblib (pickle), sha256 0", "note": "trusted"},
        "format": "skops",
        "metrics": {},
        "parent": None,
        "probe": PROBE,
        "version": 2,
    },
    "minimal": {"version": 1, "artifact_sha256": SHA},
    "saved by tests with a note": {"artifact_sha256": SHA, "compute": "local", "format": "skops", "note": "v1"},
    "unknown keys everywhere": {
        **TODAY,
        "extra_number": 1.5,
        "metrics": {**METRICS, "f1_micro": 0.8},
        "gate": {**GATE, "test_version": 2},
        "training": {**OLD_TRAINING, "augmented": 3},
    },
}
SHAPES["saved by tests with a note"]["version"] = 1


@pytest.mark.parametrize("card", SHAPES.values(), ids=SHAPES.keys())
def test_every_card_shape_round_trips_key_for_key(card):
    out = ModelCard.from_dict(copy.deepcopy(card)).to_dict()
    assert out == card and json.dumps(out) == json.dumps(card), "the same keys, values and order"


def test_typed_reads_of_todays_card():
    card = ModelCard.from_dict(SHAPES["held back"])
    assert (card.version, card.parent, card.status, card.labels) == (3, 2, "held back", ("alpha", "beta"))
    assert card.held_back and not card.promoted and not card.is_legacy and not card.is_current
    m = card.metrics
    assert m is not None and (m.accuracy, m.accuracy_ci95, m.f1_macro_ci95, m.n_eval) == (
        0.85,
        (0.64, 0.95),
        (0.7, 0.97),
        20,
    )
    assert m.per_class["beta"].f1 == 0.85 and m.confusion_matrix.matrix == ((8, 2), (1, 9))
    assert card.gate is not None and card.gate.against == 1 and card.gate.decision.difference_ci95 == (-0.3, -0.1)
    assert not card.gate.promote and card.gate.reason == "worse on dev"
    assert card.training is not None and card.training.class_counts == (10, 10) and card.last_label_id == 0
    assert card.evaluation is not None and card.evaluation.enough and card.evaluation.origin == "split"
    assert card.compute_seconds == 0.2 and card.library_versions == {"python": "3.11.9"}


def test_old_cards_read_with_defaults():
    old = ModelCard.from_dict(OLD_CARD)
    assert old.is_legacy and old.promotion_status == "promoted" and old.promoted and old.gate is None
    assert old.metrics is not None and old.metrics.accuracy_ci95 is None and old.labels is None
    assert old.last_label_id == 0 and old.label_names == ("alpha", "beta")
    blank = ModelCard.from_dict(SHAPES["test pickle, metrics {}"])
    assert blank.metrics is None and blank.training is None and blank.is_legacy
    assert ModelCard.from_dict(SHAPES["override"]).overridden
    assert ModelCard.from_dict(SHAPES["returned by train (current)"]).is_current


def test_unknown_keys_are_kept_in_extra():
    card = ModelCard.from_dict(SHAPES["unknown keys everywhere"])
    assert card.extra == {"extra_number": 1.5}
    assert card.metrics is not None and card.metrics.extra == {"f1_micro": 0.8}
    assert card.gate is not None and card.gate.extra == {"test_version": 2}


def test_a_card_is_frozen_and_its_dict_is_a_copy():
    card = ModelCard.from_dict(TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.version = 2  # type: ignore[misc]
    out = card.to_dict()
    out["probe"]["texts"].append("changed")
    out["metrics"]["per_class"]["alpha"]["f1"] = 0
    assert card.to_dict() == TODAY


def test_a_changed_field_is_written_and_the_rest_stays():
    held = ModelCard.from_dict(SHAPES["held back"])
    when = "2026-12-02T09:00:00+00:00"
    out = dataclasses.replace(held, status="override", override_at=when).to_dict()
    assert out == {**SHAPES["held back"], "status": "override", "override_at": when}


def test_a_card_built_here_writes_todays_keys():
    read = ModelCard.from_dict(TODAY)
    built = ModelCard(**{f.name: getattr(read, f.name) for f in dataclasses.fields(read) if f.name != "layout"})
    assert built.to_dict() == TODAY, "today's keys, optional ones only when set"
    assert "current" not in built.to_dict() and "override_at" not in built.to_dict()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": "1"}, "version"),
        ({"version": True}, "version"),
        ({"metrics": {**METRICS, "accuracy": "high"}}, "metrics.accuracy"),
        ({"metrics": {**METRICS, "accuracy_ci95": [0.1]}}, "metrics.accuracy_ci95"),
        ({"training": {**OLD_TRAINING, "rows": 1.5}}, "training.rows"),
        ({"gate": {**GATE, "promote": "yes"}}, "gate.promote"),
        ({"labels": "alpha"}, "labels"),
        ({"probe": [1, 2]}, "probe"),
    ],
)
def test_an_altered_field_is_an_integrity_error_that_names_it(change, field):
    with pytest.raises(ModelIntegrityError, match=f"card's {field} must be"):
        ModelCard.from_dict({**TODAY, **change})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
OPTIONAL_KEYS = sorted(set(TODAY) - {"version"}) + ["override_at", "current"]


@settings(max_examples=150, deadline=None)
@given(
    base=st.sampled_from(list(SHAPES.values())),
    dropped=st.sets(st.sampled_from(OPTIONAL_KEYS)),
    extra=st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda k: k not in ModelCard.KEYS), JSON_VALUES, max_size=3
    ),
    shuffle=st.randoms(use_true_random=False),
)
def test_any_subset_of_keys_in_any_order_round_trips(base, dropped, extra, shuffle):
    card = {k: v for k, v in base.items() if k not in dropped} | extra
    if "current" not in dropped and "current" not in card:
        card["current"] = False
    items = list(card.items())
    shuffle.shuffle(items)
    card = dict(items)
    out = ModelCard.from_dict(card).to_dict()
    assert out == card and list(out) == list(card)


def test_cards_the_services_write_round_trip(tmp_path):
    services = Services(settings_in(tmp_path, seed_size=40), corpus=corpus_of(60))
    trained = services.train()
    while (item := services.next_item("tester")) is not None:
        services.submit_label(item.example_id, 0, "tester")  # every label the same: a worse candidate
    retrained = services.retrain(feedback_weight=10)
    for card in [trained, retrained, *services.versions()]:
        stored = card.to_dict()
        out = ModelCard.from_dict(stored).to_dict()
        assert out == stored and list(out) == list(stored)
        on_disk = json.loads((services.settings.models_dir / f"v{card.version}" / "card.json").read_text())
        assert {k: v for k, v in stored.items() if k != "current"} == on_disk, "a returned card is its file's"
    second = retrained
    assert second.version == 2 and second.parent == 1 and second.gate is not None and second.gate.against == 1
    assert second.status in ("promoted", "held back") and second.last_label_id > 0
    if second.held_back:
        services.promote(2)
        overridden = services.card(2)
        assert overridden.overridden and overridden.override_at is not None
        assert ModelCard.from_dict(overridden.to_dict()) == overridden
