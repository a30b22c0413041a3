"""The metrics follow the events: exact counts, bounded label values, gauges read from the services, and a
dropped app's metrics neither kept alive nor counting."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hloop.core import events
from hloop.core.monitor_report import FLAG_REASONS
from hloop.services import Services
from hloop.services.metrics import Metrics, multiprocess_mode
from labeling import store
from tests.conftest import corpus_of, settings_in

pytestmark = pytest.mark.skipif(
    multiprocess_mode(), reason="PROMETHEUS_MULTIPROC_DIR was set: every Metrics of this process shares its counts"
)


@pytest.fixture
def metrics():
    made = Metrics()
    yield made
    made.close()


def test_events_become_exact_counts(metrics):
    for _ in range(3):
        events.emit("predict.done", model_version=2, label="a", confidence=0.75)
    probs = np.array([[0.9, 0.1], [0.35, 0.65]])
    batch = {"texts": ["x", "y"], "probabilities": probs}
    events.emit("predict.batch", model_version=2, count=2, kind="texts", payload=batch)
    events.emit("predict.batch", model_version=1, count=5, kind="file", rows=6, errors=1)
    events.emit("label.saved", source="queue", label="a")
    events.emit("label.saved", source="correction", label="b")
    events.emit("bulk.labelled", source="bulk", count=4)
    events.emit("import.done", source="import", count=100)  # texts added to the pool, not labels
    events.emit("label.skipped", ids=[3])
    events.emit("retrain.finished", model_version=3, duration_seconds=12.5, verdict="held_back")
    events.emit("retrain.finished", model_version=4, duration_seconds=1.5, verdict="promoted")
    events.emit("login.refused", reason="locked_out")
    events.emit("error", error_class="InvalidInputError", route="/api/predict", status=422)

    assert metrics.value("hloop_predictions_total", {"version": "2"}) == 5
    assert metrics.value("hloop_predictions_total", {"version": "1"}) == 5
    assert metrics.value("hloop_prediction_confidence_count") == 5  # the file batch carries no confidences
    assert metrics.value("hloop_prediction_confidence_bucket", {"le": "0.7"}) == 1  # 0.65
    assert metrics.value("hloop_prediction_confidence_bucket", {"le": "0.8"}) == 4  # 0.65 and three 0.75
    assert metrics.value("hloop_labels_total", {"source": "queue"}) == 1
    assert metrics.value("hloop_labels_total", {"source": "correction"}) == 1
    assert metrics.value("hloop_labels_total", {"source": "bulk"}) == 4
    assert metrics.value("hloop_labels_total", {"source": "import"}) is None
    assert metrics.value("hloop_retrains_total", {"verdict": "held_back"}) == 1
    assert metrics.value("hloop_retrains_total", {"verdict": "promoted"}) == 1
    assert metrics.value("hloop_retrain_duration_seconds_sum") == 14.0
    assert metrics.value("hloop_logins_refused_total", {"reason": "locked_out"}) == 1
    assert metrics.value("hloop_errors_total", {"error_class": "InvalidInputError"}) == 1


@pytest.mark.parametrize(
    ("name", "fields", "metric", "label", "given"),
    [
        ("label.saved", {"source": "my text here"}, "hloop_labels_total", "source", "my text here"),
        ("label.saved", {}, "hloop_labels_total", "source", "None"),
        ("retrain.finished", {"verdict": "maybe"}, "hloop_retrains_total", "verdict", "maybe"),
        ("login.refused", {"reason": "ana at 10.0.0.1"}, "hloop_logins_refused_total", "reason", "ana at 10.0.0.1"),
        ("error", {"error_class": "Bad <thing> 42"}, "hloop_errors_total", "error_class", "Bad <thing> 42"),
        ("error", {"error_class": "E" * 61}, "hloop_errors_total", "error_class", "E" * 61),
        ("error", {"error_class": None}, "hloop_errors_total", "error_class", "None"),
    ],
)
def test_unbounded_values_never_become_labels(metrics, name, fields, metric, label, given):
    events.emit(name, **fields)
    assert metrics.value(metric, {label: "other"}) == 1
    assert metrics.value(metric, {label: given}) is None


def test_route_label_is_what_the_edge_gives(metrics):
    metrics.observe_request("/api/bulk-label/{batch_id}/undo", 0.25)
    metrics.observe_request("ui", 0.5)
    assert metrics.value("hloop_request_duration_seconds_count", {"route": "/api/bulk-label/{batch_id}/undo"}) == 1
    assert metrics.value("hloop_request_duration_seconds_sum", {"route": "ui"}) == 0.5


def test_a_closed_metrics_stops_counting_and_apps_do_not_share():
    first, second = Metrics(), Metrics()
    events.emit("label.saved", source="queue")
    first.close()
    events.emit("label.saved", source="queue")
    second.close()
    events.emit("label.saved", source="queue")
    assert first.value("hloop_labels_total", {"source": "queue"}) == 1
    assert second.value("hloop_labels_total", {"source": "queue"}) == 2


def test_a_dropped_metrics_does_not_keep_its_services_alive(tmp_path):
    services = Services(settings_in(tmp_path), corpus=corpus_of(10))
    metrics = Metrics(services)
    gone_services, gone_metrics = weakref.ref(services), weakref.ref(metrics)
    del services, metrics
    gc.collect()
    assert gone_metrics() is None and gone_services() is None


def test_a_dropped_metrics_stops_counting():
    metrics = Metrics()
    registry = metrics.registry  # kept by the test alone: it holds the counters, not the Metrics
    events.emit("label.saved", source="queue")
    gone = weakref.ref(metrics)
    del metrics
    gc.collect()
    assert gone() is None
    events.emit("label.saved", source="queue")  # no subscriber counts it, nothing fails
    assert registry.get_sample_value("hloop_labels_total", {"source": "queue"}) == 1


def gauges(metrics: Metrics) -> dict[str, float]:
    text = metrics.render().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        if family.type == "gauge":
            for sample in family.samples:
                key = ":".join([sample.name, *sample.labels.values()])
                out[key] = sample.value
    return out


def store_counts(services: Services) -> tuple[int, int]:
    """(pool texts, of them labelled) counted another way: ids of the queue's origins, their counting labels."""
    with services.project.session() as session:
        pool = set(store.example_ids(store.QUEUE_ORIGINS, session=session))
        labelled = {row.example_id for row in store.latest_labels(session=session, origins=store.QUEUE_ORIGINS)}
    return len(pool), len(pool & labelled)


