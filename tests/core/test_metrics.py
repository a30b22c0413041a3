"""Metrics of a version: accuracy, F1s, per-class scores and the confusion matrix."""

import pytest

from hloop.core.labels import LABELS
from hloop.core.metrics import classification_metrics


def test_metrics_on_a_hand_checked_example():
    y_true = [0, 0, 1, 1, 2, 2, 3, 3]
    y_pred = [0, 1, 1, 1, 2, 3, 3, 3]
    m = classification_metrics(y_true, y_pred)
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["per_class"]["World"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert m["per_class"]["Sports"]["precision"] == pytest.approx(2 / 3)
    assert m["confusion_matrix"]["labels"] == list(LABELS)
    assert m["confusion_matrix"]["matrix"][0] == [1, 1, 0, 0]
    assert m["confusion_matrix"]["matrix"][2] == [0, 0, 1, 1]
    per_class_f1 = [m["per_class"][n]["f1"] for n in LABELS]
    assert m["f1_macro"] == pytest.approx(sum(per_class_f1) / 4)
    assert m["n_eval"] == 8


def test_missing_class_gets_zero_not_an_error():
    m = classification_metrics([0, 0, 1], [0, 0, 1])
    assert m["per_class"]["Business"]["support"] == 0
    assert m["per_class"]["Business"]["f1"] == 0.0
    assert m["accuracy"] == 1.0
