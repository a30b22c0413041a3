"""What the services hand the edges: queue items, label events and results, import reports.

``to_dict()`` gives exactly the dict the API returns (keys in the same order); ``from_dict`` reads one back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

LABEL_EVENT_KEYS = (
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
    "undone",
)


@dataclass(frozen=True)
class QueueItem:
    """A pool text to label, with the serving model's guess; ``claim_expires_at`` only on a claimed item."""

    example_id: int
    text: str
    model_version: int | None  # None: no model serves yet
    score: float | None  # the strategy's score, higher = more uncertain; None while the pool is unscored
    prediction: str | None
    confidence: float | None
    claim_expires_at: str | None = None  # ISO 8601, UTC, seconds

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        """The item of a ``next_item`` or ``ranked_pool`` dict."""
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        """The API's dict (a ranked pool item has no ``claim_expires_at``)."""
        out = {
            "example_id": self.example_id,
            "text": self.text,
            "model_version": self.model_version,
            "score": self.score,
            "prediction": self.prediction,
            "confidence": self.confidence,
        }
        return out if self.claim_expires_at is None else {**out, "claim_expires_at": self.claim_expires_at}


@dataclass(frozen=True)
class LabelEvent:
    """One label event with its text (or a logged prediction: no label id, example or human label)."""

    label_id: int | None
    example_id: int | None
    text: str
    label: str | None
    annotator: str
    source: str  # queue, overlap, correction, relabel, import, review, simulated... or "prediction"
    model_version: int | None
    model_prediction: str | None
    model_confidence: float | None
    created_at: str  # ISO 8601, UTC, seconds
    undone_at: str | None
    undone: bool

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        """The event of a ``label_record`` or ``prediction_record`` dict."""
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        """The dict of ``label_record``: the API, the Correct tab and exports."""
        return {key: getattr(self, key) for key in LABEL_EVENT_KEYS}


@dataclass(frozen=True)
class LabelResult:
    """What storing (or undoing) a label returns: the event, the label counters, and a version it trained."""

    event: LabelEvent
    labels_total: int
    labels_since_retrain: int  # human labels since the newest version was trained
    trained_version: int | None = None  # the label ended the cold start and v1 was trained

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        """The result of a ``submit_label``, ``feedback``, ``relabel`` or ``undo`` dict."""
        event = LabelEvent.from_dict({key: d[key] for key in LABEL_EVENT_KEYS})
        rest = {key: value for key, value in d.items() if key not in LABEL_EVENT_KEYS}
        return cls(event, **rest)

    def to_dict(self) -> dict[str, Any]:
        """The API's dict: the event's keys, then the counters (and ``trained_version`` when one was trained)."""
        out = {
            **self.event.to_dict(),
            "labels_total": self.labels_total,
            "labels_since_retrain": self.labels_since_retrain,
        }
        return out if self.trained_version is None else {**out, "trained_version": self.trained_version}


@dataclass(frozen=True)
class Rejection:
    """A row an import refused, and why."""

    row: int  # the row number in the file
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """``{"row": ..., "reason": ...}``."""
        return {"row": self.row, "reason": self.reason}


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows read, texts added, duplicates, rejected rows (the first ones listed); an import
    that stopped also says at which row and why (``ImportStoppedError.report``)."""

    rows: int
    added: int
    duplicates: int
    rejected: int
    rejections: tuple[Rejection, ...] = ()
    stopped_at_row: int | None = None
    error: str | None = None

    @property
    def stopped(self) -> bool:
        """The import stopped part-way (the rows after ``stopped_at_row`` were not read)."""
        return self.stopped_at_row is not None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        """The report of an ``import_texts`` dict or of ``ImportStoppedError.report``."""
        rejections = tuple(Rejection(**r) for r in d["rejections"])
        return cls(**{**d, "rejections": rejections})

    def to_dict(self) -> dict[str, Any]:
        """The API's dict: counts and rejections, then ``stopped_at_row`` and ``error`` when it stopped."""
        out: dict[str, Any] = {
            "rows": self.rows,
            "added": self.added,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejections": [r.to_dict() for r in self.rejections],
        }
        if self.stopped:
            out |= {"stopped_at_row": self.stopped_at_row, "error": self.error}
        return out


@dataclass(frozen=True)
class BatchReport:
    """What a batch prediction did: rows read and predicted, rows that could not be (the first ones listed; each is
    in the output with its error), the one model version used, the output file and the speed."""

    rows: int
    predicted: int
    errors: int
    model_version: int
    out: str
    seconds: float
    rejections: tuple[Rejection, ...] = ()

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of the whole run (reading, predicting and writing)."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The API's dict: counts, version, file, seconds, rows per second and the listed errors."""
        return {
            "rows": self.rows,
            "predicted": self.predicted,
            "errors": self.errors,
            "model_version": self.model_version,
            "out": self.out,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "rejections": [r.to_dict() for r in self.rejections],
        }
