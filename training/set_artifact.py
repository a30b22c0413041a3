"""Multi-label models as skops bytes that cannot run code on load, and back: ``{"kind": "label-sets", "family",
"pipeline", "terms", "thresholds", "labels"}``. As in ``training.family_artifact``, each TF-IDF vocabulary travels
as one newline-joined string; the trusted types are that module's plus the two classes of ``training.multilabel``.
Loading checks the embedders, the thresholds and that fixed texts get finite probabilities in [0, 1], one per
label."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from hloop.core.errors import ModelIntegrityError
from training import family_artifact
from training.families import FAMILIES, vectorizers, verify_embedders
from training.integrity import FIXED_TEXTS
from training.multilabel import AveragedLabelProbabilities

TRUSTED_TYPES: tuple[str, ...] = (
    *family_artifact.TRUSTED_TYPES,
    "training.multilabel.LabelwiseClassifier",
    "training.multilabel.AveragedLabelProbabilities",
)
KIND = "label-sets"


@dataclass(frozen=True)
class SetModel:
    """A fitted multi-label pipeline with its family, per-label thresholds (tuned on dev) and label names."""

    family: str
    pipeline: Pipeline
    thresholds: np.ndarray
    labels: tuple[str, ...]


def _members(pipeline: Pipeline) -> list[Pipeline]:
    """The pipelines whose parts are saved: the ensemble's members, or the pipeline itself."""
    last = pipeline.steps[-1][1]
    return list(getattr(last, "members_", [])) if isinstance(last, AveragedLabelProbabilities) else [pipeline]


def _vectorizers(pipeline: Pipeline) -> Iterator[TfidfVectorizer]:
    for member in _members(pipeline):
        yield from vectorizers(member)


def dumps(model: SetModel) -> bytes:
    """The skops bytes of ``model`` (not changed)."""
    if model.family not in FAMILIES:
        raise ModelIntegrityError(f"Unknown model family {model.family!r}.")
    bare = copy.deepcopy(model.pipeline)
    terms = family_artifact.detach_terms(_vectorizers(bare))
    content = {
        "kind": KIND,
        "family": model.family,
        "pipeline": bare,
        "terms": terms,
        "thresholds": [float(t) for t in model.thresholds],
        "labels": list(model.labels),
    }
    return sio.dumps(content)


def loads(data: bytes, labels: Sequence[str] | None = None) -> SetModel:
    """The model in ``data``; ModelIntegrityError for an untrusted type, another shape, other ``labels`` than the
    project's, or an embedder that is not the one the model was fitted with."""
    content = family_artifact.trusted_content(data, TRUSTED_TYPES)
    keys = {"kind", "family", "pipeline", "terms", "thresholds", "labels"}
    if not (isinstance(content, dict) and set(content) == keys and content["kind"] == KIND):
        raise ModelIntegrityError("The model file does not hold a multi-label model; retrain.")
    family, pipeline, terms = content["family"], content["pipeline"], content["terms"]
    names, thresholds = tuple(content["labels"]), np.asarray(content["thresholds"], dtype=float)
    if family not in FAMILIES or not isinstance(pipeline, Pipeline):
        raise ModelIntegrityError(f"The model file holds no pipeline of a known family ({family!r}); retrain.")
    if labels is not None and tuple(labels) != names:
        raise ModelIntegrityError(
            f"The model was trained for the labels {', '.join(names[:8])}, not this project's; retrain."
        )
    if thresholds.shape != (len(names),) or not ((thresholds > 0) & (thresholds < 1)).all():
        raise ModelIntegrityError("The model file's thresholds are not one per label in (0, 1); retrain.")
    family_artifact.attach_terms(list(_vectorizers(pipeline)), terms)
    for member in _members(pipeline):
        verify_embedders(member)
    model = SetModel(family, pipeline, thresholds, names)
    _check_predicts(model)
    return model


def _check_predicts(model: SetModel) -> None:
    try:
        probs = np.asarray(model.pipeline.predict_proba(list(FIXED_TEXTS)), dtype=np.float64)
    except Exception as exc:  # whatever a damaged model raises: it cannot serve
        raise ModelIntegrityError(f"The model fails on a test prediction ({type(exc).__name__}: {exc})"[:300]) from exc
    sound = np.isfinite(probs).all() and (probs >= 0).all() and (probs <= 1 + 1e-9).all()
    if probs.shape != (len(FIXED_TEXTS), len(model.labels)) or not sound:
        raise ModelIntegrityError("The model's test probabilities are not finite, one per label, in [0, 1].")
