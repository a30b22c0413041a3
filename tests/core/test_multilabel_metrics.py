"""Multi-label metrics against scikit-learn's, their intervals, and the paired bootstrap gate on micro-F1."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support

from hloop.core.errors import InvalidInputError
from hloop.core.labels import LabelSet
from hloop.core.multilabel_metrics import as_indicator, micro_f1, multilabel_metrics, paired_set_gate

LABELS = LabelSet(("billing", "bug", "feature", "login", "ui"))


def _sets(seed: int, n: int = 300, flip: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random((n, len(LABELS))) < 0.3
    return truth, truth ^ (rng.random(truth.shape) < flip)


def test_the_figures_are_scikit_learns():
    truth, pred = _sets(1)
    got = multilabel_metrics(truth, pred, LABELS)
    assert got["f1_micro"] == pytest.approx(f1_score(truth, pred, average="micro"))
    assert got["f1_macro"] == pytest.approx(f1_score(truth, pred, average="macro"))
    assert got["hamming_loss"] == pytest.approx(hamming_loss(truth, pred))
    assert got["exact_set_accuracy"] == pytest.approx(accuracy_score(truth, pred))
    precision, recall, f1, support = precision_recall_fscore_support(truth, pred, zero_division=0)
    for j, name in enumerate(LABELS.names):
        row = got["per_label"][name]
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((precision[j], recall[j], f1[j]))
        assert row["support"] == support[j]
    assert got["cardinality_true"] == pytest.approx(truth.sum(axis=1).mean())
    assert got["cardinality_predicted"] == pytest.approx(pred.sum(axis=1).mean())
    assert got["n_eval"] == 300
    assert micro_f1(truth, pred) == pytest.approx(got["f1_micro"])


def test_intervals_hold_the_figure_and_narrow_with_more_texts():
    small = multilabel_metrics(*_sets(2, n=60), LABELS)
    large = multilabel_metrics(*_sets(2, n=3000), LABELS)
    for got in (small, large):
        for key in ("f1_micro", "f1_macro", "exact_set_accuracy"):
            low, high = got[f"{key}_ci95"]
            assert 0 <= low <= got[key] <= high <= 1
    width = lambda got: got["f1_micro_ci95"][1] - got["f1_micro_ci95"][0]  # noqa: E731
    assert width(large) < width(small) / 3


def test_perfect_predictions_score_one():
    truth, _ = _sets(3)
    got = multilabel_metrics(truth, truth, LABELS)
    assert (got["f1_micro"], got["exact_set_accuracy"], got["hamming_loss"]) == (1.0, 1.0, 0.0)


def test_bad_shapes_and_indices_are_refused():
    truth, pred = _sets(4)
    with pytest.raises(InvalidInputError, match="one shape"):
        multilabel_metrics(truth, pred[:, :3], LABELS)
    with pytest.raises(InvalidInputError, match="label set of 5"):
        multilabel_metrics(truth[:, :3], pred[:, :3], LABELS)
    assert as_indicator([[0, 2], [], [1]], 3).tolist() == [[True, False, True], [False] * 3, [False, True, False]]
    with pytest.raises(InvalidInputError, match="outside 0..2"):
        as_indicator([[3]], 3)


def test_the_gate_holds_back_a_clearly_worse_candidate_only():
    truth, good = _sets(5, flip=0.1)
    _, bad = _sets(5, flip=0.3)
    held = paired_set_gate(truth, good, bad)
    assert not held.promote and held.difference < -0.1 and held.p_value < 0.05
    assert held.difference_ci95[1] < 0 and "worse beyond noise" in held.reason
    assert paired_set_gate(truth, bad, good).promote
    assert paired_set_gate(truth, good, good).promote
    assert paired_set_gate(truth, None, bad).reason.startswith("first version")
    few = paired_set_gate(truth[:10], good[:10], bad[:10])
    assert few.promote and "too few" in few.reason
    assert held.to_dict()["test"] == "paired-bootstrap-micro-f1"


def test_a_drop_within_the_margin_is_promoted():
    truth, pred = _sets(6, n=2000, flip=0.1)
    worse = pred.copy()
    worse[0] = ~truth[0]  # one text wrong on every label: a drop far below half a point
    decision = paired_set_gate(truth, pred, worse)
    assert decision.promote and -0.005 < decision.difference < 0
