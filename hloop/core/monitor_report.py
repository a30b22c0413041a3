"""The Monitor's report: a typed value with ``to_dict()`` for the API, the CLI and the tab."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hloop.core.monitoring import Estimate, LabelMix, TextDrift

FLAG_REASONS = ("label_mix", "text_drift", "estimated_drop")  # the fixed set a metric's label takes


@dataclass(frozen=True)
class MonitorReport:
    """Live traffic over the last ``hours`` (of this process's window): predictions per UTC hour, confidence per
    version, the label mix and text drift against training, the estimated (CBPE) beside the realised accuracy,
    and the flags raised (``reason`` in FLAG_REASONS, with a message)."""

    hours: float
    generated_at: str
    window_limit: int
    n_live: int
    model_version: int | None
    per_hour: tuple[dict, ...]
    confidence: tuple[dict, ...]
    label_names: tuple[str, ...]
    label_mix: LabelMix
    text_drift: TextDrift
    estimate: Estimate
    calibration: dict | None
    realised: dict
    flags: tuple[dict, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "hours": self.hours,
            "generated_at": self.generated_at,
            "window_limit": self.window_limit,
            "n_live": self.n_live,
            "model_version": self.model_version,
            "per_hour": list(self.per_hour),
            "confidence": list(self.confidence),
            "label_names": list(self.label_names),
            "label_mix": self.label_mix.to_dict(),
            "text_drift": self.text_drift.to_dict(),
            "estimate": self.estimate.to_dict(),
            "calibration": self.calibration,
            "realised": self.realised,
            "flags": list(self.flags),
        }
