"""The promotion gate: a paired McNemar test on dev with a margin decides whether a candidate becomes current."""

from __future__ import annotations

import math

import pytest

from hloop.core.errors import InvalidInputError
from hloop.core.gate import binomial_tail, paired_gate


def pairs(both: int, only_current: int, only_candidate: int, neither: int) -> tuple[list[bool], list[bool]]:
    """Per-text correctness of (current, candidate) with the given counts of each case."""
    current = [True] * both + [True] * only_current + [False] * only_candidate + [False] * neither
    candidate = [True] * both + [False] * only_current + [True] * only_candidate + [False] * neither
    return current, candidate


def test_the_first_version_is_promoted():
    decision = paired_gate(None, [True] * 50)
    assert decision.promote and "first version" in decision.reason


@pytest.mark.parametrize(
    ("counts", "promote"),
    [
        ((900, 0, 0, 100), True),  # identical
        ((850, 10, 60, 80), True),  # better
        ((880, 12, 8, 100), True),  # a little worse: noise
        ((800, 60, 10, 130), False),  # much worse, many texts: held back
        ((880, 4, 0, 116), True),  # worse by 0.4 points: inside the 0.5-point margin
        ((9000, 60, 20, 920), True),  # worse by 0.4 points beyond noise (p < 1e-5): still inside the margin
        ((9000, 80, 10, 910), False),  # worse by 0.7 points beyond noise: outside the margin, held back
    ],
)
def test_a_candidate_is_held_back_only_when_worse_beyond_noise_and_margin(counts, promote):
    current, candidate = pairs(*counts)
    decision = paired_gate(current, candidate, margin=0.005, alpha=0.05)
    assert decision.promote is promote
    assert decision.n_dev == sum(counts) and decision.only_current_right == counts[1]
    low, high = decision.difference_ci95
    assert low <= decision.difference <= high
    assert decision.reason.startswith("worse beyond noise") is (not promote)


def test_too_few_dev_texts_promote_and_say_so():
    current, candidate = pairs(5, 10, 0, 5)
    decision = paired_gate(current, candidate)
    assert decision.promote and "too few" in decision.reason


def test_the_exact_tail_matches_the_binomial_distribution():
    assert binomial_tail(0, 10) == 1.0
    assert math.isclose(binomial_tail(10, 10), 1 / 1024)
    assert math.isclose(binomial_tail(8, 10), (45 + 10 + 1) / 1024)
    assert 0 <= binomial_tail(1500, 2000) < 1e-50, "large counts neither overflow nor go negative"


def test_mismatched_inputs_are_refused():
    with pytest.raises(InvalidInputError, match="dev texts"):
        paired_gate([True] * 40, [True] * 41)
    with pytest.raises(InvalidInputError, match="margin"):
        paired_gate([True] * 40, [True] * 40, margin=-0.1)


def test_the_decision_is_json_ready():
    current, candidate = pairs(800, 60, 10, 130)
    out = paired_gate(current, candidate).to_dict()
    assert out["promote"] is False and isinstance(out["difference_ci95"], list) and out["test"] == "mcnemar-exact"
