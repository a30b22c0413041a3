"""Every request has an id: the caller's ``X-Request-ID`` when it is a short safe token, else a new one; the response
and the API's error bodies carry it, and the events emitted while serving it too."""

from __future__ import annotations

import pytest

from hloop.core import events
from hloop.ui.request_ids import request_id_of
from tests.ui.test_edge import asgi_call


@pytest.mark.parametrize("given", ["req-42", "a.b_c-1", "x" * 64])
def test_a_safe_id_is_kept(given):
    assert request_id_of(given) == given


@pytest.mark.parametrize("given", [None, "", "x" * 65, "two words", 'quote"d', "new\nline", "é"])
def test_anything_else_gets_a_fresh_id(given):
    made = request_id_of(given)
    assert made != given and request_id_of(made) == made  # a fresh id is itself a safe token


def test_a_request_s_events_and_its_error_body_carry_its_id(trained):
    seen = []
    stop = events.subscribe(seen.append)
    try:
        ok = asgi_call(trained, "POST", "/api/predict", json={"text": "match goal"}, headers={"X-Request-ID": "r-1"})
        bad = asgi_call(trained, "POST", "/api/predict", json={"txt": "x"}, headers={"X-Request-ID": "bad id"})
    finally:
        stop()
    assert ok.status_code == 200 and ok.headers["x-request-id"] == "r-1"
    assert [e.request_id for e in seen if e.name == "predict.done"] == ["r-1"]
    fresh = bad.headers["x-request-id"]
    assert bad.status_code == 422 and fresh != "bad id" and bad.json()["request_id"] == fresh
    (error,) = [e for e in seen if e.name == "error"]
    assert error.request_id == fresh and error.fields["error_class"] == "InvalidInputError"
