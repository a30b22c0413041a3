"""The simulated multi-label loop: a random warm-up, batches by a strategy, a fresh model each step, a curve."""

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError
from hloop.experiments.multilabel_loop import noisy, oracle, simulate_sets
from tests.training.test_multilabel import _corpus


def _data():
    texts, y = _corpus(n=160, seed=1)
    return (texts[:100], y[:100]), (texts[100:130], y[100:130]), (texts[130:], y[130:])


@pytest.mark.parametrize("strategy", ["nearest_threshold", "label_cardinality_inconsistency", "random"])
def test_a_run_labels_in_batches_until_the_pool_is_used_up(strategy):
    (pool, truth), dev, evaluation = _data()
    run = simulate_sets(pool, truth, dev, evaluation, strategy=strategy, embeddings="none", warmup=20, batch=30)
    assert run.labels == [20, 50, 80, 100]
    assert all(0 <= f <= 1 for f in run.f1_micro) and run.f1_micro[-1] > 0.8
    assert run.labels_to(0.0) == 20 and run.labels_to(1.01) is None


def test_a_run_stops_at_its_target_or_its_label_budget():
    (pool, truth), dev, evaluation = _data()
    stopped = simulate_sets(pool, truth, dev, evaluation, strategy="nearest_threshold", embeddings="none",
                            warmup=20, batch=10, stop_at=0.0)  # fmt: skip
    assert stopped.labels == [20]
    capped = simulate_sets(pool, truth, dev, evaluation, strategy="random", embeddings="none", warmup=20, batch=30,
                           max_labels=60)  # fmt: skip
    assert capped.labels == [20, 50, 60]
    with pytest.raises(InvalidInputError):
        simulate_sets(pool, truth[:10], dev, evaluation, strategy="random", embeddings="none")


def test_the_noisy_annotator_misses_and_adds_labels_but_never_answers_nothing():
    rng = np.random.default_rng(0)
    truth = rng.random((4000, 6)) < 0.25
    truth[~truth.any(axis=1), 0] = True
    answer = noisy(miss=0.2, extra=0.01)(truth, rng)
    missed = (truth & ~answer).sum() / truth.sum()
    added = (~truth & answer).sum() / (~truth).sum()
    assert 0.1 < missed < 0.2 and 0.005 < added < 0.015  # below 0.2: a lone true label missed is kept
    assert answer.any(axis=1).all()
    assert (oracle(truth, rng) == truth).all()
