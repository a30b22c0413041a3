"""The two pieces of work that can run elsewhere, as plain functions of plain values: fit and score.

``training/modal_app.py`` wraps them as Modal functions; ``training/compute.py`` calls them here or there.
Only bytes, lists, numbers and numpy arrays go in and out: an artifact travels as its skops bytes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from sklearn.pipeline import Pipeline

from hloop.core.errors import InvalidInputError
from training.artifact import dumps, loads, sha256_bytes
from training.pipeline import HYPERPARAMETERS, fit_pipeline


def _canonical(hyperparameters: dict) -> str:
    """Hyperparameters as comparable text (tuples and lists alike)."""
    return json.dumps(hyperparameters, sort_keys=True, default=str)


def fit_here(
    texts: Sequence[str],
    labels: Sequence[int],
    weights: Sequence[float] | None,
    hyperparameters: dict,
    random_state: int = 0,
) -> tuple[Pipeline, dict]:
    """The fitted pipeline and ``fit_artifact``'s dict (for a caller in this process, which needs no reload)."""
    start = time.perf_counter()
    if _canonical(hyperparameters) != _canonical(HYPERPARAMETERS):
        raise InvalidInputError(
            "This training code uses other hyperparameters than the caller's; redeploy it "
            "(`modal deploy training/modal_app.py`) from the same checkout."
        )
    fit = fit_pipeline(list(texts), list(labels), None if weights is None else list(weights), random_state)
    data = dumps(fit.pipeline)
    return fit.pipeline, {
        "artifact": data,
        "sha256": sha256_bytes(data),
        "converged": fit.converged,
        "fit_seconds": fit.seconds,
        "total_seconds": time.perf_counter() - start,
    }


def fit_artifact(
    texts: Sequence[str],
    labels: Sequence[int],
    weights: Sequence[float] | None,
    hyperparameters: dict,
    random_state: int = 0,
) -> dict:
    """Fit the product's pipeline; returns artifact (skops bytes), sha256, converged, fit_seconds, total_seconds.

    ``hyperparameters`` are the ones the caller expects (its ``HYPERPARAMETERS``): a deployed app whose code
    trains with others is out of date, and says so instead of training something else.
    """
    return fit_here(texts, labels, weights, hyperparameters, random_state)[1]


def warm_up() -> None:
    """Nothing; called in a fresh worker process, it imports this module and scikit-learn before the first fit."""


@lru_cache(maxsize=1)
def _pipeline_of(artifact: bytes) -> Pipeline:
    """The pipeline of an artifact, kept for the next chunk of the same version (a warm worker loads it once)."""
    return loads(artifact)


def score_chunk(artifact: bytes, texts: Sequence[str]) -> np.ndarray:
    """Class probabilities (rows = texts, columns = the pipeline's ``classes_``) of one chunk of texts."""
    return _pipeline_of(artifact).predict_proba(list(texts))
