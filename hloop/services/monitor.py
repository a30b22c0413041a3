"""Use-case of monitoring live traffic (issue 20): the recent predictions of this process, tested against what
the model was trained and calibrated on (``hloop.core.monitoring``), with flags for ``/health``, the logs and
the metrics.

The window is per process and in memory: the last ``HLOOP_MONITOR_WINDOW`` predictions (default 5,000) served by
``predict`` (``predict.done``) and ``predict_texts`` (``predict.batch`` of kind ``texts``). A file predicted by
``predict_file`` is a batch job, not live traffic, and is left out. Several processes each monitor their own
traffic. The reference (a sample of training texts and their label mix) and the dev calibration are computed once
per model version and kept; the domain classifier runs outside any lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from hloop.core import events
from hloop.core.monitor_report import MonitorReport
from hloop.core.monitoring import Calibration, Estimate, estimate_accuracy, fit_calibration, label_mix, text_drift
from hloop.services.coldstart import ColdStart
from hloop.services.models import Models
from hloop.services.project import Project
from hloop.services.quality import Quality
from training.pipeline import full_probabilities

log = logging.getLogger(__name__)
FLAGS_MAX_AGE_SECONDS = 60.0  # monitor_flags() recomputes at most this often
REFERENCE_TEXTS = 2_000  # training texts sampled once per version for the domain classifier
CONFIDENCE_BINS = 10


@dataclass(frozen=True)
class LivePrediction:
    """One live prediction: the text, when (UTC), by which version, the predicted label id and every probability."""

    text: str
    at: datetime
    version: int | None
    label: int
    probabilities: np.ndarray


@dataclass(frozen=True)
class _Reference:
    texts: list[str]
    labels: np.ndarray
    calibration: Calibration | None


class Monitor:
    """The live window and the report over it; ``monitor_flags`` for ``/health``."""

    def __init__(self, project: Project, models: Models, cold_start: ColdStart, quality: Quality) -> None:
        self.project, self.models, self.cold_start, self.quality = project, models, cold_start, quality
        self.limit = project.settings.monitor_window
        self._window: deque[LivePrediction] = deque(maxlen=self.limit)
        self._lock = threading.Lock()
        # one refresh of the flags at a time (monitor_flags never waits); monitor() itself takes no lock while it
        # runs the domain classifier: two users' reports run side by side
        self._compute = threading.Lock()
        self._references: dict[int, _Reference] = {}
        self._raised: set[str] = set()
        self._flags: tuple[dict, ...] = ()
        self._flags_at = -np.inf
        self._worker: threading.Thread | None = None
        self._unsubscribe = events.subscribe_while_alive(self.observe)  # a dropped Services is not kept

    def observe(self, event: events.Event) -> None:
        """Keep the predictions of a ``predict.done`` or ``predict.batch`` (texts) event whose payload carries the
        texts and their probabilities (``{"texts", "probabilities"}``, of this project's label count). The batch's
        texts travel in the payload, not in ``texts``: a log line of a 1,000-text batch stays one short line."""
        if event.name not in ("predict.done", "predict.batch") or not isinstance(event.payload, dict):
            return
        if event.name == "predict.batch" and event.fields.get("kind") != "texts":
            return
        texts = list(event.payload.get("texts", ()))
        probs = np.asarray(event.payload.get("probabilities"), dtype=float)
        if probs.ndim != 2 or probs.shape != (len(texts), len(self.project.label_set)):
            return
        rows = [
            LivePrediction(text, event.at, event.model_version, int(np.argmax(row)), row)
            for text, row in zip(texts, probs, strict=True)
        ]
        with self._lock:
            self._window.extend(rows)

    def live(self, hours: float | None = None) -> list[LivePrediction]:
        """The window's predictions (of the last ``hours``, if given), oldest first."""
        with self._lock:
            rows = list(self._window)
        if hours is None:
            return rows
        since = datetime.now(UTC) - timedelta(hours=hours)
        return [r for r in rows if r.at >= since]

    def clear(self) -> None:
        """Forget the window and the raised flags (a fresh monitor)."""
        with self._lock:
            self._window.clear()
            self._raised.clear()
            self._flags, self._flags_at = (), -np.inf

    def _reference(self, version: int, model) -> _Reference:
        """The training texts' sample and label mix, and the dev calibration, of ``version`` (kept)."""
        kept = self._references.get(version)
        if kept is not None:
            return kept
        n_labels = len(self.project.label_set)
        dev = self.cold_start.dev_set()
        dev_texts = set(dev[0]) if dev else set()
        train, _held = self.cold_start.training_rows()
        rows = [r for r in train if r.text not in dev_texts]
        rng = np.random.default_rng(self.project.settings.random_seed)
        picked = rng.choice(len(rows), min(len(rows), REFERENCE_TEXTS), replace=False) if rows else []
        calibration = None
        if dev and len(dev[1]) >= 20:
            calibration = fit_calibration(full_probabilities(model, dev[0], n_labels), np.asarray(dev[1]))
        reference = _Reference([rows[i].text for i in picked], np.asarray([r.label for r in rows], dtype=int),
                               calibration)  # fmt: skip
        self._references = {version: reference}  # the current version's only: a rollback recomputes it
        return reference

    def monitor(self, hours: float = 24.0) -> MonitorReport:
        """The report over the last ``hours`` of live traffic; raises the flags it finds (a ``monitor.flag`` event
        for each newly raised). NoModelError before v1."""
        version, model = self.models.current_model()
        reference = self._reference(version, model)
        rows = self.live(hours)
        n_labels = len(self.project.label_set)
        mix = label_mix(np.asarray([r.label for r in rows], dtype=int), reference.labels, n_labels)
        drift = text_drift(reference.texts, [r.text for r in rows], seed=self.project.settings.random_seed)
        mine = [r.probabilities for r in rows if r.version == version]
        probs = np.vstack(mine) if mine else np.zeros((0, n_labels))
        estimate = (
            estimate_accuracy(reference.calibration, probs) if reference.calibration is not None
            else Estimate(False, "no dev set (20 or more rows) to calibrate on", n=len(mine))
        )  # fmt: skip
        flags = tuple(
            {"reason": reason, "message": part.message}
            for reason, part in (("label_mix", mix), ("text_drift", drift), ("estimated_drop", estimate))
            if part.flagged
        )
        self._raise(flags, version)
        return MonitorReport(
            hours=hours, generated_at=datetime.now(UTC).isoformat(timespec="seconds"), window_limit=self.limit,
            n_live=len(rows), model_version=version, per_hour=_per_hour(rows), confidence=_confidence(rows),
            label_names=tuple(self.project.label_set.names), label_mix=mix, text_drift=drift, estimate=estimate,
            calibration=None if reference.calibration is None else reference.calibration.to_dict(),
            realised=self.quality.live_quality(), flags=flags,
        )  # fmt: skip

    def _raise(self, flags: tuple[dict, ...], version: int) -> None:
        """Keep the flags for /health; a ``monitor.flag`` event for each reason not raised at the last check."""
        now = {f["reason"] for f in flags}
        with self._lock:
            new = now - self._raised
            self._raised = now
            self._flags, self._flags_at = flags, time.monotonic()
        for f in flags:
            if f["reason"] in new:
                events.emit("monitor.flag", model_version=version, reason=f["reason"], message=f["message"])

    def monitor_flags(self, max_age: float = FLAGS_MAX_AGE_SECONDS, wait: bool = False) -> list[dict]:
        """The flags of the last report ({reason, message}); [] before v1 or without traffic. When they are older
        than ``max_age`` seconds a new report is started in a thread (one at a time) and the last flags are
        returned at once, so ``/health`` never waits for the domain classifier; ``wait=True`` waits for it."""
        with self._lock:
            fresh = time.monotonic() - self._flags_at < max_age
            flags = list(self._flags)
        if fresh or not self._window:
            return flags
        if self._compute.acquire(blocking=False):  # else a report is already running
            self._worker = threading.Thread(target=self._refresh, name="hloop-monitor-flags", daemon=True)
            self._worker.start()
        if not wait:
            return flags
        if self._worker is not None:
            self._worker.join()
        with self._lock:
            return list(self._flags)

    def _refresh(self) -> None:
        try:
            self.monitor()
        except Exception as exc:  # noqa: BLE001 - /health must answer; NoModelError before v1, a damaged model…
            log.warning("monitor: the flags could not be recomputed: %s", exc)
        finally:
            self._compute.release()


def _per_hour(rows: list[LivePrediction]) -> tuple[dict, ...]:
    """Predictions per UTC hour (the hour's start, ISO), oldest first."""
    counts = Counter(r.at.replace(minute=0, second=0, microsecond=0) for r in rows)
    return tuple({"hour": hour.isoformat(timespec="minutes"), "count": counts[hour]} for hour in sorted(counts))


def _confidence(rows: list[LivePrediction]) -> tuple[dict, ...]:
    """Per version: a histogram of the max probability (CONFIDENCE_BINS equal bins over 0–1), its mean and a 95%
    interval of the mean (± 1.96 sd/√n)."""
    out = []
    for version in sorted({r.version for r in rows}, key=lambda v: -1 if v is None else v):
        conf = np.asarray([float(r.probabilities.max()) for r in rows if r.version == version])
        histogram, _edges = np.histogram(conf, bins=CONFIDENCE_BINS, range=(0.0, 1.0))
        mean = float(conf.mean())
        half = 1.96 * float(conf.std(ddof=1)) / np.sqrt(conf.size) if conf.size > 1 else None  # none from one text
        out.append({"version": version, "n": int(conf.size), "mean": mean,
                    "low": None if half is None else mean - half, "high": None if half is None else mean + half,
                    "histogram": [int(c) for c in histogram]})  # fmt: skip
    return tuple(out)
