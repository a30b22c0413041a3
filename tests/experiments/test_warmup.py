"""The warm-up sweep (decided on dev) runs with any model, and says which families its versions trained."""

from __future__ import annotations

import pytest

from hloop.core.errors import InvalidInputError
from hloop.core.strategies import WARMUP_PER_LABEL
from hloop.experiments import SimulationConfig, simulate
from hloop.experiments.warmup import runs_of_results, sweep, sweep_rows


def test_the_sweep_simulates_the_model_it_is_given(tiny_corpus):
    kwargs = {"repeats": 1, "annotator": "oracle", "crowd_file": None, "seed_size": 12}
    centroid = sweep(tiny_corpus, [0, 5], model="embed-centroid", **kwargs)
    tfidf = sweep(tiny_corpus, [0, 5], **kwargs)
    assert [r["strategy"] for r in centroid] == ["random", "warm-up 0", "warm-up 5"]
    assert all(r["families"] == ["embed-centroid"] for r in centroid)
    assert all(r["families"] == ["tfidf-lr"] for r in tfidf)
    assert [r["dev_auc"] for r in centroid] != [r["dev_auc"] for r in tfidf]
    assert all(0.0 <= r["dev_auc"] <= 1.0 and r["dev_auc_spread"] == 0.0 for r in centroid), "one repeat: no spread"


def test_simulate_runs_of_warmup_strategies_give_the_sweeps_table(tiny_corpus):
    """``simulate --strategies random,default,warmup:W`` runs the sweep's runs in parallel: the same table."""
    config = SimulationConfig(
        strategies=("random", "warmup:100", "default", "warmup:0"),
        repeats=2,
        seed_size=12,
        batch=50,
        budget=2000,
        workers=1,
    )
    from_simulate = sweep_rows(runs_of_results([simulate(tiny_corpus, config)]))
    swept = sweep(tiny_corpus, [0, WARMUP_PER_LABEL, 100], repeats=2, annotator="oracle", crowd_file=None, seed_size=12)
    assert [r["strategy"] for r in from_simulate] == [
        "random",
        "warm-up 0",
        f"warm-up {WARMUP_PER_LABEL}",
        "warm-up 100",
    ]
    assert from_simulate == swept


def test_a_warmup_strategy_name_must_give_a_count():
    with pytest.raises(InvalidInputError, match="warmup:W"):
        SimulationConfig(strategies=("warmup:many",)).validated()
    SimulationConfig(strategies=("warmup:150",)).validated()
