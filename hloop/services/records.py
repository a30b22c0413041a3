"""Label events and logged predictions from their rows, as the API, the Correct tab and exports show them."""

from __future__ import annotations

from hloop.core.labels import LabelSet
from hloop.core.records import LABEL_EVENT_KEYS, LabelEvent

EXPORT_COLUMNS = [key for key in LABEL_EVENT_KEYS if key != "undone"]  # a label export's columns, in order


def _name(label_set: LabelSet, index: int | None) -> str | None:
    if index is None or not 0 <= int(index) < len(label_set):
        return None
    return label_set.names[int(index)]


def prediction_record(row, label_set: LabelSet) -> LabelEvent:
    """A logged prediction as a label event with no example and no human label yet."""
    return LabelEvent(
        label_id=None,
        example_id=None,
        text=row.text,
        label=None,
        annotator=row.annotator or "",
        source="prediction",
        model_version=row.model_version,
        model_prediction=_name(label_set, row.label),
        model_confidence=row.confidence,
        created_at=row.created_at.isoformat(timespec="seconds"),
        undone_at=None,
        undone=False,
    )


def label_record(lab, ex, label_set: LabelSet) -> LabelEvent:
    """One label event with its example."""
    return LabelEvent(
        label_id=lab.id,
        example_id=ex.id,
        text=ex.text,
        label=_name(label_set, lab.label),
        annotator=lab.annotator,
        source=lab.source,
        model_version=lab.model_version,
        model_prediction=_name(label_set, lab.model_prediction),
        model_confidence=lab.model_confidence,
        created_at=lab.created_at.isoformat(timespec="seconds"),
        undone_at=None if lab.undone_at is None else lab.undone_at.isoformat(timespec="seconds"),
        undone=lab.undone_at is not None,
    )
