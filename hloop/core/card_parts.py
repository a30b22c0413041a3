"""The parts of a model card: its metrics on eval, the gate's verdict on dev, what it was trained on, how it was
evaluated. Each reads every stored form (see ``hloop.core.stored``) and writes back exactly what it read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from hloop.core.errors import ModelIntegrityError
from hloop.core.gate import GateDecision
from hloop.core.stored import Json, Stored, flag, number, numbers, split, text, whole


def _pair(value: tuple[float, ...] | None) -> list[float] | None:
    return None if value is None else list(value)


@dataclass(frozen=True)
class ClassScores(Stored):
    """Precision, recall and F1 of one label on eval, and how many eval texts have it."""

    KEYS = ("precision", "recall", "f1", "support")

    precision: float
    recall: float
    f1: float
    support: int

    @classmethod
    def from_dict(cls, d: Json, where: str = "metrics.per_class.") -> Self:
        """The scores of a stored ``per_class`` entry."""
        got, kept = split(d, cls, where)
        precision, recall, f1 = (number(got, key, where) for key in ("precision", "recall", "f1"))
        return cls(precision, recall, f1, whole(got, "support", where), **kept)

    def json_fields(self) -> dict[str, Json]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "support": self.support}


@dataclass(frozen=True)
class ConfusionMatrix(Stored):
    """Counts of eval texts: row = true label, column = predicted label, both in ``labels`` order."""

    KEYS = ("labels", "matrix")

    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]

    @classmethod
    def from_dict(cls, d: Json, where: str = "metrics.confusion_matrix.") -> Self:
        """The matrix of a stored ``confusion_matrix``."""
        got, kept = split(d, cls, where)
        labels, rows = got.get("labels"), got.get("matrix")
        if not isinstance(labels, list) or not all(isinstance(name, str) for name in labels):
            raise ModelIntegrityError(f"The card's {where}labels must be a list of label names; the card was altered.")
        if not isinstance(rows, list) or len(rows) != len(labels):
            raise ModelIntegrityError(f"The card's {where}matrix must have one row per label; the card was altered.")
        matrix = tuple(tuple(whole({"n": n}, "n", f"{where}matrix.") for n in _row(row, where)) for row in rows)
        return cls(tuple(labels), matrix, **kept)

    def json_fields(self) -> dict[str, Json]:
        return {"labels": list(self.labels), "matrix": [list(row) for row in self.matrix]}


def _row(row: object, where: str) -> list:
    if not isinstance(row, list):
        raise ModelIntegrityError(f"The card's {where}matrix rows must be lists of counts; the card was altered.")
    return row


@dataclass(frozen=True)
class Metrics(Stored):
    """A version's scores on the eval texts, with 95% intervals (None on cards from before intervals)."""

    KEYS = (
        "accuracy",
        "accuracy_ci95",
        "f1_macro",
        "f1_macro_ci95",
        "f1_weighted",
        "per_class",
        "confusion_matrix",
        "n_eval",
    )

    accuracy: float
    accuracy_ci95: tuple[float, float] | None
    f1_macro: float
    f1_macro_ci95: tuple[float, float] | None
    f1_weighted: float
    per_class: Mapping[str, ClassScores]
    confusion_matrix: ConfusionMatrix
    n_eval: int

    @classmethod
    def from_dict(cls, d: Json, where: str = "metrics.") -> Self:
        """The metrics of a stored ``metrics`` object (not null nor ``{}``: those mean "too few eval texts")."""
        got, kept = split(d, cls, where)
        per_class = got.get("per_class")
        if not isinstance(per_class, Mapping):
            raise ModelIntegrityError(f"The card's {where}per_class must be a JSON object; the card was altered.")
        return cls(
            accuracy=number(got, "accuracy", where),
            accuracy_ci95=numbers(got, "accuracy_ci95", where, size=2),
            f1_macro=number(got, "f1_macro", where),
            f1_macro_ci95=numbers(got, "f1_macro_ci95", where, size=2),
            f1_weighted=number(got, "f1_weighted", where),
            per_class={
                str(name): ClassScores.from_dict(s, f"{where}per_class.{name}.") for name, s in per_class.items()
            },
            confusion_matrix=ConfusionMatrix.from_dict(got.get("confusion_matrix"), f"{where}confusion_matrix."),
            n_eval=whole(got, "n_eval", where),
            **kept,
        )

    def json_fields(self) -> dict[str, Json]:
        return {
            "accuracy": self.accuracy,
            "accuracy_ci95": _pair(self.accuracy_ci95),
            "f1_macro": self.f1_macro,
            "f1_macro_ci95": _pair(self.f1_macro_ci95),
            "f1_weighted": self.f1_weighted,
            "per_class": {name: scores.to_dict() for name, scores in self.per_class.items()},
            "confusion_matrix": self.confusion_matrix.to_dict(),
            "n_eval": self.n_eval,
        }


