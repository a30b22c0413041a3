"""The promotion gate: does a candidate version do worse than the current one on dev, beyond noise?

A paired test on the same dev texts: McNemar's exact test on the texts only one of the two models gets right.
A candidate is held back only when both hold: its dev accuracy is lower than the current version's by more than
``margin`` (a drop worth acting on), and the exact one-sided McNemar p-value is below ``alpha`` (not noise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TypedDict

from hloop.core.errors import InvalidInputError
from hloop.core.metrics import MIN_EVAL

MARGIN = 0.005  # half a point of accuracy: smaller drops are not worth holding a version back for
ALPHA = 0.05


class _GateFacts(TypedDict):
    """What every verdict records of how it was judged."""

    n_dev: int
    margin: float
    alpha: float


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict on one candidate, with the figures behind it."""

    promote: bool
    reason: str
    test: str = "mcnemar-exact"
    n_dev: int = 0
    current_accuracy: float | None = None
    candidate_accuracy: float | None = None
    difference: float | None = None  # candidate minus current accuracy on dev
    difference_ci95: tuple[float, float] | None = None
    only_current_right: int = 0
    only_candidate_right: int = 0
    p_value: float | None = None  # one-sided: the candidate is worse
    margin: float = MARGIN
    alpha: float = ALPHA

    def to_dict(self) -> dict:
        """A JSON-ready dict (for the card)."""
        out = asdict(self)
        out["difference_ci95"] = list(self.difference_ci95) if self.difference_ci95 else None
        return out


def binomial_tail(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2): the exact one-sided McNemar p-value when ``k`` of ``n`` discordant
    texts favour the current version."""
    if n == 0:
        return 1.0
    return min(1.0, sum(math.comb(n, i) for i in range(k, n + 1)) / (1 << n))  # exact big-int division


def check_settings(margin: float, alpha: float) -> None:
    """InvalidInputError unless margin is in [0, 1) and alpha in (0, 1) (every gate's settings)."""
    if not 0 <= margin < 1 or not 0 < alpha < 1:
        raise InvalidInputError(f"Gate margin must be in [0, 1) and alpha in (0, 1); got {margin}, {alpha}.")


def verdict(worse: bool, figures: str, margin: float, alpha: float) -> str:
    """A gate's reason: whether the candidate is worse beyond noise, with the ``figures`` that say so."""
    if worse:
        return f"worse beyond noise: {figures} (a drop beyond the {margin} margin, p < {alpha})"
    return f"not worse beyond noise: {figures} (margin {margin}, alpha {alpha})"


def paired_gate(
    current_right: Sequence[bool] | None,
    candidate_right: Sequence[bool],
    *,
    margin: float = MARGIN,
    alpha: float = ALPHA,
) -> GateDecision:
    """Decide whether a candidate becomes current, from each model's per-text correctness on the same dev texts
    (``current_right`` None: there is no current version, so the candidate is promoted)."""
    check_settings(margin, alpha)
    n = len(candidate_right)
    base = _GateFacts(n_dev=n, margin=margin, alpha=alpha)
    if current_right is None:
        return GateDecision(True, "first version: nothing to compare with", **base)
    if len(current_right) != n:
        raise InvalidInputError(f"The two models were scored on {len(current_right)} and {n} dev texts.")
    if n < MIN_EVAL:
        return GateDecision(True, f"only {n} dev texts (fewer than {MIN_EVAL}): too few to judge, promoted", **base)
    b = sum(1 for cur, cand in zip(current_right, candidate_right, strict=True) if cur and not cand)
    c = sum(1 for cur, cand in zip(current_right, candidate_right, strict=True) if cand and not cur)
    current, candidate = sum(map(bool, current_right)) / n, sum(map(bool, candidate_right)) / n
    diff = (c - b) / n
    spread = 1.96 * math.sqrt(max(b + c - (c - b) ** 2 / n, 0.0)) / n
    p = binomial_tail(b, b + c)
    worse = diff < -margin and p < alpha
    figures = f"dev accuracy {diff:+.4f} against the current version, McNemar p = {p:.3g}"
    reason = verdict(worse, figures, margin, alpha)
    return GateDecision(
        promote=not worse,
        reason=reason,
        current_accuracy=round(current, 6),
        candidate_accuracy=round(candidate, 6),
        difference=round(diff, 6),
        difference_ci95=(round(diff - spread, 6), round(diff + spread, 6)),
        only_current_right=b,
        only_candidate_right=c,
        p_value=float(p),
        **base,
    )
