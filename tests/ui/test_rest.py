"""The REST API beside the UI: every route over HTTP, JSON errors with the right status, login by HTTP Basic."""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client

from hloop.core import errors
from hloop.ui.rest import status_of
from tests.conftest import settings_in

UNREACHABLE_STORE = "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none"


def test_every_route_answers_json(url, trained):
    with httpx.Client(base_url=url, timeout=30) as http:
        predicted = http.post("/api/predict", json={"text": "the coach said the team won the league match"})
        assert predicted.status_code == 200
        body = predicted.json()
        assert set(body) == {"prediction", "confidence", "confidences", "model_version"}
        assert body["prediction"] == max(body["confidences"], key=body["confidences"].get)
        assert body["model_version"] == 1
        many = http.post("/api/predict", json={"texts": ["the coach said the team won the league match", "stocks"]})
        assert many.status_code == 200 and many.json()["model_version"] == 1
        assert [set(p) for p in many.json()["predictions"]] == [{"prediction", "confidence", "confidences"}] * 2
        assert many.json()["predictions"][0]["prediction"] == body["prediction"]

        saved = http.post(
            "/api/feedback",
            json={"text": "a brand new text", "human_label": "beta", "model_prediction": "alpha", "annotator": "ana"},
        )
        assert saved.status_code == 200
        assert saved.json()["annotator"] == "ana" and saved.json()["label"] == "beta"
        assert saved.json()["reported_model_prediction"] == "alpha"

        assert http.get("/api/metrics", params={"version": 1}).json()["version"] == 1
        assert http.get("/api/metrics").json()["current"] is True
        version = http.get("/api/model/version").json()
        assert (version["version"], version["versions"], version["labels_total"]) == (1, [1], 1)

        health = http.get("/health")
        assert health.status_code == 200 and health.json()["model_version"] == 1
        assert "/api/predict" in http.get("/openapi.json").json()["paths"]
        assert http.get("/docs").status_code == 200
    assert [e.text for e in trained.history()] == ["a brand new text"]


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "message"),
    [
        ("post", "/api/predict", {"text": "   "}, 422, "Text is empty"),
        ("post", "/api/predict", {}, 422, "text"),
        ("post", "/api/predict", {"text": "a", "texts": ["b"]}, 422, "one of the two"),
        ("post", "/api/predict", {"texts": ["fine", " "]}, 422, "Text 1 (counting from 0): Text is empty"),
        ("post", "/api/predict", {"texts": []}, 422, "non-empty list"),
        ("post", "/api/predict", {"text": ["not", "a", "string"]}, 422, "text"),
        ("post", "/api/feedback", {"text": "new text", "human_label": "Cooking", "annotator": "ana"}, 422, "Cooking"),
        ("post", "/api/feedback", {"text": "new text", "human_label": "alpha", "annotator": "  "}, 422, "Annotator"),
        ("post", "/api/feedback", {"text": "new text", "human_label": "alpha", "annotator": "x" * 101}, 422, "100"),
        ("get", "/api/metrics?version=9", None, 404, "No model version 9"),
        ("get", "/api/metrics?version=-1", None, 422, "version"),
    ],
)
def test_errors_are_json_with_the_right_status(url, trained, method, path, payload, status, message):
    with httpx.Client(base_url=url, timeout=30) as http:
        answer = http.request(method, path, json=payload)
    assert answer.status_code == status
    assert message in answer.json()["detail"]
    assert trained.counters()["labels_total"] == 0


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidInputError, 422),
        (errors.NotFoundError, 404),
        (errors.NoModelError, 503),
        (errors.StoreBusyError, 503),
        (errors.ClaimError, 409),
        (errors.NothingToTrainError, 409),
        (errors.StoreMismatchError, 400),
    ],
)
def test_every_services_error_has_its_status(error, status):
    assert status_of(error("message")) == status


def test_no_model_is_503_on_predict_and_health(launch, services):
    url = launch(services)
    with httpx.Client(base_url=url, timeout=30) as http:
        predicted = http.post("/api/predict", json={"text": "anything"})
        assert predicted.status_code == 503 and predicted.json()["error"] == "NoModelError"
        health = http.get("/health")
        assert health.status_code == 503 and "No model yet" in health.json()["detail"]


def test_unreachable_store_is_503(launch, trained, tmp_path, tiny_corpus):
    from hloop.services import Services

    broken = Services(settings_in(tmp_path, database_url=UNREACHABLE_STORE), corpus=tiny_corpus)
    url = launch(broken)
    with httpx.Client(base_url=url, timeout=30) as http:
        health = http.get("/health")
        assert health.status_code == 503 and "unreachable" in health.json()["detail"]
        assert http.post("/api/predict", json={"text": "the team won"}).status_code == 200  # the model still answers


def test_with_login_rest_needs_a_user_and_the_user_is_the_annotator(launch, trained, settings):
    settings.auth = "ana:secret1,ben:secret2"
    url = launch(trained)
    with httpx.Client(base_url=url, timeout=30) as http:
        for method, path in [("post", "/api/predict"), ("post", "/api/feedback"), ("get", "/api/metrics")]:
            anonymous = http.request(method, path, json={"text": "x", "human_label": "alpha"})
            assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Basic"
            assert anonymous.json()["error"] == "Unauthorized" and "Log in" in anonymous.json()["detail"]
        assert http.get("/api/model/version", auth=("ana", "wrong")).status_code == 401
        assert http.get("/health").status_code == 200  # probes need no login

        saved = http.post(
            "/api/feedback",
            json={"text": "new text", "human_label": "alpha", "annotator": "mallory"},
            auth=("ben", "secret2"),
        )
        assert saved.status_code == 200 and saved.json()["annotator"] == "ben"
        assert http.get("/api/model/version", auth=("ana", "secret1")).json()["labels_total"] == 1

    client = Client(url, auth=("ana", "secret1"), verbose=False)  # the Gradio API still works beside REST
    assert client.predict("the team won the match", api_name="/predict")["model_version"] == 1
