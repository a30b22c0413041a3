"""The HTTP edge: body caps before reading, login before the body, the API's own 404/405, CORS for the API,
forwarded headers only from trusted proxies, JSON without NaN."""

from __future__ import annotations

import asyncio
import json

import gradio as gr
import httpx
import pytest
from pydantic import ValidationError

from hloop.config import Settings
from hloop.ui.auth import LoginBrake
from hloop.ui.web import web_app
from tests.conftest import settings_in

ALLOWED = "https://pages.example.org"


class CountedBody:
    """A request body streamed in ``chunks`` chunks of ``size`` bytes, counting how many the server pulled."""

    def __init__(self, chunks: int, size: int = 64 * 1024) -> None:
        self.chunks, self.size, self.pulled = chunks, size, 0

    async def __aiter__(self):
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"x" * self.size


def asgi_call(services, method: str, path: str, **kwargs) -> httpx.Response:
    """One request to the app in this process (no server): UI (an empty one) and REST over ``services``."""
    app = web_app(gr.Blocks(), services.settings, services)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.request(method, path, **kwargs)

    return asyncio.run(call())


def test_a_body_declared_too_large_is_refused_before_it_is_read(services):
    body = CountedBody(chunks=2000)  # 125 MiB declared
    headers = {"content-length": str(2000 * 64 * 1024), "content-type": "application/json"}
    answer = asgi_call(services, "POST", "/api/predict", content=body, headers=headers)
    assert answer.status_code == 413 and body.pulled == 0
    assert "Too Large" in answer.json()["error"] and "HLOOP_MAX_BODY_BYTES" in answer.json()["detail"]
    ui = asgi_call(services, "POST", "/gradio_api/queue/join", content=CountedBody(2000), headers=headers)
    assert ui.status_code == 413  # the UI's routes have the cap too


def test_a_streamed_body_is_cut_off_at_the_cap(services):
    body = CountedBody(chunks=2000)  # chunked: no Content-Length to refuse by
    answer = asgi_call(services, "POST", "/api/predict", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and "HLOOP_MAX_BODY_BYTES" in answer.json()["detail"]
    assert body.pulled <= services.settings.max_body_bytes // body.size + 2  # stopped reading at the cap


def test_with_login_an_anonymous_api_call_is_refused_before_its_body_is_read(tmp_path, tiny_corpus):
    from hloop.services import Services

    services = Services(settings_in(tmp_path, auth="ana:secret1"), corpus=tiny_corpus)
    for auth in (None, ("ana", "wrong")):
        body = CountedBody(chunks=4)  # under the cap: only the login can refuse it
        headers = {"content-length": str(4 * 64 * 1024), "content-type": "application/json"}
        answer = asgi_call(services, "POST", "/api/predict", content=body, headers=headers, auth=auth)
        assert answer.status_code == 401 and body.pulled == 0
        assert answer.json()["error"] == "Unauthorized" and answer.headers["www-authenticate"] == "Basic"


def test_uploads_have_their_own_larger_cap(launch, trained, settings):
    settings.max_body_bytes, settings.max_upload_bytes = 64 * 1024, 1024 * 1024
    url = launch(trained)
    csv = b"text\n" + b"a text to import\n" * 12_000  # ~200 KB: over the body cap, under the upload cap
    with httpx.Client(base_url=url, timeout=30) as http:
        uploaded = http.post("/gradio_api/upload", files={"files": ("texts.csv", csv, "text/csv")})
        assert uploaded.status_code == 200 and uploaded.json()[0].endswith("texts.csv")
        assert http.post("/api/predict", content=csv).status_code == 413
        too_big = http.post("/gradio_api/upload", files={"files": ("big.csv", csv * 6, "text/csv")})
        assert too_big.status_code == 413 and "HLOOP_MAX_UPLOAD_BYTES" in too_big.json()["detail"]


def test_feedback_without_an_annotator_is_recorded_as_api(trained):
    body = {"text": "a brand new text", "model_prediction": "alpha", "human_label": "beta"}  # the original API's body
    answer = asgi_call(trained, "POST", "/api/feedback", json=body)
    assert answer.status_code == 200 and answer.json()["annotator"] == "api"
    assert [e.annotator for e in trained.history()] == ["api"]


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/api/nothing/here", 404, None),
        ("POST", "/api", 404, None),
        ("GET", "/api/predict", 405, "POST"),
        ("DELETE", "/api/feedback", 405, "POST"),
        ("POST", "/api/model/version", 405, "GET"),
        ("POST", "/health", 405, "GET, HEAD"),
    ],
)
def test_unknown_api_routes_answer_in_the_api_shape(trained, method, path, status, allow):
    answer = asgi_call(trained, method, path, json={"text": "x"})
    assert answer.status_code == status
    assert set(answer.json()) == {"error", "detail", "request_id"} and path in answer.json()["detail"]
    assert answer.json()["request_id"] == answer.headers["x-request-id"]  # the id the logs carry too
    assert answer.headers.get("allow") == allow


