"""Train one model version: fit on seed + human labels, evaluate on the eval split, build its card."""

from __future__ import annotations

import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import joblib
import numpy as np
import scipy
import sklearn
import skops
from sklearn.pipeline import Pipeline

from hloop.core.errors import InvalidInputError
from training.evaluate import evaluate
from training.pipeline import HYPERPARAMETERS, fit_pipeline


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


def train_version(
    texts: Sequence[str],
    labels: Sequence[int],
    human: Sequence[bool],
    *,
    feedback_weight: float,
    eval_texts: Sequence[str],
    eval_labels: Sequence[int],
    parent: int | None,
    data_fingerprint: str,
    random_state: int = 0,
) -> tuple[Pipeline, dict]:
    """Fit a fresh pipeline (human rows weighted ``feedback_weight``) and return it with its card."""
    if not 0 < feedback_weight <= 100:
        raise InvalidInputError(f"Feedback weight must be in (0, 100], got {feedback_weight}.")
    human_mask = np.asarray(human, dtype=bool)
    weights = np.where(human_mask, float(feedback_weight), 1.0)
    fit = fit_pipeline(texts, labels, weights, random_state=random_state)
    start = time.perf_counter()
    metrics = evaluate(fit.pipeline, eval_texts, eval_labels)
    eval_seconds = time.perf_counter() - start
    card = {
        "parent": parent,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training": {
            "rows": int(human_mask.shape[0]),
            "seed_labels": int((~human_mask).sum()),
            "human_labels": int(human_mask.sum()),
            "feedback_weight": float(feedback_weight),
            "class_counts": np.bincount(np.asarray(labels, dtype=np.int64), minlength=4).tolist(),
        },
        "hyperparameters": {**HYPERPARAMETERS, "random_state": random_state},
        "converged": fit.converged,
        "training_seconds": round(fit.seconds, 4),
        "eval_seconds": round(eval_seconds, 4),
        "metrics": metrics,
        "library_versions": library_versions(),
        "data_fingerprint": data_fingerprint,
    }
    return fit.pipeline, card