def test_gauges_equal_the_store_counts(trained):
    metrics = Metrics(trained)
    try:
        before = gauges(metrics)
        pool, labelled = store_counts(trained)
        for _ in range(3):
            item = trained.next_item("ana")
            trained.submit_label(item.example_id, trained.label_set.names[0], "ana")
        trained.undo("ana")  # the third label no longer counts: its text is unlabelled again
        trained.feedback("a new text about the league match", trained.label_set.names[1], "ana")  # not a pool text
        after = gauges(metrics)
        pool_after, labelled_after = store_counts(trained)
    finally:
        metrics.close()
    assert (before["hloop_pool_items"], before["hloop_unlabelled_items"]) == (pool, pool - labelled)
    assert (after["hloop_pool_items"], after["hloop_unlabelled_items"]) == (pool_after, pool_after - labelled_after)
    assert pool_after == pool > 0 and labelled_after == labelled + 2
    assert before["hloop_current_model_version"] == 1 == trained.serving_version()
    assert before["hloop_labels_since_retrain"] == trained.counters()["labels_since_retrain"] - 3
    assert after["hloop_labels_since_retrain"] == trained.counters()["labels_since_retrain"]
    assert 0 <= after["hloop_scoring_progress_ratio"] <= 1
    assert {after[f"hloop_monitor_flag:{reason}"] for reason in FLAG_REASONS} == {0.0}


class Flagged:
    """A façade whose Monitor raises one flag and whose label counters fail (the store unreachable)."""

    project = None  # the pool counts fail too

    def counters(self):
        raise RuntimeError("store unreachable")

    def serving_version(self):
        return 3

    def queue_status(self):
        return {"scoring_fraction": 0.25}

    def monitor_flags(self):
        return [{"reason": "text_drift", "message": "drift"}]


def test_a_failing_read_leaves_its_gauge_out_and_flags_are_one_or_zero():
    metrics = Metrics(Flagged())
    try:
        read = gauges(metrics)
    finally:
        metrics.close()
    assert "hloop_labels_since_retrain" not in read and "hloop_pool_items" not in read
    assert read["hloop_current_model_version"] == 3 and read["hloop_scoring_progress_ratio"] == 0.25
    assert {r: read[f"hloop_monitor_flag:{r}"] for r in FLAG_REASONS} == {
        r: float(r == "text_drift") for r in FLAG_REASONS
    }
