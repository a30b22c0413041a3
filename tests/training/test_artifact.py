"""Model files cannot run code: skops with our own trusted types; pickles and unknown types are refused."""

import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from hloop.core.errors import ModelIntegrityError
from tests.conftest import tiny_texts
from training.artifact import dumps, from_bytes, from_pipeline, loads, untrusted_types
from training.registry import ARTIFACT, CARD, LEGACY_ARTIFACT, Registry

TEXTS, _ = tiny_texts(5, seed=9)


class MakesAFile:
    """Unpickling this creates ``path``: the stand-in for arbitrary code in a crafted pickle."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (self.path, "code ran"))


class LookalikeClassifier(LogisticRegression):
    """A type skops does not trust by default and we never listed."""


def _place_version(root: Path, name: str, data: bytes, card: dict) -> None:
    """A version folder with ``data`` as ``name`` and a card whose sha256 matches it (what an attacker would write)."""
    folder = root / "v1"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    (folder / CARD).write_text(json.dumps({**card, "version": 1, "artifact_sha256": hashlib.sha256(data).hexdigest()}))


def test_round_trip_gives_identical_probabilities(tmp_path, fitted):
    assert np.array_equal(loads(dumps(fitted)).predict_proba(TEXTS), fitted.predict_proba(TEXTS))
    Registry(tmp_path).save(fitted, {})
    reloaded = Registry(tmp_path).load(1)
    assert np.array_equal(reloaded.predict_proba(TEXTS), fitted.predict_proba(TEXTS))
    assert reloaded.named_steps["tfidf"].vocabulary_ == fitted.named_steps["tfidf"].vocabulary_
    assert json.loads((tmp_path / "v1" / CARD).read_text())["format"] == "skops"


def test_dumps_leaves_the_pipeline_as_it_was(fitted):
    vocabulary = dict(fitted.named_steps["tfidf"].vocabulary_)
    dumps(fitted)
    assert fitted.named_steps["tfidf"].vocabulary_ == vocabulary


@pytest.mark.parametrize("placed_as", ["old pickle version", "pickle renamed to the new format"])
def test_crafted_pickle_with_matching_sha256_never_runs(tmp_path, placed_as):
    marker = tmp_path / "marker"
    payload = pickle.dumps(MakesAFile(marker))
    if placed_as == "old pickle version":
        _place_version(tmp_path / "models", LEGACY_ARTIFACT, payload, {})
        expected = "old pickle format.*trust-legacy 1"
    else:
        _place_version(tmp_path / "models", ARTIFACT, payload, {"format": "skops"})
        expected = "Not a skops model file"
    with pytest.raises(ModelIntegrityError, match=expected):
        Registry(tmp_path / "models").load(1)
    assert not marker.exists(), "loading ran code from the crafted file"


def test_skops_file_with_an_untrusted_type_is_refused(tmp_path, fitted):
    texts, labels = tiny_texts(5, seed=2)
    lookalike = LookalikeClassifier().fit(fitted.named_steps["tfidf"].transform(texts), labels)
    swapped = Pipeline([("tfidf", fitted.named_steps["tfidf"]), ("clf", lookalike)])
    crafted = sio.dumps({"pipeline": swapped, "terms": "a\nb"})
    with pytest.raises(ModelIntegrityError, match="LookalikeClassifier"):
        loads(crafted)
    _place_version(tmp_path, ARTIFACT, crafted, {"format": "skops"})
    with pytest.raises(ModelIntegrityError, match="v1: .*does not trust.*LookalikeClassifier"):
        Registry(tmp_path).load(1)


def test_trusted_types_in_another_shape_are_refused(fitted):
    with pytest.raises(ModelIntegrityError, match="not this program's pipeline"):
        loads(sio.dumps({"pipeline": fitted.named_steps["clf"], "terms": "a\nb"}))
    with pytest.raises(ModelIntegrityError, match="pipeline and its vocabulary"):
        loads(sio.dumps([1, 2, 3]))


def test_bytes_from_elsewhere_must_match_their_sha256(fitted):
    artifact = from_pipeline(fitted)
    received = from_bytes(artifact.data, artifact.sha256).pipeline
    assert np.array_equal(received.predict_proba(TEXTS), fitted.predict_proba(TEXTS))
    damaged = artifact.data[:-10] + bytes(10)
    with pytest.raises(ModelIntegrityError, match="sha256"):
        from_bytes(damaged, artifact.sha256)


def test_a_file_saved_with_the_earlier_vectorizer_name_still_loads_and_predicts_the_same():
    """Files saved before 2026-11-28 name the vectorizer ``VocabularyTfidfVectorizer``; they load as they were."""
    from sklearn.base import clone

    from training.pipeline import VocabularyTfidfVectorizer, make_pipeline

    texts, labels = tiny_texts(10, seed=3)
    fresh = make_pipeline()
    old = clone(fresh).set_params(tfidf=VocabularyTfidfVectorizer(**fresh.named_steps["tfidf"].get_params()))
    old.fit(texts, labels)
    loaded = loads(dumps(old))
    assert type(loaded.named_steps["tfidf"]) is VocabularyTfidfVectorizer
    np.testing.assert_array_equal(loaded.predict_proba(texts[:5]), old.predict_proba(texts[:5]))
    np.testing.assert_allclose(loaded.predict_proba(texts[:5]), fresh.fit(texts, labels).predict_proba(texts[:5]))


def _other_shapes(fitted) -> dict[str, Pipeline]:
    """Pipelines of trusted types that are not ours: each would load past the type check."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import MaxAbsScaler

    tfidf, clf = fitted.named_steps["tfidf"], fitted.named_steps["clf"]
    return {
        "steps swapped": Pipeline([("clf", clf), ("tfidf", tfidf)]),
        "a third step": Pipeline([("tfidf", tfidf), ("scale", MaxAbsScaler()), ("clf", clf)]),
        "the classifier alone": Pipeline([("clf", clf)]),
        "the vectorizer twice": Pipeline([("tfidf", tfidf), ("clf", tfidf)]),
        "another vectorizer type": Pipeline([("tfidf", CountVectorizer().fit(TEXTS)), ("clf", clf)]),
        "steps renamed": Pipeline([("vectorizer", tfidf), ("classifier", clf)]),
    }


@pytest.mark.parametrize(
    "shape",
    ["steps swapped", "a third step", "the classifier alone", "the vectorizer twice", "another vectorizer type",
     "steps renamed"],
)  # fmt: skip
def test_a_pipeline_of_trusted_types_in_another_shape_is_refused(tmp_path, fitted, shape):
    data = sio.dumps({"pipeline": _other_shapes(fitted)[shape], "terms": "a\nb"})
    assert untrusted_types(data) == []  # only the shape check tells it is not ours
    with pytest.raises(ModelIntegrityError, match="not this program's pipeline"):
        loads(data)
    _place_version(tmp_path, ARTIFACT, data, {"format": "skops"})
    with pytest.raises(ModelIntegrityError, match="v1: The model is not this program's pipeline"):
        Registry(tmp_path).load(1)
