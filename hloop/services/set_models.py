"""A multi-label project's models: fit a one-vs-rest family on the store's label sets (seed and human, weighted),
tune each label's threshold on dev, evaluate on eval, and gate on dev micro-F1 before a version serves. Dev is
never trained on; eval is never trained on or used for a choice (the family under ``auto`` is chosen on dev)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from hloop.core.errors import NothingToTrainError
from hloop.core.labels import LabelSet
from hloop.core.multilabel_metrics import multilabel_metrics, paired_set_gate
from hloop.core.set_cards import SetCard, SetTraining
from training.embeddings import EmbeddedTexts, shared_embedder
from training.multilabel import cross_fitted_f1, decide_sets, fit_multilabel_family, tune_thresholds
from training.set_artifact import SetModel

TFIDF_CANDIDATES = ("tfidf-lr", "tfidf-cnb")
EMBEDDING_CANDIDATES = ("tfidf-lr", "hybrid", "ensemble")  # auto's candidates when there are embeddings
MIN_DEV = 10  # fewer dev texts cannot tune thresholds or judge a version


def features(texts: Sequence[str], embeddings: str) -> EmbeddedTexts | list[str]:
    """What a family is fitted on and predicts from: the texts with their embeddings (or the bare texts)."""
    texts = list(texts)
    if embeddings == "none":
        return texts
    embedder = shared_embedder(embeddings)
    return EmbeddedTexts(texts, embedder.embed(texts), embedder.identity)


def probabilities(model: SetModel, texts: Sequence[str], embeddings: str) -> np.ndarray:
    """Each text's per-label probabilities under ``model``, (n, labels)."""
    if not texts:
        return np.zeros((0, len(model.labels)))
    return np.asarray(model.pipeline.predict_proba(features(texts, embeddings)), dtype=float)


def candidates(model: str, embeddings: str) -> tuple[str, ...]:
    """The families ``HLOOP_MODEL`` lets compete: itself, or auto's list."""
    if model != "auto":
        return (model,)
    return TFIDF_CANDIDATES if embeddings == "none" else EMBEDDING_CANDIDATES


def fit_version(
    train: tuple[list[str], np.ndarray, np.ndarray],
    dev: tuple[list[str], np.ndarray],
    label_set: LabelSet,
    *,
    model: str,
    embeddings: str,
    allow_empty: bool,
    random_state: int = 0,
) -> tuple[SetModel, dict]:
    """(the model, what its card says of the choice): every candidate fitted on ``train`` (texts, indicator,
    weights), scored on dev by cross-fitted micro-F1; the best one's thresholds tuned on all of dev."""
    texts, y, weights = train
    dev_texts, dev_y = dev
    if len(dev_texts) < MIN_DEV:
        raise NothingToTrainError(
            f"Only {len(dev_texts)} dev texts: {MIN_DEV} are needed to tune thresholds. Label more, or raise "
            "HLOOP_DEV_SHARE."
        )
    if not y.any():
        raise NothingToTrainError("No training text has a label yet: label some (hloop label) first.")
    x, x_dev = features(texts, embeddings), features(dev_texts, embeddings)
    scored = {}
    for family in candidates(model, embeddings):
        started = time.perf_counter()
        pipeline = fit_multilabel_family(
            family, x, y, embeddings=embeddings, sample_weight=weights, random_state=random_state
        )
        p_dev = np.asarray(pipeline.predict_proba(x_dev), dtype=float)
        score = cross_fitted_f1(p_dev, dev_y, allow_empty)
        scored[family] = (score, pipeline, p_dev, time.perf_counter() - started)
    winner = max(scored, key=lambda f: (round(scored[f][0], 3), -list(scored).index(f)))  # ties: the simpler one
    score, pipeline, p_dev, _seconds = scored[winner]
    thresholds = tune_thresholds(p_dev, dev_y)
    choice = {
        "family": winner,
        "candidates": {
            f: {"dev_f1_micro_cross_fitted": round(s, 4), "seconds": round(t, 2)} for f, (s, _, _, t) in scored.items()
        },  # fmt: skip
        "why": "the only family asked for"
        if len(scored) == 1
        else "best cross-fitted micro-F1 on dev (ties within 0.001 go to the simpler family)",
    }
    return SetModel(winner, pipeline, thresholds, label_set.names), choice


def card_of(
    model: SetModel,
    choice: dict,
    *,
    eval_set: tuple[list[str], np.ndarray],
    dev_set: tuple[list[str], np.ndarray],
    current: SetModel | None,
    label_set: LabelSet,
    embeddings: str,
    allow_empty: bool,
    counts: SetTraining,
    margin: float,
    alpha: float,
) -> SetCard:
    """The card: metrics on eval (with intervals) and on dev, and the gate on dev (whether it may serve)."""
    dev_texts, dev_y = dev_set
    candidate_dev = decide_sets(probabilities(model, dev_texts, embeddings), model.thresholds, allow_empty)
    current_dev = None
    if current is not None:
        current_dev = decide_sets(probabilities(current, dev_texts, embeddings), current.thresholds, allow_empty)
    gate = paired_set_gate(dev_y, current_dev, candidate_dev, margin=margin, alpha=alpha)
    eval_texts, eval_y = eval_set
    metrics = None
    if eval_texts:
        predicted = decide_sets(probabilities(model, eval_texts, embeddings), model.thresholds, allow_empty)
        metrics = multilabel_metrics(eval_y, predicted, label_set)
    return SetCard(
        model_family=model.family,
        embeddings=embeddings,
        labels=label_set.names,
        thresholds={name: float(t) for name, t in zip(label_set.names, model.thresholds, strict=True)},
        training=counts,
        dev_metrics=multilabel_metrics(dev_y, candidate_dev, label_set),
        metrics=metrics,
        gate=gate.to_dict(),
        choice=choice,
        allow_empty=allow_empty,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
