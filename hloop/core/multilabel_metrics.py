"""Metrics and the promotion gate of multi-label projects (a text has a set of labels), with 95% intervals.

Label sets travel as indicator matrices: ``(n texts, k labels)`` booleans, column ``j`` being the label set's
``j``-th label. Intervals are percentile bootstraps over texts, drawn as multinomial weights per text so one draw
costs a matrix product, not a resample of the rows. The gate compares two models' micro-F1 on the same dev texts
with a paired bootstrap (McNemar's test, the single-label gate's, has no meaning for sets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from hloop.core.errors import InvalidInputError
from hloop.core.gate import ALPHA, MARGIN, check_settings, verdict  # half a point of micro-F1, as of accuracy
from hloop.core.labels import LabelSet
from hloop.core.metrics import BOOTSTRAP_ROUNDS, MIN_EVAL, wilson_interval

SET_GATE_TEST = "paired-bootstrap-micro-f1"


def as_indicator(sets: Sequence[Sequence[int]], n_labels: int) -> np.ndarray:
    """``(len(sets), n_labels)`` booleans from each text's label indices (InvalidInputError for an index outside)."""
    out = np.zeros((len(sets), n_labels), dtype=bool)
    for row, labels in enumerate(sets):
        for label in labels:
            if not 0 <= int(label) < n_labels:
                raise InvalidInputError(f"Label index {label} of text {row} is outside 0..{n_labels - 1}.")
            out[row, int(label)] = True
    return out


def _checked(true: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(true, dtype=bool), np.asarray(pred, dtype=bool)
    if t.ndim != 2 or t.shape != p.shape:
        raise InvalidInputError(f"True and predicted label sets need one shape (n, k); got {t.shape} and {p.shape}.")
    return t, p


def _counts(true: np.ndarray, pred: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """(tp, fp, fn) per label for each row of ``weights`` (draws x n): the weighted counts of each draw."""
    tp = weights @ (true & pred).astype(float)
    fp = weights @ (~true & pred).astype(float)
    fn = weights @ (true & ~pred).astype(float)
    return tp, fp, fn


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp, dtype=float), where=denominator > 0)


