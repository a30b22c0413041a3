"""Train one model version: fit on seed + human labels, evaluate on the eval split, build its card.

The card is a ``ModelCard`` from the start (version ``UNSAVED``: the registry numbers it when it saves it), so the
gate's verdict and the label snapshot are set on it as typed fields, never as keys of a dict."""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import joblib
import numpy as np
import scipy
import sklearn
import skops
from sklearn.pipeline import Pipeline

from hloop.core.cards import UNSAVED, Evaluation, Metrics, ModelCard, TrainingInfo
from hloop.core.labels import LabelSet
from hloop.core.metrics import MIN_EVAL
from hloop.core.models import LEGACY_FAMILY
from hloop.core.values import parse_weight
from training.artifact import Artifact
from training.compute import LocalCompute, ModalCompute
from training.embeddings import DEFAULT_SPEC, EmbeddedTexts
from training.evaluate import evaluate
from training.families import embedding_steps
from training.family_settings import family_hyperparameters


def library_versions() -> dict[str, str]:
    """Versions of the libraries an artifact depends on (scikit-learn warns on a mismatch)."""
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "skops": skops.__version__,
    }


def _composition(
    human_mask: np.ndarray, labels: Sequence[int], feedback_weight: float, n_labels: int, last_label_id: int | None
) -> TrainingInfo:
    """The card's ``training`` block: how many rows of each kind and class, and the newest label id."""
    return TrainingInfo(
        rows=int(human_mask.shape[0]),
        seed_labels=int((~human_mask).sum()),
        human_labels=int(human_mask.sum()),
        feedback_weight=float(feedback_weight),
        class_counts=tuple(np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_labels).tolist()),
        last_label_id=last_label_id,
    )


def train_artifact(
    texts: Sequence[str],
    labels: Sequence[int],
    human: Sequence[bool],
    *,
    feedback_weight: float,
    eval_texts: Sequence[str],
    eval_labels: Sequence[int],
    label_set: LabelSet,
    eval_origin: str = "split",
    parent: int | None,
    data_fingerprint: str,
    random_state: int = 0,
    compute: LocalCompute | ModalCompute | None = None,
    last_label_id: int | None = None,
    family: str = LEGACY_FAMILY,
    embeddings: str = DEFAULT_SPEC,
    choice: Mapping | None = None,
    bulk: Sequence[bool] | None = None,
    bulk_weight: float = 1.0,
) -> tuple[Artifact, ModelCard]:
    """Fit a model of ``family`` (or ``auto``) on ``compute`` (default: here; human rows weighted
    ``feedback_weight``), verify what comes back, evaluate it here and return the artifact with its card (for
    ``Registry.save_artifact``); ``last_label_id``: the newest label id in the store when the rows were read,
    recorded on the card. ``texts`` and ``eval_texts`` may be ``EmbeddedTexts`` (their stored vectors are used,
    nothing is embedded again); ``choice``: the earlier ``auto`` choice that fixed ``family``, kept on the card;
    ``bulk``: which human rows were labelled in bulk, weighted ``bulk_weight`` instead (both on the card)."""
    feedback_weight = parse_weight(feedback_weight)  # the one range (hloop.core.values), also for direct callers
    human_mask = np.asarray(human, dtype=bool)
    weights = np.where(human_mask, float(feedback_weight), 1.0)
    bulk_mask = np.zeros(human_mask.shape, bool) if bulk is None else np.asarray(bulk, dtype=bool)
    bulk_options = {}
    if bulk_mask.any():
        bulk_weight = parse_weight(bulk_weight)
        weights = np.where(bulk_mask, bulk_weight, weights)
        bulk_options = {"bulk_labels": int(bulk_mask.sum()), "bulk_weight": float(bulk_weight)}
    start = time.perf_counter()
    embedding: dict = {"spec": embeddings}
    if isinstance(texts, EmbeddedTexts):
        embedding.update(identity=texts.identity.to_dict(), vectors=texts.vectors)
    out = (compute or LocalCompute()).fit(
        list(texts), labels, weights.tolist(), random_state, family=family, embedding=embedding
    )
    round_trip = time.perf_counter() - start
    artifact = out.verified()
    start = time.perf_counter()
    metrics = evaluate(artifact.pipeline, eval_texts, eval_labels, label_set)
    eval_seconds = time.perf_counter() - start
    card = ModelCard(
        version=UNSAVED,
        parent=parent,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        labels=tuple(label_set.to_list()),
        training=_composition(human_mask, labels, feedback_weight, len(label_set), last_label_id),
        evaluation=Evaluation(eval_origin, len(eval_texts), MIN_EVAL, enough=metrics is not None),
        metrics=None if metrics is None else Metrics.from_dict(metrics),
        hyperparameters={
            **family_hyperparameters(out.family, embeddings),
            "random_state": random_state,
            **bulk_options,
        },
        converged=out.converged,
        training_seconds=round(out.fit_seconds, 4),
        compute=out.compute,
        compute_seconds=round(round_trip, 4),  # fit + saving the artifact, plus the trip to Modal and back
        eval_seconds=round(eval_seconds, 4),
        library_versions=library_versions(),
        data_fingerprint=data_fingerprint,
        family=out.family,
        embedder=_embedder_of(artifact.pipeline),
        choice=out.choice if out.choice is not None else (None if choice is None else dict(choice)),
    )
    return artifact, card


def _embedder_of(pipeline: Pipeline) -> dict | None:
    """The identity of the embeddings the model was fitted on (None for a TF-IDF family)."""
    steps = embedding_steps(pipeline)
    return None if not steps else dict(steps[0].identity_)


def train_version(
    texts: Sequence[str],
    labels: Sequence[int],
    human: Sequence[bool],
    **options,
) -> tuple[Pipeline, ModelCard]:
    """``train_artifact`` here, returning the fitted pipeline instead of the artifact (for ``Registry.save``)."""
    artifact, card = train_artifact(texts, labels, human, **options)
    return artifact.pipeline, card
