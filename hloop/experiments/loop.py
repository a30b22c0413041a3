"""One simulated run of the loop: pick a batch with a strategy, ask the annotator, retrain, evaluate, repeat.

Each step is the product's: a fresh model (tfidf-lr: its TF-IDF rebuilt from cached term counts, see
``features``; another family: fitted on the texts with their stored embeddings, see ``models``) fitted on seed
labels (weight 1) plus the annotator's answers (weight ``feedback_weight``), evaluated on the eval split; the
queue scores the whole pool with the strategy and ``top_k`` and skips labelled items.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hloop.config import Settings
from hloop.core.errors import InvalidInputError
from hloop.core.labels import LabelSet
from hloop.core.metrics import classification_metrics
from hloop.core.strategies import QueryContext, Strategy, top_k
from hloop.data.corpus import Corpus
from hloop.data.splits import carve_dev, split_train
from hloop.experiments.annotators import Annotator
from hloop.experiments.features import Features, StepVectorizer
from hloop.experiments.models import FAST_FAMILY, FamilyTexts, ModelPlan, fit_tfidf_lr, needs_texts

StepCallback = Callable[[int], None]


@dataclass(frozen=True)
class TrainingSet:
    """What one model version is trained on: train rows, their labels and sample weights."""

    rows: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    human: np.ndarray


def training_set(
    seed_rows: np.ndarray, seed_labels: np.ndarray, asked: np.ndarray, answers: np.ndarray, feedback_weight: float
) -> TrainingSet:
    """The product's composition: seed labels (weight 1) plus human answers (weight ``feedback_weight``),
    in the order the label store returns them (by example id, which follows the train row)."""
    rows = np.concatenate([seed_rows, asked])
    order = np.argsort(rows, kind="stable")
    human = np.concatenate([np.zeros(seed_rows.size, bool), np.ones(asked.size, bool)])[order]
    return TrainingSet(
        rows=rows[order],
        labels=np.concatenate([seed_labels, answers]).astype(np.int64)[order],
        weights=np.where(human, float(feedback_weight), 1.0),
        human=human,
    )


def fit_version(features: Features, data: TrainingSet, random_state: int) -> tuple[StepVectorizer, object]:
    """A fresh tfidf-lr vectorizer and classifier with the product's hyperparameters."""
    return fit_tfidf_lr(features, data.rows, data.labels, data.weights, random_state)


DEV_SHARE = Settings.model_fields["dev_share"].default
DEV_MAX = Settings.model_fields["dev_max"].default


@dataclass(frozen=True)
class Checkpoint:
    """One evaluated model version of a run."""

    labels: int
    human_labels: int
    accuracy: float
    f1_macro: float
    seconds: float
    dev_accuracy: float | None = None  # on dev, where choices are made (eval is for reporting only)
    dev_f1_macro: float | None = None
    family: str = FAST_FAMILY  # the model family this version trained
    chose_family: bool = False  # auto compared the families again for this version


@dataclass(frozen=True)
class RunResult:
    """Every checkpoint of a run, the rows asked in order, the answers, and the last training set."""

    checkpoints: list[Checkpoint]
    asked: np.ndarray
    answers: np.ndarray
    last_training: TrainingSet
    choices: tuple = ()  # auto's FamilyChoice for each time it chose


Dev = tuple[np.ndarray, np.ndarray]  # (dev rows of the train split, their gold labels)


def dev_metrics(version, dev: Dev | None, label_set: LabelSet) -> dict | None:
    """Metrics on the dev rows (None without any)."""
    if dev is None or not dev[0].size:
        return None
    return classification_metrics(dev[1], version.predict_train(dev[0]), label_set)


def run_loop(
    features: Features,
    seed_rows: np.ndarray,
    seed_labels: np.ndarray,
    pool_rows: np.ndarray,
    annotator: Annotator,
    strategy: Strategy,
    *,
    batch: int,
    budget: int,
    feedback_weight: float,
    seed: int,
    label_set: LabelSet,
    on_step: StepCallback | None = None,
    dev: Dev | None = None,
    model: str = FAST_FAMILY,
    texts: FamilyTexts | None = None,
) -> RunResult:
    """Run until ``budget`` human labels (or an empty pool); evaluate every version on the eval split, and on
    the dev rows (train rows never asked or trained on) when given. ``model``: a family or ``auto`` (any but
    tfidf-lr needs ``texts``, with their embeddings for the embedding families)."""
    if needs_texts(model) and texts is None:
        raise InvalidInputError(f"Simulating the model {model!r} needs the run's texts (family_texts).")
    start = time.perf_counter()
    plan = ModelPlan(model, texts, seed)
    pool = pool_rows[annotator.answerable[pool_rows]]
    is_asked = np.zeros(pool.size, dtype=bool)
    asked, answers = np.empty(0, np.int64), np.empty(0, np.int64)
    checkpoints: list[Checkpoint] = []
    step = 0
    while True:
        data = training_set(seed_rows, seed_labels, asked, answers, feedback_weight)
        version, chose = plan.fit(features, data.rows, data.labels, data.weights)
        metrics = classification_metrics(features.eval_labels, version.predict_eval(), label_set)
        scored = dev_metrics(version, dev, label_set)
        checkpoints.append(
            Checkpoint(
                int(data.rows.size),
                int(asked.size),
                metrics["accuracy"],
                metrics["f1_macro"],
                round(time.perf_counter() - start, 4),
                scored and scored["accuracy"],
                scored and scored["f1_macro"],
                version.family,
                chose,
            )
        )
        if on_step is not None:
            on_step(step)
        want = min(batch, budget - asked.size, int((~is_asked).sum()))
        if want <= 0:
            return RunResult(checkpoints, asked, answers, data, tuple(plan.choices))
        # as Services ranks the queue: score the whole pool with version step+1's generator, skip labelled items
        rng = np.random.default_rng([seed, step + 1])
        probs = version.probabilities(pool)
        scores = strategy(probs, rng, QueryContext(labelled=int(data.rows.size)))
        order = top_k(scores, pool.size, rng)
        fresh = order[~is_asked[order]][:want]
        is_asked[fresh] = True
        picked = pool[fresh]
        asked = np.concatenate([asked, picked])
        answers = np.concatenate([answers, annotator.answer(picked)])
        step += 1


def split_rows(corpus: Corpus, usable: np.ndarray, seed_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(seed rows, pool rows) as the product splits them for ``seed``; the seed must hold every label."""
    seed_rows, pool_rows, _dev = split_with_dev(corpus, usable, seed_size, seed)
    return seed_rows, pool_rows


def split_with_dev(
    corpus: Corpus, usable: np.ndarray, seed_size: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(seed rows, pool rows, dev rows) as the product splits them for ``seed`` (dev with the default
    ``HLOOP_DEV_SHARE`` and ``HLOOP_DEV_MAX``, out of the pool); the seed must hold every label."""
    labels = np.asarray(corpus.train_labels)
    split, dev = carve_dev(labels, split_train(labels, seed_size, seed), DEV_SHARE, DEV_MAX, seed)
    seed_rows = np.intersect1d(split.seed, usable)
    pool_rows = np.intersect1d(split.pool, usable)
    if np.unique(np.asarray(corpus.train_labels)[seed_rows]).size < 2:
        raise InvalidInputError(
            f"A seed of {seed_size} holds fewer than two different labels; use a larger --seed-size."
        )
    return seed_rows, pool_rows, np.intersect1d(dev, usable)
