"""How label events and logged predictions look at the edges (API, Correct tab, exports)."""

from __future__ import annotations

from hloop.core.labels import LabelSet

EXPORT_COLUMNS = [
    "label_id",
    "example_id",
    "text",
    "label",
    "annotator",
    "source",
    "model_version",
    "model_prediction",
    "model_confidence",
    "created_at",
    "undone_at",
]


def _name(label_set: LabelSet, index: int | None) -> str | None:
    if index is None or not 0 <= int(index) < len(label_set):
        return None
    return label_set.names[int(index)]


def prediction_record(row, label_set: LabelSet) -> dict:
    """A logged prediction in the shape of ``label_record`` (no example, no human label yet)."""
    return {
        "label_id": None,
        "example_id": None,
        "text": row.text,
        "label": None,
        "annotator": row.annotator or "",
        "source": "prediction",
        "model_version": row.model_version,
        "model_prediction": _name(label_set, row.label),
        "model_confidence": row.confidence,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "undone_at": None,
        "undone": False,
    }


def label_record(lab, ex, label_set: LabelSet) -> dict:
    """One label event with its example, as the API, the Correct tab and exports show it."""
    return {
        "label_id": lab.id,
        "example_id": ex.id,
        "text": ex.text,
        "label": _name(label_set, lab.label),
        "annotator": lab.annotator,
        "source": lab.source,
        "model_version": lab.model_version,
        "model_prediction": _name(label_set, lab.model_prediction),
        "model_confidence": lab.model_confidence,
        "created_at": lab.created_at.isoformat(timespec="seconds"),
        "undone_at": None if lab.undone_at is None else lab.undone_at.isoformat(timespec="seconds"),
        "undone": lab.undone_at is not None,
    }
