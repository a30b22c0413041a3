"""A model version's card (``models/vN/card.json``) as a typed value, for every card any release wrote.

Cards of older releases lack parts: no ``format`` (a legacy pickle), no ``labels``, ``evaluation``, ``gate`` or
``status`` (before the gate), metrics without intervals, ``metrics`` null or ``{}`` (too few eval texts, or
none recorded). Those parts are None here. Keys this release does not know stay in ``extra``, and
``ModelCard.from_dict(d).to_dict() == d`` for every card, key for key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from hloop.core.card_parts import ClassScores, ConfusionMatrix, Evaluation, GateVerdict, Metrics, TrainingInfo
from hloop.core.models import LEGACY_FAMILY
from hloop.core.stored import Json, Stored, blob, flag, number, split, text, texts, whole

__all__ = [
    "HELD_BACK",
    "OVERRIDE",
    "PROMOTED",
    "UNSAVED",
    "ClassScores",
    "ConfusionMatrix",
    "Evaluation",
    "GateVerdict",
    "Metrics",
    "ModelCard",
    "TrainingInfo",
]

PROMOTED, HELD_BACK, OVERRIDE = "promoted", "held back", "override"
UNSAVED = 0  # the version of a card not saved yet: the registry gives it its number when it saves it


@dataclass(frozen=True)
class ModelCard(Stored):
    """What is known of one model version: how it was trained, its metrics on eval, the gate's verdict."""

    KEYS = (
        "version",
        "parent",
        "created_at",
        "status",
        "labels",
        "training",
        "evaluation",
        "metrics",
        "gate",
        "hyperparameters",
        "converged",
        "training_seconds",
        "compute",
        "compute_seconds",
        "eval_seconds",
        "library_versions",
        "data_fingerprint",
        "format",
        "artifact_sha256",
        "probe",
        "family",
        "embedder",
        "choice",
        "calibration",
        "override_at",
        "converted",
        "current",
    )
    OPTIONAL = frozenset(
        {
            "override_at",
            "converted",
            "current",
            "probe",
            "status",
            "gate",
            "format",
            "family",
            "embedder",
            "choice",
            "calibration",
        }
    )
    EMPTY_IS_NONE = frozenset({"metrics"})  # `{}`: no metrics recorded (cards written by old tests and tools)

    version: int
    parent: int | None = None
    created_at: str | None = None  # ISO 8601, UTC, seconds
    status: str | None = None  # "promoted", "held back" or "override"; None before the gate (see promotion_status)
    labels: tuple[str, ...] | None = None  # the label set it was trained for; None on cards from before label sets
    training: TrainingInfo | None = None
    evaluation: Evaluation | None = None
    metrics: Metrics | None = None  # None: too few eval texts to score (or none recorded)
    gate: GateVerdict | None = None
    hyperparameters: Mapping[str, Json] | None = None
    converged: bool | None = None
    training_seconds: float | None = None
    compute: str | None = None  # "local" or "modal"
    compute_seconds: float | None = None
    eval_seconds: float | None = None
    library_versions: Mapping[str, str] | None = None
    data_fingerprint: str | None = None
    format: str | None = None  # the artifact's format ("skops"); None: a legacy pickle, refused until trusted
    artifact_sha256: str | None = None
    probe: Mapping[str, Json] | None = None  # texts and the probabilities every load must reproduce
    family: str | None = None  # the model family; None on cards from before families (tfidf-lr)
    embedder: Mapping[str, Json] | None = None  # the identity (name, dim, sha256) of the embeddings it was fitted on
    choice: Mapping[str, Json] | None = None  # auto's comparison of the families (training.choice.FamilyChoice)
    calibration: Mapping[str, Json] | None = None  # the expected calibration error on dev: {"dev_ece", "n_dev"}
    override_at: str | None = None  # when a held-back version was made current by hand
    converted: Mapping[str, Json] | None = None  # from, at, note: a legacy pickle converted at the user's request
    current: bool | None = None  # not stored: set on cards the services return

    @classmethod
    def from_dict(cls, d: Json) -> Self:
        """The card of a stored (or returned) card dict; ModelIntegrityError naming a malformed field."""
        got, kept = split(d, cls, "")
        versions = blob(got, "library_versions")
        return cls(
            version=whole(got, "version"),
            parent=whole(got, "parent", required=False),
            created_at=text(got, "created_at", required=False),
            status=text(got, "status", required=False),
            labels=texts(got, "labels"),
            training=None if "training" not in got else TrainingInfo.from_dict(got["training"]),
            evaluation=None if "evaluation" not in got else Evaluation.from_dict(got["evaluation"]),
            metrics=None if "metrics" not in got else Metrics.from_dict(got["metrics"]),
            gate=None if "gate" not in got else GateVerdict.from_dict(got["gate"]),
            hyperparameters=blob(got, "hyperparameters"),
            converged=flag(got, "converged", required=False),
            training_seconds=number(got, "training_seconds", required=False),
            compute=text(got, "compute", required=False),
            compute_seconds=number(got, "compute_seconds", required=False),
            eval_seconds=number(got, "eval_seconds", required=False),
            library_versions=None if versions is None else {str(k): str(v) for k, v in versions.items()},
            data_fingerprint=text(got, "data_fingerprint", required=False),
            format=text(got, "format", required=False),
            artifact_sha256=text(got, "artifact_sha256", required=False),
            probe=blob(got, "probe"),
            family=text(got, "family", required=False),
            embedder=blob(got, "embedder"),
            choice=blob(got, "choice"),
            calibration=blob(got, "calibration"),
            override_at=text(got, "override_at", required=False),
            converted=blob(got, "converted"),
            current=flag(got, "current", required=False),
            **kept,
        )

    def json_fields(self) -> dict[str, Json]:
        def part(value: Stored | None) -> Json:
            return None if value is None else value.to_dict()

        return {
            "version": self.version,
            "parent": self.parent,
            "created_at": self.created_at,
            "status": self.status,
            "labels": None if self.labels is None else list(self.labels),
            "training": part(self.training),
            "evaluation": part(self.evaluation),
            "metrics": part(self.metrics),
            "gate": part(self.gate),
            "hyperparameters": self.hyperparameters,
            "converged": self.converged,
            "training_seconds": self.training_seconds,
            "compute": self.compute,
            "compute_seconds": self.compute_seconds,
            "eval_seconds": self.eval_seconds,
            "library_versions": self.library_versions,
            "data_fingerprint": self.data_fingerprint,
            "format": self.format,
            "artifact_sha256": self.artifact_sha256,
            "probe": self.probe,
            "family": self.family,
            "embedder": self.embedder,
            "choice": self.choice,
            "calibration": self.calibration,
            "override_at": self.override_at,
            "converted": self.converted,
            "current": self.current,
        }

    @property
    def model_family(self) -> str:
        """The model family (``tfidf-lr`` on cards from before families were recorded)."""
        return self.family or LEGACY_FAMILY

    @property
    def model_line(self) -> str:
        """One line on the model: its family, the embeddings it uses, and how the family was decided."""
        embedder = self.embedder or {}
        uses = f" on {embedder.get('name')} embeddings ({embedder.get('dim')} dimensions)" if embedder else ""
        choice = self.choice or {}
        if not choice:
            how = "" if self.family is None else " (set by HLOOP_MODEL)"
        elif choice.get("made_for") is not None:
            how = (
                f" (auto: the choice made for v{choice['made_for']}, kept until the training labels grow by half; "
                f"{choice.get('reason', '')})"
            )
        else:
            how = f" (auto: {choice.get('reason', 'chosen by cross-validation on the training labels')})"
        calibration = self.calibration or {}
        ece = calibration.get("dev_ece")
        calibrated = "" if ece is None else f" · calibration error on dev {ece:.3f} ({calibration.get('n_dev')} texts)"
        return f"Model **{self.model_family}**{uses}{how}{calibrated}"

    @property
    def candidates(self) -> list[tuple[str, float, float | None]]:
        """auto's candidates as (family, cross-validated accuracy, calibration error), best first; empty when no
        choice is recorded."""
        choice = self.choice or {}
        scores = dict(choice.get("scores") or {})
        errors = dict(choice.get("calibration_errors") or {})
        rows = [(str(f), float(v), None if errors.get(f) is None else float(errors[f])) for f, v in scores.items()]
        return sorted(rows, key=lambda row: -row[1])

    @property
    def is_legacy(self) -> bool:
        """Saved by a release before the safe format: a pickle, loaded only once the user trusts it."""
        return self.format is None

    @property
    def promotion_status(self) -> str:
        """The recorded status; "promoted" on cards from before the gate (every version then became current)."""
        return self.status or PROMOTED

    @property
    def held_back(self) -> bool:
        """The gate held it back and nobody overrode that."""
        return self.promotion_status == HELD_BACK

    @property
    def promoted(self) -> bool:
        """It became current once: by the gate, or by a manual override."""
        return not self.held_back

    @property
    def overridden(self) -> bool:
        """A held-back version made current by hand."""
        return self.promotion_status == OVERRIDE

    @property
    def is_current(self) -> bool:
        """The services marked it the current version (False when not marked)."""
        return bool(self.current)

    def serving_role(self, serving: int) -> str:
        """Its part in answering, given the ``serving`` version (0: none): ``"current"``, ``"damaged"`` (the current
        pointer's while its files are damaged and another version serves), ``"stand-in"`` (that other one) or ``""``."""
        if self.is_current:
            return "current" if self.version == serving or not serving else "damaged"
        return "stand-in" if self.version == serving else ""

    @property
    def last_label_id(self) -> int:
        """The newest label id in the store when it was trained; 0 on cards from before that was recorded."""
        if self.training is None or self.training.last_label_id is None:
            return 0
        return self.training.last_label_id

    @property
    def label_names(self) -> tuple[str, ...] | None:
        """The label set it was trained for: the card's labels, else its confusion matrix's, else None."""
        if self.labels is not None:
            return self.labels
        return None if self.metrics is None else self.metrics.confusion_matrix.labels
