"""Two app processes on one PostgreSQL store sharing one PROMETHEUS_MULTIPROC_DIR: the ``/metrics`` of each
sums both processes' counters to the labels actually stored, and reads its gauges from the store once."""

from __future__ import annotations

import os
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hloop.config import Settings
from hloop.services import Services
from tests.conftest import load_benchmark, write_tiny_dataset

pytestmark = pytest.mark.slow  # several processes: `pytest --slow` and CI

LABELS_SENT = (7, 5)  # through the first and the second process


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    text = httpx.get(url + "metrics", timeout=30).raise_for_status().text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(samples: dict, name: str) -> float:
    return sum(value for (sample, _labels), value in samples.items() if sample == name)


def test_each_process_sums_every_process_labels(tmp_path, postgres_url, monkeypatch):
    servers = load_benchmark(monkeypatch, "load_servers")
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {
        **os.environ,
        "HLOOP_DATASET": str(write_tiny_dataset(tmp_path / "data")),
        "HLOOP_DATABASE_URL": postgres_url,
        "HLOOP_MODELS_DIR": str(tmp_path / "models"),
        "HLOOP_SEED_SIZE": "20",
        "HLOOP_FIT_IN_WORKER": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    env.pop("HLOOP_AUTH", None)
    env.pop("HLOOP_METRICS_TOKEN", None)
    for name in ("HLOOP_DATASET", "HLOOP_DATABASE_URL", "HLOOP_MODELS_DIR", "HLOOP_SEED_SIZE", "HLOOP_FIT_IN_WORKER"):
        monkeypatch.setenv(name, env[name])
    services = Services(Settings())  # the store and v1, made once here under the apps' settings
    services.train()

    procs, urls = [], []
    try:
        for n in range(2):
            proc, url = servers.start_process([sys.executable, "app.py"], env, tmp_path / f"app{n}.log")
            procs.append(proc)
            urls.append(url)
        for proc, url, n in zip(procs, urls, range(2), strict=True):
            servers.wait_ready(proc, url, "/health", tmp_path / f"app{n}.log")
        names = services.label_set.names
        for n, (url, count) in enumerate(zip(urls, LABELS_SENT, strict=True)):
            for i in range(count):
                body = {"text": f"shares market profit note {n} {i}", "human_label": names[2], "annotator": f"a{n}"}
                httpx.post(url + "api/feedback", json=body, timeout=30).raise_for_status()
            httpx.post(url + "api/predict", json={"text": f"the coach and the team {n}"}, timeout=30).raise_for_status()
        scrapes = [scrape(url) for url in urls]
    finally:
        servers.stop_all(procs)

    stored = services.counters()
    assert stored["labels_total"] == sum(LABELS_SENT)
    for samples in scrapes:
        assert total(samples, "hloop_labels_total") == stored["labels_total"]
        assert samples[("hloop_labels_total", (("source", "correction"),))] == sum(LABELS_SENT)
        assert samples[("hloop_predictions_total", (("version", "1"),))] == 2  # one through each process
        # a gauge is the store's reading by the process answering, never a sum over the processes
        assert samples[("hloop_labels_since_retrain", ())] == stored["labels_since_retrain"]
        assert samples[("hloop_current_model_version", ())] == 1
    assert len(list(shared.glob("counter_*.db"))) == 2  # each process wrote its own file
