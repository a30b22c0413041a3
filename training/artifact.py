"""A fitted pipeline as bytes that cannot run code when loaded: a skops file checked against our own type list.

The file is a skops archive of ``{"pipeline": ..., "terms": ...}``: the pipeline without its vectorizer's
vocabulary, and the vocabulary as one newline-joined string of terms in column order. skops stores a dict
element by element, so the 220,000-term vocabulary of 10,000 news texts made the plain skops file 145 MB and
its load 8.7 s; as one string, the file is 12 MB and loads in about 0.1 s (joblib: 0.6 s).

Loading refuses any type that skops does not trust by default and that is not in ``TRUSTED_TYPES``, then
checks the object is exactly our pipeline (a ``TfidfVectorizer`` then a ``LogisticRegression``; files saved before
2026-11-28 name the vectorizer ``VocabularyTfidfVectorizer``, the same type under another name). Bytes from
elsewhere (a fit worker, Modal) are then checked by use (``training.integrity``); the registry checks its versions
against their cards.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from hloop.core.errors import ModelIntegrityError
from training.integrity import check_pipeline
from training.pipeline import VocabularyTfidfVectorizer

FORMAT = "skops"
# Types beyond skops's own defaults (scikit-learn estimators, numpy arrays, builtins) that our file may hold.
TRUSTED_TYPES: tuple[str, ...] = ("training.pipeline.VocabularyTfidfVectorizer",)
STEPS: tuple[tuple[str, type], ...] = (("tfidf", TfidfVectorizer), ("clf", LogisticRegression))
LEGACY_STEPS: tuple[tuple[str, type], ...] = (("tfidf", VocabularyTfidfVectorizer), ("clf", LogisticRegression))
_SEP = "\n"  # the token pattern's \w never matches a newline, so no term contains one


def dumps(pipeline: Pipeline) -> bytes:
    """The skops bytes of a fitted pipeline (the pipeline itself is not changed)."""
    _check_shape(pipeline)
    vectorizer = pipeline.named_steps["tfidf"]
    terms = vectorizer.get_feature_names_out().tolist()
    joined = _SEP.join(terms)
    if joined.count(_SEP) != len(terms) - 1:
        raise ModelIntegrityError("A vocabulary term contains a newline; this token pattern cannot be saved.")
    bare = copy.copy(vectorizer)
    del bare.vocabulary_
    return sio.dumps({"pipeline": copy.copy(pipeline).set_params(tfidf=bare), "terms": joined})


def untrusted_types(data: bytes) -> list[str]:
    """The types in ``data`` that neither skops's defaults nor ``TRUSTED_TYPES`` trust."""
    try:
        found = sio.get_untrusted_types(data=data)
    except Exception as exc:  # not a zip, or no skops schema inside
        raise ModelIntegrityError(f"Not a skops model file ({type(exc).__name__}: {exc}).") from exc
    return sorted(set(found) - set(TRUSTED_TYPES))


def loads(data: bytes) -> Pipeline:
    """The pipeline in ``data``; ModelIntegrityError for any type we do not trust or any other shape."""
    unknown = untrusted_types(data)
    if unknown:
        raise ModelIntegrityError(
            f"The model file holds types this program does not trust ({', '.join(unknown)}); it was not loaded. "
            "Retrain, or roll back to a version saved by this program."
        )
    try:
        content = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # a damaged archive, or a skops/scikit-learn version mismatch
        raise ModelIntegrityError(f"The model file could not be read ({type(exc).__name__}: {exc}).") from exc
    return pipeline_of(content)


def pipeline_of(content: object) -> Pipeline:
    """The pipeline of a loaded file's content (``{"pipeline", "terms"}``); ModelIntegrityError for another shape."""
    if not isinstance(content, dict) or set(content) != {"pipeline", "terms"} or not isinstance(content["terms"], str):
        raise ModelIntegrityError("The model file does not hold a pipeline and its vocabulary; retrain.")
    pipeline = content["pipeline"]
    _check_shape(pipeline)
    terms = content["terms"].split(_SEP)
    vocabulary = dict(zip(terms, range(len(terms)), strict=True))
    if len(vocabulary) != len(terms):
        raise ModelIntegrityError("The model's vocabulary lists a term twice; the file was altered. Retrain.")
    pipeline.named_steps["tfidf"].vocabulary_ = vocabulary
    return pipeline


def _check_shape(pipeline: object) -> None:
    """ModelIntegrityError unless ``pipeline`` is a Pipeline of exactly our steps."""
    try:
        shape = [(name, type(step)) for name, step in pipeline.steps] if isinstance(pipeline, Pipeline) else None
    except (TypeError, ValueError):  # steps that are not (name, estimator) pairs
        shape = None
    if shape not in (list(STEPS), list(LEGACY_STEPS)):
        raise ModelIntegrityError(
            "The model is not this program's pipeline (TF-IDF then logistic regression); retrain to replace it."
        )


@dataclass(frozen=True)
class Artifact:
    """A fitted pipeline with its skops bytes and their sha256."""

    data: bytes
    sha256: str
    pipeline: Pipeline


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def from_pipeline(pipeline: Pipeline) -> Artifact:
    """The artifact of a pipeline fitted in this process."""
    data = dumps(pipeline)
    return Artifact(data, sha256_bytes(data), pipeline)


def from_bytes(data: bytes, sha256: str) -> Artifact:
    """The artifact of bytes from elsewhere (a fit just made by this program): refused unless they match
    ``sha256``, load safely, have this program's settings and predict soundly."""
    if sha256_bytes(data) != sha256:
        raise ModelIntegrityError(
            "The model file does not match its sha256 (damaged on the way); it was not loaded. Train again."
        )
    pipeline = loads(data)
    try:
        check_pipeline(pipeline)
    except ModelIntegrityError as exc:
        raise ModelIntegrityError(f"The fitted model that came back is damaged: {exc}") from exc
    return Artifact(data, sha256, pipeline)
