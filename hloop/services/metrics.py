"""Prometheus metrics: every metric of the app is defined here. Counters and histograms follow the events
(``hloop.core.events``); gauges are read from the services when scraped.

Label values come from small fixed sets only (a version, a label source, a verdict, a refusal reason, a monitor
flag's reason, an error's class name, a route template); anything else becomes ``"other"``.

Multiprocess mode is prometheus_client's own: when ``PROMETHEUS_MULTIPROC_DIR`` is set before it is imported,
each process writes its counters and histograms to files in that folder and a scrape sums them over the
processes. Those values live in the files of one process, so in that mode the counters and histograms are made
once per process and shared by every ``Metrics`` of it (counting each event once while one of them is alive). The
gauges are never written to the files: the process answering a scrape reads them from the store every process
shares (a sum of several readings of one store would be wrong, and a reading kept in a file would be stale).
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client import multiprocess as prom_multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from hloop.core import events
from hloop.core.monitor_report import FLAG_REASONS
from hloop.core.search import LABEL_SOURCES
from labeling import store
from labeling.tables import Example, Label

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

VERDICTS = ("promoted", "held_back")
REFUSALS = ("bad_credentials", "locked_out", "saturated")
MAX_ERROR_CLASS_CHARS = 60
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
RETRAIN_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)


def bounded(value: object, allowed: tuple[str, ...]) -> str:
    """``value`` as a label value when it is one of ``allowed``; ``"other"`` otherwise (never an unbounded value)."""
    return value if isinstance(value, str) and value in allowed else "other"


def error_class(value: object) -> str:
    """An exception's class name as a label value: a Python identifier of at most 60 characters, else "other"."""
    ok = isinstance(value, str) and value.isidentifier() and len(value) <= MAX_ERROR_CLASS_CHARS
    return value if ok else "other"


def multiprocess_mode() -> bool:
    """Whether prometheus_client keeps its values in files (``PROMETHEUS_MULTIPROC_DIR`` was set when it was
    imported): the library's own choice, made once per process, so it is read from the library."""
    return values.ValueClass is not values.MutexValue


class Instruments:
    """The counters and histograms, on ``registry`` (None: multiprocess mode, where the files hold the values);
    ``count(event)`` follows one event."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        on = registry
        self.predictions = Counter("hloop_predictions", "Texts predicted, by model version.", ["version"], registry=on)
        self.labels = Counter("hloop_labels", "Human labels saved, by source.", ["source"], registry=on)
        self.retrains = Counter("hloop_retrains", "Retrains finished, by gate verdict.", ["verdict"], registry=on)
        self.refused = Counter("hloop_logins_refused", "Logins refused, by reason.", ["reason"], registry=on)
        self.errors = Counter("hloop_errors", "Errors answered, by exception class.", ["error_class"], registry=on)
        self.latency = Histogram(
            "hloop_request_duration_seconds", "HTTP request latency, by route template.", ["route"], registry=on
        )
        self.confidence = Histogram(
            "hloop_prediction_confidence", "Confidence of each prediction.", buckets=CONFIDENCE_BUCKETS, registry=on
        )
        self.retrain_seconds = Histogram(
            "hloop_retrain_duration_seconds", "Retrain duration.", buckets=RETRAIN_BUCKETS, registry=on
        )
        self._handlers: dict[str, Callable[[events.Event], None]] = {
            "predict.done": self._predicted,
            "predict.batch": self._batch,
            "label.saved": self._label,
            "bulk.labelled": self._bulk,
            "retrain.finished": self._retrain,
            "login.refused": self._refused,
            "error": self._error,
        }

    def count(self, event: events.Event) -> None:
        """Count one event (the events no metric follows are ignored)."""
        handler = self._handlers.get(event.name)
        if handler is not None:
            handler(event)

    def _predicted(self, event: events.Event) -> None:
        self.predictions.labels(version=str(event.model_version or 0)).inc()
        confidence = event.fields.get("confidence")
        if confidence is not None:
            self.confidence.observe(float(confidence))

    def _batch(self, event: events.Event) -> None:
        count = int(event.fields.get("count") or 0)
        if count > 0:
            self.predictions.labels(version=str(event.model_version or 0)).inc(count)
        payload = event.payload if isinstance(event.payload, dict) else {}
        probabilities = payload.get("probabilities")  # kind "texts" only; a file's rows carry none
        if probabilities is not None:
            for row in probabilities:
                self.confidence.observe(float(max(row)))

    def _label(self, event: events.Event) -> None:
        self.labels.labels(source=bounded(event.fields.get("source"), LABEL_SOURCES)).inc()

    def _bulk(self, event: events.Event) -> None:
        # a bulk batch emits no label.saved per text; import.done counts texts added to the pool, not labels
        count = int(event.fields.get("count") or 0)
        if count > 0:
            self.labels.labels(source=bounded(event.fields.get("source", "bulk"), LABEL_SOURCES)).inc(count)

    def _retrain(self, event: events.Event) -> None:
        self.retrains.labels(verdict=bounded(event.fields.get("verdict"), VERDICTS)).inc()
        if event.duration_seconds is not None:
            self.retrain_seconds.observe(event.duration_seconds)

    def _refused(self, event: events.Event) -> None:
        self.refused.labels(reason=bounded(event.fields.get("reason"), REFUSALS)).inc()

    def _error(self, event: events.Event) -> None:
        self.errors.labels(error_class=error_class(event.fields.get("error_class"))).inc()


class _Process:
    """Multiprocess mode: this process's one set of instruments, counting while a ``Metrics`` of it lives."""

    def __init__(self) -> None:
        self.instruments = Instruments(None)
        self.holders: weakref.WeakSet = weakref.WeakSet()
        events.subscribe(self.count)  # module-lived: it holds no app, and counts nothing once none is alive
        atexit.register(prom_multiprocess.mark_process_dead, os.getpid())

    def count(self, event: events.Event) -> None:
        if len(self.holders):
            self.instruments.count(event)


