"""One simulated run of the multi-label loop: a random warm-up, then batches picked by a strategy, answered by an
annotator (the oracle's true sets, or a noisy annotator's), a fresh one-vs-rest model each step with thresholds
tuned on dev, and micro-F1 on eval recorded (eval is never queued, tuned on or chosen on)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hloop.core.errors import InvalidInputError
from hloop.core.multilabel_metrics import micro_f1
from hloop.core.multilabel_strategies import get_set_strategy
from hloop.core.strategies import top_k
from training.embeddings import EmbeddedTexts
from training.multilabel import decide_sets, fit_multilabel_family, tune_thresholds

Texts = Sequence[str] | EmbeddedTexts
Annotate = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def oracle(truth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The true label sets."""
    return np.asarray(truth, dtype=bool).copy()


def noisy(miss: float = 0.2, extra: float = 0.01) -> Annotate:
    """An annotator who leaves out each true label with probability ``miss`` and adds each other label with
    probability ``extra``; an answer never comes back empty (the first true label stays)."""

    def annotate(truth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        t = np.asarray(truth, dtype=bool)
        answer = (t & (rng.random(t.shape) >= miss)) | (~t & (rng.random(t.shape) < extra))
        empty = ~answer.any(axis=1) & t.any(axis=1)
        answer[empty, t[empty].argmax(axis=1)] = True
        return answer

    return annotate


@dataclass(frozen=True)
class SetRun:
    """A run's curve: labelled texts after each step and eval micro-F1 of the model trained on them."""

    strategy: str
    seed: int
    labels: list[int] = field(default_factory=list)
    f1_micro: list[float] = field(default_factory=list)

    def labels_to(self, target: float) -> int | None:
        """The labelled texts at the first step whose micro-F1 reached ``target`` (None: never)."""
        return next((n for n, f in zip(self.labels, self.f1_micro, strict=True) if f >= target), None)


def take(texts: Texts, rows: np.ndarray) -> Texts:
    """The texts at ``rows`` (their stored embeddings too)."""
    if isinstance(texts, EmbeddedTexts):
        return texts.subset(rows)
    return [texts[int(i)] for i in rows]


def simulate_sets(
    pool: Texts,
    pool_truth: np.ndarray,
    dev: tuple[Texts, np.ndarray],
    evaluation: tuple[Texts, np.ndarray],
    *,
    strategy: str,
    family: str = "tfidf-lr",
    embeddings: str = "wordllama",
    seed: int = 0,
    warmup: int = 100,
    batch: int = 50,
    stop_at: float | None = None,
    max_labels: int | None = None,
    annotator: Annotate = oracle,
) -> SetRun:
    """Run the loop over ``pool`` (its true sets ``pool_truth`` answered by ``annotator`` as texts are asked) until
    eval micro-F1 reaches ``stop_at``, ``max_labels`` texts are labelled, or the pool is used up."""
    score = get_set_strategy(strategy)
    truth = np.asarray(pool_truth, dtype=bool)
    if truth.shape[0] != len(pool) or warmup < 1 or batch < 1:
        raise InvalidInputError(f"{len(pool)} pool texts, {truth.shape[0]} label sets, warmup {warmup}, batch {batch}.")
    rng = np.random.default_rng(seed)
    limit = len(pool) if max_labels is None else min(len(pool), max_labels)
    asked = rng.permutation(len(pool))[: min(warmup, limit)]
    answers = annotator(truth[asked], rng)
    run = SetRun(strategy, seed)
    while True:
        model = fit_multilabel_family(family, take(pool, asked), answers, embeddings=embeddings, random_state=seed)
        thresholds = tune_thresholds(model.predict_proba(dev[0]), dev[1])
        predicted = decide_sets(model.predict_proba(evaluation[0]), thresholds)
        run.labels.append(int(asked.size))
        run.f1_micro.append(micro_f1(evaluation[1], predicted))
        if (stop_at is not None and run.f1_micro[-1] >= stop_at) or asked.size >= limit:
            return run
        rest = np.setdiff1d(np.arange(len(pool)), asked)
        cardinality = float(answers.sum(axis=1).mean())
        scores = score(model.predict_proba(take(pool, rest)), thresholds, cardinality, rng)
        picked = rest[top_k(scores, min(batch, limit - asked.size), rng)]
        asked = np.concatenate([asked, picked])
        answers = np.vstack([answers, annotator(truth[picked], rng)])