@dataclass(frozen=True)
class GateVerdict(Stored):
    """The gate's verdict on a version on dev (``GateDecision``) and the version it was compared with."""

    KEYS = (*GateDecision.__dataclass_fields__, "against")

    decision: GateDecision
    against: int | None = None  # the version that served when it was judged; None: there was none

    @property
    def promote(self) -> bool:
        """Whether the gate let the version become current."""
        return self.decision.promote

    @property
    def reason(self) -> str:
        """The gate's reason, one line."""
        return self.decision.reason

    @classmethod
    def from_dict(cls, d: Json, where: str = "gate.") -> Self:
        """The verdict of a stored ``gate`` object."""
        got, kept = split(d, cls, where)
        ci95 = numbers(got, "difference_ci95", where, size=2)
        decision = GateDecision(
            promote=flag(got, "promote", where),
            reason=text(got, "reason", where),
            test=text(got, "test", where),
            n_dev=whole(got, "n_dev", where),
            current_accuracy=number(got, "current_accuracy", where, required=False),
            candidate_accuracy=number(got, "candidate_accuracy", where, required=False),
            difference=number(got, "difference", where, required=False),
            difference_ci95=None if ci95 is None else (ci95[0], ci95[1]),
            only_current_right=whole(got, "only_current_right", where),
            only_candidate_right=whole(got, "only_candidate_right", where),
            p_value=number(got, "p_value", where, required=False),
            margin=number(got, "margin", where),
            alpha=number(got, "alpha", where),
        )
        return cls(decision, whole(got, "against", where, required=False), **kept)

    def json_fields(self) -> dict[str, Json]:
        return {**self.decision.to_dict(), "against": self.against}


@dataclass(frozen=True)
class TrainingInfo(Stored):
    """The card's ``training`` block: what the version was fitted on."""

    KEYS = ("rows", "seed_labels", "human_labels", "feedback_weight", "class_counts", "last_label_id")
    OPTIONAL = frozenset({"last_label_id"})

    rows: int
    seed_labels: int
    human_labels: int
    feedback_weight: float
    class_counts: tuple[int, ...]  # rows of each label, in the label set's order
    last_label_id: int | None = None  # the newest label id in the store when it was trained; None on old cards

    @classmethod
    def from_dict(cls, d: Json, where: str = "training.") -> Self:
        """The composition of a stored ``training`` block."""
        got, kept = split(d, cls, where)
        counts = got.get("class_counts")
        if not isinstance(counts, list):
            raise ModelIntegrityError(f"The card's {where}class_counts must be a list of counts; the card was altered.")
        return cls(
            rows=whole(got, "rows", where),
            seed_labels=whole(got, "seed_labels", where),
            human_labels=whole(got, "human_labels", where),
            feedback_weight=number(got, "feedback_weight", where),
            class_counts=tuple(whole({"n": n}, "n", f"{where}class_counts.") for n in counts),
            last_label_id=whole(got, "last_label_id", where, required=False),
            **kept,
        )

    def json_fields(self) -> dict[str, Json]:
        return {
            "rows": self.rows,
            "seed_labels": self.seed_labels,
            "human_labels": self.human_labels,
            "feedback_weight": self.feedback_weight,
            "class_counts": list(self.class_counts),
            "last_label_id": self.last_label_id,
        }


@dataclass(frozen=True)
class Evaluation(Stored):
    """The card's ``evaluation`` block: where the eval texts came from, how many, and whether that is enough."""

    KEYS = ("origin", "n_eval", "min_eval", "enough")

    origin: str  # "split", "carved" or "human"
    n_eval: int
    min_eval: int
    enough: bool  # n_eval >= min_eval: the card has metrics

    @classmethod
    def from_dict(cls, d: Json, where: str = "evaluation.") -> Self:
        """The stored ``evaluation`` block."""
        got, kept = split(d, cls, where)
        return cls(
            text(got, "origin", where),
            whole(got, "n_eval", where),
            whole(got, "min_eval", where),
            flag(got, "enough", where),
            **kept,
        )

    def json_fields(self) -> dict[str, Json]:
        return {"origin": self.origin, "n_eval": self.n_eval, "min_eval": self.min_eval, "enough": self.enough}