_process: _Process | None = None
_process_lock = threading.Lock()


def _this_process() -> _Process:
    global _process
    with _process_lock:
        if _process is None:
            _process = _Process()
        return _process


class Metrics:
    """The metrics of one app: follows the events from when it is made until ``close()`` or until it is dropped;
    ``services`` (optional) is the façade the gauges are read from at each scrape; ``render()`` is the body."""

    def __init__(self, services=None) -> None:
        self.multiprocess = multiprocess_mode()
        self.gauges = StoreGauges(services) if services is not None else None
        self.registry = CollectorRegistry()  # this app's own (unused in multiprocess mode)
        if self.multiprocess:
            shared = _this_process()
            self.instruments = shared.instruments
            shared.holders.add(self)
            self._stop = None
        else:
            self.instruments = Instruments(self.registry)
            if self.gauges is not None:
                self.registry.register(self.gauges)
            self._stop = events.subscribe_while_alive(self._count)

    def _count(self, event: events.Event) -> None:
        self.instruments.count(event)

    def observe_request(self, route: str, seconds: float) -> None:
        """One HTTP request's latency under ``route`` (a route template or one of a few fixed names)."""
        self.instruments.latency.labels(route=route).observe(seconds)

    def scrape_registry(self) -> CollectorRegistry:
        """The registry a scrape reads: this app's, or in multiprocess mode every process's files and the gauges."""
        if not self.multiprocess:
            return self.registry
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)
        if self.gauges is not None:
            registry.register(self.gauges)
        return registry

    def value(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        """One sample's value as a scrape would give it now (None when absent)."""
        return self.scrape_registry().get_sample_value(name, labels or {})

    def render(self) -> bytes:
        """The text exposition of every metric (summed over the processes in multiprocess mode)."""
        return generate_latest(self.scrape_registry())

    def close(self) -> None:
        """Stop following the events (dropping the last reference does the same)."""
        if self._stop is not None:
            self._stop()
        elif _process is not None:
            _process.holders.discard(self)


class StoreGauges(Collector):
    """The gauges, read from the services at each scrape: pool and unlabelled items, labels since the last
    retrain, the serving version, the scoring progress, the Monitor's flags. A failing read leaves its gauges out
    of that scrape; the others are still given."""

    def __init__(self, services) -> None:
        self.services = services
        self._lock = threading.Lock()  # one store reading at a time, however many scrapers

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges' current values."""
        with self._lock:
            families = []
            for read in (self._pool, self._since, self._version, self._scoring, self._flags):
                try:
                    families += read()
                except Exception:  # noqa: BLE001 - the store unreachable, no model…: the scrape still answers
                    continue
        yield from families

    def _pool(self) -> list[GaugeMetricFamily]:
        pool, unlabelled = pool_counts(self.services)
        return [
            GaugeMetricFamily("hloop_pool_items", "Texts in the pool (queue origins).", value=pool),
            GaugeMetricFamily("hloop_unlabelled_items", "Pool texts without a counting label.", value=unlabelled),
        ]

    def _since(self) -> list[GaugeMetricFamily]:
        since = self.services.counters()["labels_since_retrain"]
        text = "Human labels since the newest version was trained."
        return [GaugeMetricFamily("hloop_labels_since_retrain", text, value=since)]

    def _version(self) -> list[GaugeMetricFamily]:
        version = self.services.serving_version()
        return [GaugeMetricFamily("hloop_current_model_version", "The serving model version (0: none).", value=version)]

    def _scoring(self) -> list[GaugeMetricFamily]:
        fraction = self.services.queue_status()["scoring_fraction"]
        text = "Background pool scoring progress of a newer version (1: none running)."
        return [GaugeMetricFamily("hloop_scoring_progress_ratio", text, value=1.0 if fraction is None else fraction)]

    def _flags(self) -> list[GaugeMetricFamily]:
        raised = {flag.get("reason") for flag in self.services.monitor_flags()}  # never waits for a report
        family = GaugeMetricFamily("hloop_monitor_flag", "1 while the Monitor raises this flag.", labels=["reason"])
        for reason in FLAG_REASONS:
            family.add_metric([reason], 1.0 if reason in raised else 0.0)
        return [family]


def pool_counts(services) -> tuple[int, int]:
    """(pool texts, of them without a counting label): two counting queries on the store."""
    with services.project.session() as session:
        pool = session.exec(
            select(func.count()).select_from(Example).where(col(Example.origin).in_(store.QUEUE_ORIGINS))
        ).one()
        labelled = session.exec(
            select(func.count(func.distinct(Label.example_id)))
            .join(Example, col(Example.id) == col(Label.example_id))
            .where(col(Example.origin).in_(store.QUEUE_ORIGINS), col(Label.undone_at).is_(None))
        ).one()
    return int(pool), int(pool) - int(labelled)
