"""The Monitor at the app's edge: ``api_name="monitor"`` returns the report as JSON, fed by ``/api/predict``; the
tab's handler shows the flags, figures and tables."""

from __future__ import annotations

import httpx
from gradio_client import Client

from hloop.services import Services
from hloop.ui import monitor
from tests.conftest import corpus_of, settings_in, tiny_texts
from tests.services.test_monitor import off_topic


def test_the_monitor_api_reports_predictions_made_through_rest(url):
    texts, _ = tiny_texts(15, seed=3)
    answer = httpx.post(f"{url}api/predict", json={"texts": texts}, timeout=30)
    assert answer.status_code == 200
    report = Client(url, verbose=False).predict(1.0, api_name="/monitor")
    assert report["n_live"] >= 60 and report["model_version"] == 1
    assert report["label_mix"]["enough"] and report["text_drift"]["message"].startswith("not enough live texts")
    assert {"per_hour", "confidence", "estimate", "realised", "flags", "calibration"} <= set(report)


def test_the_tab_shows_flags_figures_and_tables(trained):
    trained.predict_texts(tiny_texts(15, seed=3)[0])
    flags, figures, per_hour, bins, summary, labels = monitor.show(trained, 24)
    assert "No flag raised" in flags and "Label mix" in figures and "Text drift" in figures
    assert per_hour["count"].sum() == 60 and bins["count"].sum() == 60
    assert list(summary["version"]) == ["v1"] and labels["live predictions"].sum() == 60


def test_the_tab_says_why_before_v1(services):
    flags, *_rest = monitor.show(services, 24)
    assert "v1" in flags and not _rest[0]


def test_health_is_degraded_with_the_reason_once_live_texts_drift(launch, tmp_path):
    services = Services(settings_in(tmp_path, seed_size=120), corpus=corpus_of(40))
    services.train()
    url = launch(services)
    assert httpx.get(f"{url}health", timeout=30).json()["status"] == "ok"  # no traffic yet
    assert httpx.post(f"{url}api/predict", json={"texts": off_topic(150)}, timeout=30).status_code == 200
    report = httpx.get(f"{url}api/monitor", params={"hours": 1}, timeout=60).json()
    assert "text_drift" in {f["reason"] for f in report["flags"]}
    health = httpx.get(f"{url}health", timeout=30)  # the report just made raised the flags /health shows
    body = health.json()
    assert health.status_code == 200 and body["status"] == "degraded" and "text_drift" in body["reasons"]
    assert "AUC" in body["detail"] and body["model_version"] == 1


def test_health_recomputes_stale_flags_without_waiting(trained):
    trained.predict_texts(off_topic(150))  # 150 live texts against a 60-text reference: drift is not testable
    assert trained.monitor_flags(max_age=0) == []  # the last flags (none yet), at once; a report starts
    assert trained.monitor_flags(max_age=0, wait=True) == list(trained.monitor().flags)
