"""The simulated loop on the tiny corpus: checkpoints, what is asked, and every registered strategy."""

from __future__ import annotations

import numpy as np
import pytest

from hloop.core.strategies import STRATEGIES, get_strategy
from hloop.experiments.annotators import make_annotator, parse_annotator
from hloop.experiments.loop import run_loop, split_rows


def run(corpus, features, strategy="default", *, seed_size=12, batch=10, budget=40, annotator="oracle", seed=0):
    seed_rows, pool_rows = split_rows(corpus, features.usable, seed_size, seed)
    gold = np.asarray(corpus.train_labels)
    who = make_annotator(parse_annotator(annotator), gold, seed, len(corpus.label_set))
    result = run_loop(
        features,
        seed_rows,
        gold[seed_rows],
        pool_rows,
        who,
        get_strategy(strategy),
        batch=batch,
        budget=budget,
        feedback_weight=2.0,
        seed=seed,
        label_set=corpus.label_set,
    )
    return result, seed_rows, pool_rows


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_runs_the_loop_to_the_budget(tiny_corpus, tiny_features, name):
    result, seed_rows, pool_rows = run(tiny_corpus, tiny_features, name)
    assert [c.labels for c in result.checkpoints] == [12, 22, 32, 42, 52]
    assert [c.human_labels for c in result.checkpoints] == [0, 10, 20, 30, 40]
    assert len(set(result.asked.tolist())) == 40, "an item is asked once"
    assert set(result.asked.tolist()) <= set(pool_rows.tolist()), "only pool items are queued (never seed or eval)"
    assert all(0.0 <= c.accuracy <= 1.0 and 0.0 <= c.f1_macro <= 1.0 for c in result.checkpoints)


def test_the_loop_stops_when_the_pool_runs_out(tiny_corpus, tiny_features):
    result, _seed, pool_rows = run(tiny_corpus, tiny_features, "margin", budget=10_000, batch=30)
    assert result.asked.size == pool_rows.size
    assert result.checkpoints[-1].human_labels == pool_rows.size


def test_training_weights_follow_the_product_composition(tiny_corpus, tiny_features):
    result, seed_rows, _pool = run(tiny_corpus, tiny_features, "random")
    last = result.last_training
    assert last.rows.size == seed_rows.size + 40
    np.testing.assert_array_equal(last.weights[last.human], 2.0)
    np.testing.assert_array_equal(last.weights[~last.human], 1.0)


def test_uncertainty_sampling_learns_the_tiny_corpus(tiny_corpus, tiny_features):
    result, _seed, _pool = run(tiny_corpus, tiny_features, "margin", budget=60)
    assert result.checkpoints[-1].accuracy >= 0.9
