"""A model file that passes the type and shape checks but cannot predict (or predicts something else) is damaged:
the registry checks every version by using it, against the probe its card recorded, before it serves."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from hloop.core.errors import ModelIntegrityError
from tests.conftest import tiny_texts
from training.artifact import dumps, from_bytes, loads, sha256_bytes, untrusted_types
from training.pipeline import HYPERPARAMETERS
from training.registry import ARTIFACT, CARD, Registry

TEXTS, _ = tiny_texts(3, seed=5)


def _without_term(pipeline):
    vectorizer = pipeline.named_steps["tfidf"]
    terms = vectorizer.get_feature_names_out().tolist()
    vectorizer.vocabulary_ = {t: i for i, t in enumerate(terms[:-1])}


def _with_extra_term(pipeline):
    vectorizer = pipeline.named_steps["tfidf"]
    vectorizer.vocabulary_ = {**vectorizer.vocabulary_, "zzzextra": len(vectorizer.vocabulary_)}


def _swapped_terms(pipeline):
    """Two terms' columns swapped: nothing fails, the model just predicts something else (only the probe sees it)."""
    vocabulary = pipeline.named_steps["tfidf"].vocabulary_
    coef = pipeline.named_steps["clf"].coef_
    a, b = (int(i) for i in np.argsort(-np.abs(coef).max(axis=0))[:2])
    names = {index: term for term, index in vocabulary.items()}
    vocabulary[names[a]], vocabulary[names[b]] = b, a
    pipeline.named_steps["tfidf"].vocabulary_ = dict(sorted(vocabulary.items(), key=lambda item: item[1]))


def _classes_beyond_labels(pipeline):
    pipeline.named_steps["clf"].classes_ = np.array([0, 1, 2, 9])


def _scaled_weights(pipeline):
    pipeline.named_steps["clf"].coef_ = pipeline.named_steps["clf"].coef_ * 1.5


DAMAGE = {
    "a numpy function as analyzer": lambda p: p.named_steps["tfidf"].set_params(analyzer=np.negative),
    "a numpy function as preprocessor": lambda p: p.named_steps["tfidf"].set_params(preprocessor=np.negative),
    "a numpy function as tokenizer": lambda p: p.named_steps["tfidf"].set_params(tokenizer=np.negative),
    "another token pattern": lambda p: p.named_steps["tfidf"].set_params(token_pattern=r"\S+"),
    "a vocabulary one term short": _without_term,
    "a vocabulary one term longer": _with_extra_term,
    "two terms swapped": _swapped_terms,
    "classes beyond the card's labels": _classes_beyond_labels,
    "scaled weights": _scaled_weights,
    "a numpy function as a classifier setting": lambda p: p.named_steps["clf"].set_params(class_weight=np.negative),
    "another tuned setting than the card's": lambda p: p.named_steps["clf"].set_params(tol=0.5),
}
NEEDS_THE_PROBE = {"two terms swapped", "scaled weights"}  # load and predict without error: only the probe tells


def _replace_artifact(root, version: int, pipeline) -> None:
    """Write ``pipeline`` as ``version``'s artifact with a matching sha256 on its card: what a tampered or
    damaged version looks like that passes the type, shape and sha256 checks."""
    data = dumps(pipeline)
    assert untrusted_types(data) == []
    (root / f"v{version}" / ARTIFACT).write_bytes(data)
    card_path = root / f"v{version}" / CARD
    card = json.loads(card_path.read_text())
    card_path.write_text(json.dumps({**card, "artifact_sha256": sha256_bytes(data)}))


@pytest.fixture
def saved(tmp_path, fitted):
    Registry(tmp_path).save(fitted, {"labels": ["a", "b", "c", "d"]})
    return tmp_path


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_model_that_loads_but_cannot_predict_soundly_is_damaged(saved, fitted, damage):
    crafted = copy.deepcopy(fitted)
    DAMAGE[damage](crafted)
    _replace_artifact(saved, 1, crafted)
    with pytest.raises(ModelIntegrityError, match="^v1: The model"):
        Registry(saved).load(1)


@pytest.mark.parametrize("damage", sorted(set(DAMAGE) - NEEDS_THE_PROBE))
def test_a_card_saved_before_probes_still_gets_the_checks_of_use(saved, fitted, damage):
    card_path = saved / "v1" / CARD
    card = json.loads(card_path.read_text())
    del card["probe"]
    card_path.write_text(json.dumps(card))
    reloaded = Registry(saved).load(1)  # the intact model of an old card loads as before
    np.testing.assert_array_equal(reloaded.predict_proba(TEXTS), fitted.predict_proba(TEXTS))
    crafted = copy.deepcopy(fitted)
    DAMAGE[damage](crafted)
    _replace_artifact(saved, 1, crafted)
    with pytest.raises(ModelIntegrityError, match="^v1: The model"):
        Registry(saved).load(1)


def test_the_card_records_a_probe_that_the_intact_model_reproduces(saved, fitted):
    probe = json.loads((saved / "v1" / CARD).read_text())["probe"]
    assert len(probe["texts"]) == len(probe["probabilities"]) >= 4
    np.testing.assert_allclose(fitted.predict_proba(probe["texts"]), probe["probabilities"], rtol=0, atol=1e-12)
    assert Registry(saved).load(1) is not None


@pytest.mark.parametrize("damage", ["a numpy function as analyzer", "a vocabulary one term short"])
def test_a_damaged_fit_from_a_worker_or_modal_is_refused_on_arrival(fitted, damage):
    crafted = copy.deepcopy(fitted)
    DAMAGE[damage](crafted)
    data = dumps(crafted)
    assert loads(data) is not None  # the type and shape checks alone let it through
    with pytest.raises(ModelIntegrityError, match="came back is damaged"):
        from_bytes(data, sha256_bytes(data))


def test_a_version_of_older_settings_loads_by_what_its_card_recorded(tmp_path, fitted):
    """Earlier releases trained with tol 1e-3, and another scikit-learn has other defaults for the classifier's
    fit-only settings: such versions are intact, and a card that disagrees with its model is not."""
    older = copy.deepcopy(fitted)
    older.named_steps["clf"].set_params(tol=1e-3, penalty="l2", l1_ratio=None)
    hyperparameters = {**HYPERPARAMETERS, "clf__tol": 1e-3, "tfidf__ngram_range": [1, 2], "random_state": 0}
    Registry(tmp_path).save(older, {"hyperparameters": hyperparameters})
    np.testing.assert_array_equal(Registry(tmp_path).load(1).predict_proba(TEXTS), older.predict_proba(TEXTS))
    card_path = tmp_path / "v1" / CARD
    card = json.loads(card_path.read_text())
    card_path.write_text(json.dumps({**card, "hyperparameters": {**hyperparameters, "clf__tol": 3e-3}}))
    with pytest.raises(ModelIntegrityError, match="clf__tol is 0.001, where this program writes 0.003"):
        Registry(tmp_path).load(1)
