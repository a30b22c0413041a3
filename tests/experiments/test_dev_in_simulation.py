"""The simulation scores every version on dev (for choices) as well as on eval (for reporting)."""

from __future__ import annotations

import numpy as np

from hloop.core.strategies import QueryContext, margin, random_scores
from hloop.experiments import SimulationConfig, simulate
from hloop.experiments.features import featurize
from hloop.experiments.loop import split_with_dev
from hloop.experiments.warmup import sweep, warmup_strategy
from tests.conftest import corpus_of


def test_dev_rows_are_apart_from_seed_and_pool():
    corpus = corpus_of(100)
    seed, pool, dev = split_with_dev(corpus, featurize(corpus).usable, 40, 0)
    assert dev.size == 40 and not set(dev) & set(seed) and not set(dev) & set(pool)
    assert np.bincount(np.asarray(corpus.train_labels)[dev]).tolist() == [10, 10, 10, 10]


def test_every_checkpoint_has_a_dev_score():
    config = SimulationConfig(strategies=("random",), repeats=1, seed_size=40, batch=20, budget=40, workers=1)
    results = simulate(corpus_of(100), config)
    assert all(0 <= c["dev_accuracy"] <= 1 and c["dev_f1_macro"] is not None for c in results["checkpoints"])


def test_the_warm_up_strategy_is_random_then_margin():
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=20)
    scores = warmup_strategy(10)
    early = scores(probs, np.random.default_rng(1), QueryContext(39))
    np.testing.assert_array_equal(early, random_scores(probs, np.random.default_rng(1)))
    np.testing.assert_array_equal(scores(probs, np.random.default_rng(1), QueryContext(40)), margin(probs))


def test_the_sweep_reports_dev_and_eval_for_each_warm_up():
    rows = sweep(corpus_of(60), [0, 10], repeats=1, annotator="oracle", crowd_file=None, seed_size=40)
    assert [r["strategy"] for r in rows] == ["random", "warm-up 0", "warm-up 10"]
    assert all(0 < r["dev_auc"] <= 1 and 0 < r["eval_auc"] <= 1 for r in rows)
