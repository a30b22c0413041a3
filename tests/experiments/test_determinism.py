"""The same seed gives the same results; other repeats use other seeds; processes change nothing."""

from __future__ import annotations

import pytest

from hloop.experiments import SimulationConfig, simulate


def numbers(results: dict) -> list[tuple]:
    return sorted(
        (c["strategy"], c["repeat"], c["labels"], c["accuracy"], c["f1_macro"]) for c in results["checkpoints"]
    )


CONFIG = SimulationConfig(
    strategies=("random", "default"), repeats=2, seed_size=12, batch=10, budget=30, annotator="noisy:0.2", workers=1
)


def test_the_same_seed_gives_the_same_numbers(tiny_corpus):
    assert numbers(simulate(tiny_corpus, CONFIG)) == numbers(simulate(tiny_corpus, CONFIG))


def test_repeats_use_different_seeds(tiny_corpus):
    results = simulate(tiny_corpus, CONFIG)
    by_repeat = {
        r: [c["accuracy"] for c in results["checkpoints"] if c["strategy"] == "random" and c["repeat"] == r]
        for r in (0, 1)
    }
    assert by_repeat[0] != by_repeat[1]
    shifted = simulate(tiny_corpus, SimulationConfig(**{**CONFIG.__dict__, "random_seed": 1}))
    first = [n for n in numbers(shifted) if n[1] == 0]
    assert first == [(*n[:1], 0, *n[2:]) for n in numbers(results) if n[1] == 1], "repeat r uses seed + r"


@pytest.mark.slow
def test_two_processes_give_the_numbers_of_one(tiny_corpus):
    parallel = SimulationConfig(**{**CONFIG.__dict__, "workers": 2})
    assert numbers(simulate(tiny_corpus, parallel)) == numbers(simulate(tiny_corpus, CONFIG))