def test_health_answers_probes_that_ask_with_head(trained):
    answer = asgi_call(trained, "HEAD", "/health")
    assert answer.status_code == 200 and answer.content == b""


def test_the_ui_routes_are_still_the_uis(url):
    with httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/config").status_code == 200
        assert http.get("/").status_code == 200
        assert "error" not in http.get("/no/such/page").json()  # Gradio's own 404, not the API's


def test_cors_answers_preflights_from_allowed_origins_only(trained):
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    trained.settings.cors_origins = ALLOWED
    allowed = asgi_call(trained, "OPTIONS", "/api/predict", headers={"origin": ALLOWED, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in allowed.headers["access-control-allow-methods"]
    refused = asgi_call(trained, "OPTIONS", "/api/predict", headers={"origin": "https://evil.example", **preflight})
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    called = asgi_call(trained, "POST", "/api/predict", json={"text": "the team won"}, headers={"origin": ALLOWED})
    assert called.status_code == 200 and called.headers["access-control-allow-origin"] == ALLOWED

    trained.settings.cors_origins = ""  # the default: no other origin
    none = asgi_call(trained, "OPTIONS", "/api/predict", headers={"origin": ALLOWED, **preflight})
    assert "access-control-allow-origin" not in none.headers


def test_a_nan_in_a_card_is_null_in_json(trained):
    card_file = trained.settings.models_dir / "v1" / "card.json"
    card = json.loads(card_file.read_text())
    card["metrics"]["accuracy"], card["extra_number"] = float("nan"), float("inf")
    card_file.write_text(json.dumps(card))
    answer = asgi_call(trained, "GET", "/api/metrics")
    assert answer.status_code == 200
    assert answer.json()["metrics"]["accuracy"] is None and answer.json()["extra_number"] is None
    assert answer.json()["metrics"]["f1_macro"] == card["metrics"]["f1_macro"]  # finite numbers as they were


def _failures_then_login(url: str, forwarded: list[str]) -> int:
    """Two wrong passwords as two users, each 'forwarded for' another address, then ben's right one, forwarded
    for a third: the status of that last call."""
    with httpx.Client(base_url=url, timeout=30) as http:
        for n, address in enumerate(forwarded[:2]):
            headers = {"x-forwarded-for": address}
            assert http.get("/api/model/version", auth=(f"user{n}", "x"), headers=headers).status_code == 401
        headers = {"x-forwarded-for": forwarded[2]}
        return http.get("/api/model/version", auth=("ben", "secret2"), headers=headers).status_code


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(launch, trained, settings):
    settings.auth = "ben:secret2"
    forwarded = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    url = launch(trained, brake=LoginBrake(2, 60.0))
    assert _failures_then_login(url, forwarded) == 429  # every call came from 127.0.0.1, whatever it claimed

    settings.trusted_proxies = "127.0.0.1"
    url = launch(trained, brake=LoginBrake(2, 60.0))
    assert _failures_then_login(url, forwarded) == 200  # behind a trusted proxy, each address is its own


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("cors_origins", "*", "not an origin"),
        ("cors_origins", "https://a.example/path", "no path"),
        ("cors_origins", "pages.example.org", "scheme://host"),
        ("trusted_proxies", "proxy.local", "not an IP address or network"),
        ("max_body_bytes", 1000, "at least 65,536"),
        ("max_upload_bytes", 2**50, "at most"),
    ],
)
def test_bad_edge_settings_say_what_to_write(setting, value, message):
    with pytest.raises(ValidationError, match=message):
        Settings(**{setting: value})


def test_edge_settings_are_read_as_lists():
    settings = Settings(cors_origins=f" {ALLOWED}/, http://localhost:8000", trusted_proxies="10.0.0.0/8, *")
    assert settings.cors_origin_list() == [ALLOWED, "http://localhost:8000"]
    assert settings.trusted_proxy_list() == ["10.0.0.0/8", "*"]
    assert Settings().cors_origin_list() == [] and Settings().trusted_proxy_list() == []
