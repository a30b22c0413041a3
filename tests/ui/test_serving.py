"""``serve_on_free_port``: uvicorn's access lines reach the app's log handler only when asked (the benchmark of
logging's cost serves the app as ``python app.py`` does)."""

from __future__ import annotations

import io
import json

import gradio as gr
import httpx
from fastapi import FastAPI

from hloop.services.logs import configure_logging, reset_logging
from hloop.ui.serving import serve_on_free_port


def _request_lines(access_log: bool) -> list[dict]:
    stream = io.StringIO()
    configure_logging("json", "INFO", texts=False, stream=stream)
    try:
        with gr.Blocks() as demo:
            gr.Markdown("hello")
        host = FastAPI()

        @host.get("/ping")
        def ping() -> dict:
            return {"ok": True}

        served = serve_on_free_port(gr.mount_gradio_app(host, demo, path="/ui"), demo, access_log=access_log)
        try:
            assert httpx.get(served.url + "ping", timeout=10).json() == {"ok": True}
        finally:
            served.close()
    finally:
        reset_logging()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line.get("event") == "http.request"]


def test_access_lines_are_logged_as_json_only_with_access_log():
    logged = _request_lines(access_log=True)
    assert [(line["method"], line["path"], line["status"]) for line in logged] == [("GET", "/ping", 200)]
    assert _request_lines(access_log=False) == []