def _micro_macro(true: np.ndarray, pred: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Micro- and macro-F1 of each draw; macro over the labels the draw has (true or predicted), as scikit-learn's
    ``labels=`` the present ones would give."""
    tp, fp, fn = _counts(true, pred, weights)
    micro = _f1(tp.sum(axis=-1), fp.sum(axis=-1), fn.sum(axis=-1))
    present = (tp + fp + fn) > 0
    macro = (_f1(tp, fp, fn) * present).sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)
    return micro, macro


def micro_f1(true: np.ndarray, pred: np.ndarray) -> float:
    """Micro-F1 of predicted label sets against the true ones (both ``(n, k)`` booleans)."""
    t, p = _checked(true, pred)
    return float(_micro_macro(t, p, np.ones((1, t.shape[0])))[0][0])


def _draws(n: int, rounds: int, seed: int) -> np.ndarray:
    """``rounds`` bootstrap draws of ``n`` texts, as how many times each text is drawn."""
    return np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=rounds).astype(float)


def _interval(values: np.ndarray) -> list[float]:
    low, high = np.percentile(values, [2.5, 97.5])
    return [float(low), float(high)]


def multilabel_metrics(
    true: np.ndarray, pred: np.ndarray, label_set: LabelSet, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0
) -> dict:
    """Micro- and macro-F1 with 95% bootstrap intervals, exact-set accuracy (Wilson interval), Hamming loss,
    the mean number of labels per text in truth and in the predictions, per-label precision, recall, F1 and
    support, and the number of texts."""
    t, p = _checked(true, pred)
    n, k = t.shape
    if k != len(label_set):
        raise InvalidInputError(f"{k} label columns for a label set of {len(label_set)}.")
    micro, macro = _micro_macro(t, p, np.ones((1, n)))
    draws_micro, draws_macro = _micro_macro(t, p, _draws(n, rounds, seed)) if n else (np.zeros(1), np.zeros(1))
    tp, fp, fn = (c[0] for c in _counts(t, p, np.ones((1, n))))
    precision = np.divide(tp, tp + fp, out=np.zeros(k), where=(tp + fp) > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros(k), where=(tp + fn) > 0)
    f1 = _f1(tp, fp, fn)
    exact = int((t == p).all(axis=1).sum())
    return {
        "f1_micro": float(micro[0]),
        "f1_micro_ci95": _interval(draws_micro) if n else [0.0, 1.0],
        "f1_macro": float(macro[0]),
        "f1_macro_ci95": _interval(draws_macro) if n else [0.0, 1.0],
        "exact_set_accuracy": exact / n if n else 0.0,
        "exact_set_accuracy_ci95": list(wilson_interval(exact, n)),
        "hamming_loss": float((t != p).mean()) if n else 0.0,
        "cardinality_true": float(t.sum(axis=1).mean()) if n else 0.0,
        "cardinality_predicted": float(p.sum(axis=1).mean()) if n else 0.0,
        "per_label": {
            name: {
                "precision": float(precision[j]),
                "recall": float(recall[j]),
                "f1": float(f1[j]),
                "support": int(tp[j] + fn[j]),
            }
            for j, name in enumerate(label_set.names)
        },
        "n_eval": int(n),
    }


@dataclass(frozen=True)
class SetGateDecision:
    """The multi-label gate's verdict on one candidate: micro-F1 on dev against the current version's."""

    promote: bool
    reason: str
    test: str = SET_GATE_TEST
    n_dev: int = 0
    current_f1_micro: float | None = None
    candidate_f1_micro: float | None = None
    difference: float | None = None  # candidate minus current micro-F1 on dev
    difference_ci95: tuple[float, float] | None = None
    p_value: float | None = None  # one-sided, bootstrap: the share of draws where the candidate is not worse
    margin: float = MARGIN
    alpha: float = ALPHA

    def to_dict(self) -> dict:
        out = asdict(self)
        out["difference_ci95"] = list(self.difference_ci95) if self.difference_ci95 else None
        return out


def paired_set_gate(
    true: np.ndarray,
    current: np.ndarray | None,
    candidate: np.ndarray,
    *,
    margin: float = MARGIN,
    alpha: float = ALPHA,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = 0,
) -> SetGateDecision:
    """Whether a candidate becomes current, from both models' predicted sets on the same dev texts (``current``
    None: no current version). Held back only when its micro-F1 is lower by more than ``margin`` and the paired
    bootstrap's one-sided p-value (the share of draws in which the candidate is not worse) is below ``alpha``."""
    check_settings(margin, alpha)
    t, new = _checked(true, candidate)
    n = t.shape[0]
    if current is None:
        return SetGateDecision(True, "first version: nothing to compare with", n_dev=n, margin=margin, alpha=alpha)
    _, old = _checked(true, current)
    if n < MIN_EVAL:
        reason = f"only {n} dev texts (fewer than {MIN_EVAL}): too few to judge, promoted"
        return SetGateDecision(True, reason, n_dev=n, margin=margin, alpha=alpha)
    weights = np.vstack([np.ones((1, n)), _draws(n, rounds, seed)])  # the same draws for both: paired
    old_f1, new_f1 = _micro_macro(t, old, weights)[0], _micro_macro(t, new, weights)[0]
    differences = new_f1[1:] - old_f1[1:]
    diff = float(new_f1[0] - old_f1[0])
    p = float((differences >= 0).mean())
    worse = diff < -margin and p < alpha
    figures = f"dev micro-F1 {diff:+.4f} against the current version, paired bootstrap p = {p:.3g}"
    reason = verdict(worse, figures, margin, alpha)
    low, high = _interval(differences)
    return SetGateDecision(
        promote=not worse,
        reason=reason,
        n_dev=n,
        current_f1_micro=round(float(old_f1[0]), 6),
        candidate_f1_micro=round(float(new_f1[0]), 6),
        difference=round(diff, 6),
        difference_ci95=(round(low, 6), round(high, 6)),
        p_value=p,
        margin=margin,
        alpha=alpha,
    )
