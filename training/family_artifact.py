"""Any model family as skops bytes that cannot run code on load, and back, as a ``training.artifact.Artifact``.

The file is a skops archive of ``{"family": name, "pipeline": ..., "terms": [...]}``: like
``training.artifact``'s, every TF-IDF vocabulary inside leaves the pipeline and travels as one newline-joined
string (one per vectorizer, in the order ``vectorizers`` finds them), which keeps large vocabularies small and
fast. ``tfidf-lr`` keeps today's format (``training.artifact.dumps``), so its files are the same as before and
old versions load unchanged. The trusted types are ``training.artifact.TRUSTED_TYPES`` plus the three classes of
``training.families`` (no code, no weights) and the two fitted parts of scikit-learn's calibration. Loading checks
every embedding step's embedder identity against this process's embedder, and that fixed texts get finite
probabilities summing to 1.
"""

from __future__ import annotations

import copy

import numpy as np
import skops.io as sio
from sklearn.pipeline import Pipeline

from hloop.core.errors import ModelIntegrityError
from training import artifact
from training.artifact import Artifact, sha256_bytes
from training.families import FAMILIES, vectorizers, verify_embedders
from training.integrity import FIXED_TEXTS

TRUSTED_TYPES: tuple[str, ...] = (
    *artifact.TRUSTED_TYPES,
    "training.families.TextEmbedding",
    "training.families.AveragedProbabilities",
    "training.families.CosineCentroids",
    # CalibratedClassifierCV's fitted parts (tfidf-cnb): scikit-learn classes that skops leaves untrusted because
    # their names are private; they hold arrays and the calibrated estimator, no code
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)
_SEP = "\n"


def dumps(pipeline: Pipeline, family: str) -> bytes:
    """The skops bytes of a fitted pipeline of ``family`` (the pipeline itself is not changed)."""
    if family == "tfidf-lr":
        return artifact.dumps(pipeline)
    if family not in FAMILIES:
        raise ModelIntegrityError(f"Unknown model family {family!r}.")
    bare = copy.deepcopy(pipeline)
    terms = detach_terms(vectorizers(bare))
    return sio.dumps({"family": family, "pipeline": bare, "terms": terms})


def detach_terms(found) -> list[str]:
    """Take each vectorizer's vocabulary out (the vectorizers are changed), as one newline-joined string each."""
    terms = []
    for vectorizer in found:
        names = vectorizer.get_feature_names_out().tolist()
        joined = _SEP.join(names)
        if joined.count(_SEP) != len(names) - 1:
            raise ModelIntegrityError("A vocabulary term contains a newline; this token pattern cannot be saved.")
        terms.append(joined)
        del vectorizer.vocabulary_
    return terms


def attach_terms(found: list, terms: object) -> None:
    """Give each vectorizer its vocabulary back from ``terms`` (``detach_terms``' strings), checked."""
    if not (isinstance(terms, list) and len(terms) == len(found) and all(isinstance(t, str) for t in terms)):
        raise ModelIntegrityError("The model file's vocabularies do not match its vectorizers; retrain.")
    for vectorizer, joined in zip(found, terms, strict=True):
        words = joined.split(_SEP)
        vectorizer.vocabulary_ = dict(zip(words, range(len(words)), strict=True))
        if len(vectorizer.vocabulary_) != len(words):
            raise ModelIntegrityError("The model's vocabulary lists a term twice; the file was altered. Retrain.")


def trusted_content(data: bytes, trusted: tuple[str, ...]) -> object:
    """What a skops file holds, refused (ModelIntegrityError) when it holds a type outside ``trusted``."""
    try:
        unknown = sorted(set(sio.get_untrusted_types(data=data)) - set(trusted))
    except Exception as exc:  # not a zip, or no skops schema inside
        raise ModelIntegrityError(f"Not a skops model file ({type(exc).__name__}: {exc}).") from exc
    if unknown:
        raise ModelIntegrityError(
            f"The model file holds types this program does not trust ({', '.join(unknown)}); it was not loaded."
        )
    try:
        return sio.loads(data, trusted=list(trusted))
    except Exception as exc:  # a damaged archive, or a skops/scikit-learn version mismatch
        raise ModelIntegrityError(f"The model file could not be read ({type(exc).__name__}: {exc}).") from exc


def loads(data: bytes) -> tuple[str, Pipeline]:
    """(family, pipeline) of ``data``; ModelIntegrityError for an untrusted type, another shape, or an embedder
    that is not the one the model was fitted with."""
    content = trusted_content(data, TRUSTED_TYPES)
    if isinstance(content, dict) and set(content) == {"pipeline", "terms"}:
        return "tfidf-lr", artifact.pipeline_of(content)  # today's format, with today's checks
    if not (isinstance(content, dict) and set(content) == {"family", "pipeline", "terms"}):
        raise ModelIntegrityError("The model file does not hold a model family; retrain.")
    family, pipeline, terms = content["family"], content["pipeline"], content["terms"]
    if family not in FAMILIES or not isinstance(pipeline, Pipeline) or pipeline.steps[-1][0] != "clf":
        raise ModelIntegrityError(f"The model file holds no pipeline of a known family ({family!r}); retrain.")
    attach_terms(list(vectorizers(pipeline)), terms)
    verify_embedders(pipeline)
    _check_predicts(pipeline)
    return family, pipeline


def _check_predicts(pipeline: Pipeline) -> None:
    try:
        probs = np.asarray(pipeline.predict_proba(list(FIXED_TEXTS)), dtype=np.float64)
    except Exception as exc:  # whatever a damaged model raises: it cannot serve
        raise ModelIntegrityError(f"The model fails on a test prediction ({type(exc).__name__}: {exc})"[:300]) from exc
    if not (np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1.0, atol=1e-6) and (probs >= 0).all()):
        raise ModelIntegrityError("The model's test probabilities are not finite rows summing to 1.")


def from_pipeline(pipeline: Pipeline, family: str) -> Artifact:
    """The artifact of a family pipeline fitted in this process."""
    data = dumps(pipeline, family)
    return Artifact(data, sha256_bytes(data), pipeline)


def from_bytes(data: bytes, sha256: str, family: str | None = None) -> Artifact:
    """The artifact of bytes from elsewhere (a fit just made by this program): refused unless they match
    ``sha256``, load safely as a family (``family``, when given), have this program's settings and predict
    soundly (``training.artifact.from_bytes``'s checks for tfidf-lr)."""
    if sha256_bytes(data) != sha256:
        raise ModelIntegrityError("The model file does not match its sha256 (damaged on the way); it was not loaded.")
    found, pipeline = loads(data)
    if family is not None and found != family:
        raise ModelIntegrityError(f"The model file holds a {found} model, not the {family} one it should.")
    if found == "tfidf-lr":
        return artifact.from_bytes(data, sha256)
    return Artifact(data, sha256, pipeline)
