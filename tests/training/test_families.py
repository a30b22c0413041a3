"""Model families: fresh pipelines over texts, saved by skops without the embedder's weights, checked on load."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from hloop.core.errors import InvalidInputError, ModelIntegrityError
from tests.conftest import tiny_texts
from tests.training.tiny_models import write_model2vec
from training import artifact, family_artifact
from training.choice import calibration_error, choose_family
from training.embeddings import forget_shared_embedders, shared_embedder
from training.families import FAMILIES, EmbeddedTexts, embedding_steps, fit_family
from training.pipeline import fit_pipeline


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[int], list[str], list[int]]:
    texts, labels = tiny_texts(15, seed=3)
    test_texts, test_labels = tiny_texts(5, seed=4)
    return texts, labels, test_texts, test_labels


@pytest.fixture(scope="module")
def models(data) -> dict:
    texts, labels, _, _ = data
    return {name: fit_family(name, texts, labels) for name in FAMILIES}


@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_learns_and_gives_probabilities(models, data, name):
    _, _, test_texts, test_labels = data
    model = models[name]
    probs = model.predict_proba(test_texts)
    assert probs.shape == (len(test_texts), 4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    assert (model.predict(test_texts) == np.asarray(test_labels)).mean() >= 0.7


@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_round_trips_through_skops_without_embedder_weights(models, data, name):
    model, test_texts = models[name], data[2]
    saved = family_artifact.from_pipeline(model, name)
    assert set(sio.get_untrusted_types(data=saved.data)) <= set(family_artifact.TRUSTED_TYPES)
    loaded = family_artifact.from_bytes(saved.data, saved.sha256)
    np.testing.assert_allclose(loaded.pipeline.predict_proba(test_texts), model.predict_proba(test_texts), atol=1e-12)
    assert family_artifact.loads(saved.data)[0] == name
    assert len(saved.data) < 2_000_000  # the 16 MB of wordllama weights are never inside


def test_tfidf_lr_is_todays_pipeline_and_todays_file(models, data):
    texts, labels, test_texts, _ = data
    today = fit_pipeline(texts, labels).pipeline
    np.testing.assert_array_equal(models["tfidf-lr"].predict_proba(test_texts), today.predict_proba(test_texts))
    saved_as_today = artifact.loads(family_artifact.dumps(today, "tfidf-lr"))  # today's format, today's loader
    np.testing.assert_array_equal(saved_as_today.predict_proba(test_texts), today.predict_proba(test_texts))
    assert family_artifact.loads(artifact.dumps(today))[0] == "tfidf-lr"  # files saved today load as tfidf-lr


@pytest.mark.parametrize("name", ["embed-lr", "hybrid", "ensemble"])
def test_stored_vectors_give_the_same_model_as_embedding_on_the_fly(models, data, name):
    texts, labels, test_texts, _ = data
    embedder = shared_embedder("wordllama")
    assert embedder is not None
    embedded = EmbeddedTexts(texts, embedder.embed(texts), embedder.identity)
    model = fit_family(name, embedded, labels)
    test = EmbeddedTexts(test_texts, embedder.embed(test_texts), embedder.identity)
    np.testing.assert_allclose(model.predict_proba(test), models[name].predict_proba(test_texts), atol=1e-6)
    assert [step.identity_ for step in embedding_steps(model)] == [embedder.identity.to_dict()] * len(
        embedding_steps(model)
    )


def test_a_model_whose_embedder_changed_is_refused_on_load(tmp_path, data):
    texts, labels, _, _ = data
    folder = write_model2vec(tmp_path / "m2v", seed=0)
    spec = f"model2vec:{folder}"
    saved = family_artifact.from_pipeline(fit_family("embed-lr", texts, labels, embeddings=spec), "embed-lr")
    write_model2vec(folder, seed=1)  # the same folder, other weights
    forget_shared_embedders()
    try:
        with pytest.raises(ModelIntegrityError, match="trained on embeddings"):
            family_artifact.from_bytes(saved.data, saved.sha256)
    finally:
        forget_shared_embedders()


def test_a_family_file_with_an_unknown_type_is_refused(models):
    data = sio.dumps(
        {"family": "embed-lr", "pipeline": models["embed-lr"], "terms": [], "x": FunctionTransformer(print)}
    )
    with pytest.raises(ModelIntegrityError, match="does not trust"):
        family_artifact.loads(data)


def test_sample_weights_reach_every_family(data):
    texts, labels, test_texts, _ = data
    weights = np.where(np.asarray(labels) == 0, 0.05, 1.0)
    for name in (f for f in FAMILIES if f != "embed-centroid"):  # a centroid has no prior: see the next test
        plain = fit_family(name, texts, labels).predict_proba(test_texts)[:, 0].mean()
        weighted = fit_family(name, texts, labels, sample_weight=weights).predict_proba(test_texts)[:, 0].mean()
        assert weighted < plain, name  # label 0 weighs less, so it is predicted less


def test_centroid_rows_count_by_their_weight(data):
    texts, labels, test_texts, _ = data
    wrong = [t + " " for t in texts[:10]]  # label-0 texts again, now labelled 1, with (almost) no weight
    weights = np.r_[np.ones(len(texts)), np.full(10, 1e-9)]
    weighted = fit_family("embed-centroid", texts + wrong, [*labels, *[1] * 10], sample_weight=weights)
    plain = fit_family("embed-centroid", texts, labels)
    np.testing.assert_allclose(weighted.predict_proba(test_texts), plain.predict_proba(test_texts), atol=1e-6)


def test_unknown_family_names_the_valid_ones(data):
    with pytest.raises(InvalidInputError, match="tfidf-lr"):
        fit_family("bert", data[0], data[1])


def test_choose_family_scores_every_candidate_and_says_why(data):
    texts, labels, _, _ = data
    choice = choose_family(texts, labels, folds=3, seed=0)
    assert set(choice.scores) == set(FAMILIES) and choice.family in FAMILIES
    assert choice.scores[choice.family] >= max(choice.scores.values()) - 0.002
    assert choice.family in choice.reason and "3 cross-validation folds" in choice.reason
    assert choose_family(texts, labels, folds=3, seed=0) == choice  # the same seed, the same choice
    assert set(choice.calibration_errors) == set(FAMILIES)
    assert all(0 <= e <= 1 for e in choice.calibration_errors.values())


@pytest.mark.parametrize(
    ("probabilities", "truth", "expected"),
    [
        ([[1.0, 0.0], [0.0, 1.0]], [0, 1], 0.0),  # sure and right
        ([[1.0, 0.0], [1.0, 0.0]], [1, 1], 1.0),  # sure and wrong
        ([[0.6, 0.4], [0.6, 0.4]], [0, 1], 0.1),  # 60 % sure, right half the time
    ],
)
def test_calibration_error(probabilities, truth, expected):
    assert calibration_error(np.array(probabilities), np.array(truth)) == pytest.approx(expected)


def test_choose_family_without_embeddings_skips_their_families(data):
    choice = choose_family(data[0], data[1], folds=3, embeddings="none")
    assert set(choice.scores) == {"tfidf-lr", "tfidf-cnb"}
    assert set(choice.skipped) == {"embed-centroid", "embed-lr", "hybrid", "ensemble"}


def test_the_ensemble_fits_one_shared_vectorizer_and_averages_its_members_exactly():
    from training.families import ENSEMBLE_MEMBERS, vectorizers

    texts, labels = tiny_texts(30, seed=1)
    probe, _ = tiny_texts(5, seed=2)
    ensemble = fit_family("ensemble", texts, labels)
    separately = np.mean([fit_family(m, texts, labels).predict_proba(probe) for m in ENSEMBLE_MEMBERS], axis=0)
    assert np.allclose(ensemble.predict_proba(probe), separately, rtol=0, atol=1e-12)
    assert len(list(vectorizers(ensemble))) == 1, "tfidf-lr and tfidf-cnb share one fitted vectorizer"
    family, loaded = family_artifact.loads(family_artifact.dumps(ensemble, "ensemble"))
    assert family == "ensemble" and len(list(vectorizers(loaded))) == 1
    assert np.array_equal(loaded.predict_proba(probe), ensemble.predict_proba(probe))


def test_auto_with_a_single_example_of_a_label_takes_the_few_labels_family_and_says_why():
    texts, labels = tiny_texts(1, seed=3)
    choice = choose_family(texts, labels)
    assert choice.family == "embed-centroid" and "single example" in choice.reason and choice.scores == {}
    assert choose_family(texts, labels, embeddings="none").family == "tfidf-lr"
    assert choose_family(*tiny_texts(3, seed=3)).scores, "with three of each the families are compared"
