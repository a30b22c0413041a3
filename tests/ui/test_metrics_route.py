"""``/metrics`` on the served app: exact counts after a session's predictions and labels, latency by route
template (never the raw path), and the login or bearer token in front of it."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from gradio_client import Client
from prometheus_client.parser import text_string_to_metric_families

from hloop.services.metrics import multiprocess_mode
from hloop.ui.metrics_route import RouteTemplates, route_name

pytestmark = pytest.mark.skipif(
    multiprocess_mode(), reason="PROMETHEUS_MULTIPROC_DIR was set: every app of this process shares its counts"
)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_show_exactly_the_predictions_and_labels_made(url, trained):
    names = trained.label_set.names
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(40):
            assert http.post("/api/predict", json={"text": f"the coach said the team won match {i}"}).status_code == 200
        for i in range(3):
            texts = [f"shares profit market report {i} {j}" for j in range(20)]
            assert http.post("/api/predict", json={"texts": texts}).status_code == 200
        for i in range(6):
            body = {"text": f"a new text about stocks number {i}", "human_label": names[2], "annotator": "ana"}
            assert http.post("/api/feedback", json=body).status_code == 200
        assert http.post("/api/bulk-label/987654/undo").status_code == 404  # a raw path with an id
        assert http.get("/api/no-such-route-4711").status_code == 404
        client = Client(url, verbose=False)
        for _ in range(4):
            item = client.predict("ben", api_name="/next_item")
            client.predict(item["example_id"], names[0], "ben", api_name="/submit_label")
        client.close()
        scrape = http.get("/metrics")
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
    got = samples(scrape.text)
    assert got[("hloop_predictions_total", (("version", "1"),))] == 100
    assert got[("hloop_prediction_confidence_count", ())] == 100
    assert got[("hloop_labels_total", (("source", "correction"),))] == 6
    assert got[("hloop_labels_total", (("source", "queue"),))] == 4
    assert sum(v for (name, _labels), v in got.items() if name == "hloop_labels_total") == 10
    assert got[("hloop_request_duration_seconds_count", (("route", "/api/predict"),))] == 43
    assert got[("hloop_request_duration_seconds_count", (("route", "/api/feedback"),))] == 6
    assert got[("hloop_request_duration_seconds_count", (("route", "/api/bulk-label/{batch_id}/undo"),))] == 1
    assert got[("hloop_request_duration_seconds_count", (("route", "other"),))] >= 1
    assert got[("hloop_errors_total", (("error_class", "NotFoundError"),))] == 1
    assert "987654" not in scrape.text and "no-such-route" not in scrape.text
    assert got[("hloop_current_model_version", ())] == 1
    assert got[("hloop_labels_since_retrain", ())] == trained.counters()["labels_since_retrain"]


@pytest.fixture(scope="module")
def templates() -> RouteTemplates:
    """The templates of an app with an included router under a prefix, as the REST API is built."""
    app, router = FastAPI(), APIRouter()
    router.add_api_route("/items/{item_id}/undo", lambda item_id: item_id, methods=["POST"])
    router.add_api_route("/items/preview", lambda: None, methods=["POST"])
    app.include_router(router, prefix="/api")
    app.add_api_route("/health", lambda: None)
    return RouteTemplates(app)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/metrics", "metrics"),
        ("/health", "/health"),
        ("/api/items/5/undo", "/api/items/{item_id}/undo"),
        ("/api/items/preview", "/api/items/preview"),
        ("/api/items/5/6/undo", "other"),
        ("/api/unknown/5", "other"),
        ("/api", "other"),
        ("/gradio_api/queue/join", "ui"),
        ("/gradio_api/queue/data", "ui_stream"),
        ("/gradio_api/heartbeat/abc123", "ui_stream"),
        ("/gradio_api/stream/7/close", "ui_stream"),
        ("/", "ui"),
    ],
)
def test_route_names_are_templates_or_fixed_names(templates, path, expected):
    assert route_name(path, templates) == expected


def test_with_login_metrics_need_it(launch, trained, settings):
    settings.auth = "ana:secret1"
    url = launch(trained)
    with httpx.Client(base_url=url, timeout=30) as http:
        refused = http.get("/metrics")
        wrong = http.get("/metrics", auth=("ana", "nope"))
        ok = http.get("/metrics", auth=("ana", "secret1"))
    assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized" and "detail" in refused.json()
    assert wrong.status_code == 401
    assert ok.status_code == 200 and "hloop_predictions" in ok.text


def test_requests_the_login_gate_refuses_are_timed_under_their_route(launch, trained, settings):
    settings.auth = "ana:secret1"
    url = launch(trained)
    with httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(3):
            assert http.post("/api/predict", json={"text": "a refused call"}).status_code == 401
        got = samples(http.get("/metrics", auth=("ana", "secret1")).text)
    assert got[("hloop_request_duration_seconds_count", (("route", "/api/predict"),))] == 3


def test_a_token_is_needed_and_enough(launch, trained, settings, monkeypatch):
    monkeypatch.setenv("HLOOP_METRICS_TOKEN", "s3cret-token")
    settings.auth = "ana:secret1"
    with_login = launch(trained)
    monkeypatch.setenv("HLOOP_METRICS_TOKEN", "other-token")
    settings.auth = ""
    token_only = launch(trained)
    with httpx.Client(timeout=30) as http:
        bearer = http.get(with_login + "metrics", headers={"Authorization": "Bearer s3cret-token"})
        basic = http.get(with_login + "metrics", auth=("ana", "secret1"))
        wrong = http.get(with_login + "metrics", headers={"Authorization": "Bearer other-token"})
        nothing = http.get(token_only + "metrics")
        right = http.get(token_only + "metrics", headers={"Authorization": "Bearer other-token"})
        wrong_only = http.get(token_only + "metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert bearer.status_code == basic.status_code == right.status_code == 200
    assert wrong.status_code == nothing.status_code == wrong_only.status_code == 401
    assert wrong.json()["error"] == "Unauthorized" and nothing.headers["www-authenticate"] == "Bearer"
