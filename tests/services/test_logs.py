"""The logs: one JSON (or text) line per event and record, texts as their hash unless asked, the access log
without the page's polling and assets, and levels that filter."""

from __future__ import annotations

import hashlib
import io
import json
import logging

import pytest

from hloop.core import events
from hloop.services import logs

SECRET = "the quarterly numbers of Acme are bad"


@pytest.fixture
def stream():
    out = io.StringIO()
    yield out
    logs.reset_logging()


def lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]  # every line parses, or this fails


def test_an_event_is_one_json_line_with_its_fields_and_no_text(stream):
    logs.configure_logging("json", "INFO", False, stream=stream)
    with events.request_scope("req-1"), events.user_scope("ana"):
        events.emit("label.saved", model_version=3, ids=(7,), texts=[SECRET], source="queue", label="World")
    (line,) = [r for r in lines(stream) if r["event"] == "label.saved"]
    assert line["user"] == "ana" and line["request_id"] == "req-1" and line["model_version"] == 3
    assert line["ids"] == [7] and line["source"] == "queue" and line["level"] == "INFO"
    assert line["time"].endswith("Z")  # UTC
    assert line["text_sha256"] == hashlib.sha256(SECRET.encode()).hexdigest()[:16]
    assert line["text_chars"] == len(SECRET)
    assert SECRET not in stream.getvalue() and "Acme" not in stream.getvalue()


def test_texts_are_logged_only_when_asked(stream):
    logs.configure_logging("json", "INFO", True, stream=stream)
    events.emit("predict.batch", texts=[SECRET, "two"], count=2)
    (line,) = [r for r in lines(stream) if r["event"] == "predict.batch"]
    assert line["text"] == [SECRET, "two"] and line["text_chars"] == [len(SECRET), 3]


def test_an_event_field_named_message_and_an_error_level(stream):
    logs.configure_logging("json", "INFO", False, stream=stream)
    events.emit("app.failed", error_class="StoreMismatchError", message="the store is for other labels")
    events.emit("error", error_class="InvalidInputError", status=422, error="InvalidInputError")
    events.emit("error", error_class="RuntimeError", status=500, error="InternalError")
    failed, refused, crashed = lines(stream)
    assert failed["message"] == "the store is for other labels" and failed["level"] == "ERROR"
    assert refused["level"] == "WARNING" and crashed["level"] == "ERROR" and crashed["status"] == 500


def test_ordinary_records_and_exceptions_are_json_lines_too(stream):
    logs.configure_logging("json", "INFO", False, stream=stream)
    log = logging.getLogger("hloop.test")
    log.info("data: %s", "3 repeated texts dropped")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed")
    info, failure = lines(stream)
    assert info["event"] == "log" and info["message"] == "data: 3 repeated texts dropped"
    assert failure["error_class"] == "ValueError" and "Traceback" in failure["traceback"]


def test_the_level_filters_and_text_lines_read_as_text(stream):
    logs.configure_logging("text", "WARNING", False, stream=stream)
    events.emit("label.saved", source="queue")
    events.emit("login.refused", user="ana", reason="bad_credentials")
    logging.getLogger("hloop.test").warning("careful")
    text = stream.getvalue().splitlines()
    assert len(text) == 2 and "login.refused" in text[0] and 'reason="bad_credentials"' in text[0]
    assert text[1].endswith("hloop.test: careful")


def test_configuring_twice_keeps_one_handler_and_reset_stops_the_events(stream):
    logs.configure_logging("json", "INFO", False, stream=stream)
    logs.configure_logging("json", "INFO", False, stream=stream)
    events.emit("label.saved")
    assert len(lines(stream)) == 1
    logs.reset_logging()
    events.emit("label.saved")
    assert len(lines(stream)) == 1


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/api/predict?text=secret", "/api/predict"),
        ("/gradio_api/queue/join", "/gradio_api/queue/join"),
        ("/", "/"),
        ("/assets/index-abc.js", None),
        ("/gradio_api/heartbeat/xyz", None),
        ("/gradio_api/queue/data?session_hash=1", None),
        ("/gradio_api/file=/tmp/x.png", None),
        ("/favicon.ico", None),
        ("/health", None),
    ],
)
def test_the_access_log_keeps_calls_without_their_query_and_drops_the_page_s_own_requests(stream, path, kept):
    logs.configure_logging("json", "INFO", False, stream=stream)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200
    )  # the shape of uvicorn's access records
    written = lines(stream)
    if kept is None:
        assert written == []
    else:
        (line,) = written
        assert line["event"] == "http.request" and line["path"] == kept and line["status"] == 200
        assert "secret" not in stream.getvalue()
