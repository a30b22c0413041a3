"""Evaluation metrics of one model version, as plain JSON-able dicts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from hloop.core.labels import LABELS


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict:
    """Accuracy, macro/weighted F1, per-class precision/recall/F1/support and the confusion matrix."""
    labels = list(range(len(LABELS)))
    y_true_arr, y_pred_arr = np.asarray(y_true), np.asarray(y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true_arr, y_pred_arr, labels=labels, zero_division=0
    )
    per_class = {
        LABELS[i]: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i in labels
    }
    matrix = confusion_matrix(y_true_arr, y_pred_arr, labels=labels)
    return {
        "accuracy": float(accuracy_score(y_true_arr, y_pred_arr)),
        "f1_macro": float(f1_score(y_true_arr, y_pred_arr, labels=labels, average="macro", zero_division=0)),
        "f1_weighted": float(f1_score(y_true_arr, y_pred_arr, labels=labels, average="weighted", zero_division=0)),
        "per_class": per_class,
        "confusion_matrix": {"labels": list(LABELS), "matrix": matrix.tolist()},
        "n_eval": int(y_true_arr.shape[0]),
    }
