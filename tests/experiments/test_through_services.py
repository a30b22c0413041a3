"""The cached engine asks what the app's own queue asks: the same run through Services picks the same items."""

from __future__ import annotations

import numpy as np
import pytest

from hloop.core.strategies import get_strategy
from hloop.experiments import SimulationConfig, simulate
from hloop.experiments.annotators import make_annotator, parse_annotator
from hloop.experiments.loop import run_loop, split_rows
from hloop.experiments.through_services import run_through_services

RUN = {"seed_size": 12, "batch": 10, "budget": 30, "feedback_weight": 1.0, "seed": 3}


def both_engines(corpus, features, annotator_spec: str, strategy: str):
    """The same run through Services and through the cached engine: (checkpoints, asked, cached result)."""
    gold = np.asarray(corpus.train_labels)
    annotator = make_annotator(parse_annotator(annotator_spec), gold, RUN["seed"], len(corpus.label_set))
    checkpoints, asked = run_through_services(corpus, annotator, strategy, **RUN)
    seed_rows, pool_rows = split_rows(corpus, features.usable, RUN["seed_size"], RUN["seed"])
    cached = run_loop(
        features,
        seed_rows,
        gold[seed_rows],
        pool_rows,
        annotator,
        get_strategy(strategy),
        label_set=corpus.label_set,
        **{k: v for k, v in RUN.items() if k != "seed_size"},
    )
    return checkpoints, asked, cached


@pytest.mark.parametrize("strategy", ["random", "default"])
def test_services_and_the_cached_engine_ask_the_same_items(tiny_corpus, tiny_features, strategy):
    checkpoints, asked, cached = both_engines(tiny_corpus, tiny_features, "noisy:0.3", strategy)
    assert asked == cached.asked.tolist(), "same strategy, same generator, same pool order: same picks"
    assert [c.labels for c in checkpoints] == [c.labels for c in cached.checkpoints] == [12, 22, 32, 42]


def test_the_services_engine_leaves_no_store_behind(tiny_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = simulate(
        tiny_corpus,
        SimulationConfig(
            strategies=("margin",), repeats=1, seed_size=12, batch=10, budget=20, workers=1, engine="services"
        ),
    )
    assert [c["human_labels"] for c in results["checkpoints"]] == [0, 10, 20]
    assert list(tmp_path.iterdir()) == [], "nothing written where the user's store or models would be"


def test_the_cached_engine_gives_the_products_numbers(tiny_corpus, tiny_features):
    """Same picks, same TF-IDF, same row order, same classifier: the same accuracy at every version."""
    checkpoints, asked, cached = both_engines(tiny_corpus, tiny_features, "oracle", "margin")
    assert asked == cached.asked.tolist(), "the same uncertainty ranking"
    assert [(c.accuracy, c.f1_macro) for c in checkpoints] == [(c.accuracy, c.f1_macro) for c in cached.checkpoints]
