"""The two pieces of work that can run elsewhere, as plain functions of plain values: fit and score.

``training/modal_app.py`` wraps them as Modal functions; ``training/compute.py`` calls them here or there.
Only bytes, lists, numbers and numpy arrays go in and out: an artifact travels as its skops bytes.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from hloop.core.errors import InvalidInputError
from training import family_artifact
from training.artifact import dumps, sha256_bytes
from training.choice import choose_family
from training.embeddings import DEFAULT_SPEC, EmbeddedTexts, EmbedderIdentity, as_input
from training.families import family_hyperparameters, fit_family
from training.pipeline import fit_pipeline


def _canonical(hyperparameters: dict) -> str:
    """Hyperparameters as comparable text (tuples and lists alike)."""
    return json.dumps(hyperparameters, sort_keys=True, default=str)


def _fit_input(texts: Sequence[str], embedding: Mapping | None) -> list[str] | EmbeddedTexts:
    """The texts, with their precomputed vectors when ``embedding`` carries them (so nothing is embedded here)."""
    if embedding is None or embedding.get("vectors") is None:
        return list(texts)
    identity = EmbedderIdentity.from_dict(embedding["identity"])
    return EmbeddedTexts(list(texts), np.asarray(embedding["vectors"]), identity)


def fit_here(
    texts: Sequence[str],
    labels: Sequence[int],
    weights: Sequence[float] | None,
    hyperparameters: dict,
    random_state: int = 0,
    *,
    family: str = "tfidf-lr",
    embedding: Mapping | None = None,
) -> tuple[Pipeline, dict]:
    """The fitted pipeline and ``fit_artifact``'s dict (for a caller in this process, which needs no reload).

    ``family`` is a family or ``auto`` (the families are compared by cross-validation on these labels first, and
    the winner is fitted; the dict's ``choice`` says how). ``embedding``: ``{"spec": ..., "identity": ...,
    "vectors": ...}``, the embeddings spec and, when the caller has them, the texts' vectors."""
    start = time.perf_counter()
    spec = DEFAULT_SPEC if embedding is None else str(embedding.get("spec", DEFAULT_SPEC))
    if _canonical(hyperparameters) != _canonical(family_hyperparameters(family, spec)):
        raise InvalidInputError(
            "This training code uses other hyperparameters than the caller's; redeploy it "
            "(`modal deploy training/modal_app.py`) from the same checkout."
        )
    choice = None
    if family == "auto":
        choice = choose_family(_fit_input(texts, embedding), list(labels), seed=random_state, embeddings=spec)
        family = choice.family
    if family == "tfidf-lr":  # today's pipeline and file format, exactly
        fit = fit_pipeline(list(texts), list(labels), None if weights is None else list(weights), random_state)
        pipeline, seconds, converged, data = fit.pipeline, fit.seconds, fit.converged, dumps(fit.pipeline)
    else:
        began = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            pipeline = fit_family(
                family,
                _fit_input(texts, embedding),
                labels,
                embeddings=spec,
                sample_weight=weights,
                random_state=random_state,
            )
        seconds = time.perf_counter() - began
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        data = family_artifact.dumps(pipeline, family)
    return pipeline, {
        "artifact": data,
        "sha256": sha256_bytes(data),
        "converged": converged,
        "fit_seconds": seconds,
        "total_seconds": time.perf_counter() - start,
        "family": family,
        "choice": None if choice is None else choice.to_dict(),
    }


def fit_artifact(
    texts: Sequence[str],
    labels: Sequence[int],
    weights: Sequence[float] | None,
    hyperparameters: dict,
    random_state: int = 0,
    *,
    family: str = "tfidf-lr",
    embedding: Mapping | None = None,
) -> dict:
    """Fit a model of ``family`` (or ``auto``); returns artifact (skops bytes), sha256, converged, fit_seconds,
    total_seconds, family (the one fitted) and choice (``auto``'s comparison, else None).

    ``hyperparameters`` are the ones the caller expects (its ``family_hyperparameters``): a deployed app whose code
    trains with others is out of date, and says so instead of training something else.
    """
    return fit_here(texts, labels, weights, hyperparameters, random_state, family=family, embedding=embedding)[1]


def warm_up() -> None:
    """Nothing; called in a fresh worker process, it imports this module and scikit-learn before the first fit."""


@lru_cache(maxsize=1)
def _pipeline_of(artifact: bytes) -> Pipeline:
    """The pipeline of an artifact, kept for the next chunk of the same version (a warm worker loads it once)."""
    return family_artifact.loads(artifact)[1]


def score_chunk(artifact: bytes, texts: Sequence[str]) -> np.ndarray:
    """Class probabilities (rows = texts, columns = the pipeline's ``classes_``) of one chunk of texts."""
    return _pipeline_of(artifact).predict_proba(as_input(texts))
