"""Metrics of a version: accuracy, F1s with intervals, per-class scores and the confusion matrix."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from hloop.core.labels import LabelSet
from hloop.core.metrics import classification_metrics, macro_f1_interval, wilson_interval

LABELS = LabelSet(("north", "east", "south", "west"))


def test_metrics_on_a_hand_checked_example():
    y_true = [0, 0, 1, 1, 2, 2, 3, 3]
    y_pred = [0, 1, 1, 1, 2, 3, 3, 3]
    m = classification_metrics(y_true, y_pred, LABELS)
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["per_class"]["north"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert m["per_class"]["east"]["precision"] == pytest.approx(2 / 3)
    assert m["confusion_matrix"]["labels"] == list(LABELS.names)
    assert m["confusion_matrix"]["matrix"][0] == [1, 1, 0, 0]
    assert m["confusion_matrix"]["matrix"][2] == [0, 0, 1, 1]
    assert m["f1_macro"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m["f1_weighted"] == pytest.approx(f1_score(y_true, y_pred, average="weighted"))
    assert m["n_eval"] == 8


def test_a_label_absent_on_both_sides_is_left_out_of_macro_f1():
    m = classification_metrics([0, 0, 1], [0, 0, 1], LABELS)
    assert m["per_class"]["south"]["support"] == 0 and m["per_class"]["south"]["f1"] == 0.0
    assert m["accuracy"] == 1.0 and m["f1_macro"] == 1.0


@pytest.mark.parametrize("n_labels", [2, 7, 50])
def test_any_label_count(n_labels):
    labels = LabelSet(tuple(f"l{i}" for i in range(n_labels)))
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, n_labels, 300), rng.integers(0, n_labels, 300)
    m = classification_metrics(y_true, y_pred, labels)
    assert len(m["per_class"]) == n_labels and np.asarray(m["confusion_matrix"]["matrix"]).sum() == 300
    assert m["f1_macro"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))


def test_intervals_contain_the_score_and_narrow_with_more_texts():
    rng = np.random.default_rng(1)
    widths = []
    for n in (40, 7600):
        y_true = rng.integers(0, 4, n)
        y_pred = np.where(rng.random(n) < 0.85, y_true, (y_true + 1) % 4)
        m = classification_metrics(y_true, y_pred, LABELS)
        for key in ("accuracy", "f1_macro"):
            low, high = m[f"{key}_ci95"]
            assert low <= m[key] <= high
        widths.append(m["accuracy_ci95"][1] - m["accuracy_ci95"][0])
    assert widths[0] > 0.15 and widths[1] < 0.02


def test_wilson_interval_matches_a_known_value():
    low, high = wilson_interval(81, 100)  # 0.81 of 100: about 0.722-0.874
    assert low == pytest.approx(0.7222, abs=1e-3) and high == pytest.approx(0.8741, abs=1e-3)


def test_macro_f1_interval_is_deterministic():
    matrix = np.array([[40, 10], [5, 45]])
    assert macro_f1_interval(matrix) == macro_f1_interval(matrix)


def test_a_perfect_score_on_few_texts_has_an_interval_that_is_not_zero_wide():
    matrix = np.diag([13, 13, 13])  # 39 eval texts, none wrong
    low, high = macro_f1_interval(matrix)
    assert high == 1.0 and low < 0.95, "39 texts cannot prove macro-F1 is exactly 1"
    assert low == wilson_interval(39, 39)[0]
    noisy = np.array([[12, 1, 0], [0, 13, 0], [0, 0, 13]])
    low, high = macro_f1_interval(noisy)
    assert low < high < 1.0 + 1e-12
