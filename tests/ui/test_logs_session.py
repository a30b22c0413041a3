"""A session of ``python app.py`` with ``HLOOP_LOG_FORMAT=json``: every line it writes parses as JSON, the events of
what was done are there with their request ids, no text appears, and the page's polling and assets are not logged."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import ROOT, write_tiny_dataset

pytestmark = pytest.mark.slow  # end to end, several processes or a browser: `pytest --slow` and CI

SECRET = "Acme's confidential merger memo about the striker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "exited"
        try:
            if httpx.get(f"{url}health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("the app did not answer /health in time")


def test_a_json_session_logs_what_happened_and_never_a_text(tmp_path):
    data = write_tiny_dataset(tmp_path / "data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HLOOP_")} | {
        "HLOOP_DATASET": str(data), "HLOOP_LABELS": "alpha,beta,gamma,delta", "HLOOP_SEED_SIZE": "20",
        "HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "HLOOP_MODELS_DIR": str(tmp_path / "models"),
        "HLOOP_LOG_FORMAT": "json", "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False",
        # no worker processes: a worker still being spawned as the app stops prints a child's traceback (a known
        # shutdown race, outside what this test checks)
        "HLOOP_MODEL": "tfidf-lr", "HLOOP_EMBEDDINGS": "none", "HLOOP_FIT_IN_WORKER": "false",
        "HLOOP_SCORING_PROCESSES": "0",
    }  # fmt: skip
    out = (tmp_path / "stderr").open("w")  # the logs' stream
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=out)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait(url, proc)
        httpx.get(url, timeout=30)  # the page and its assets
        httpx.get(f"{url}favicon.ico", timeout=30)
        for _ in range(3):
            assert httpx.post(f"{url}api/predict", json={"text": SECRET}, timeout=30).status_code == 200
        feedback = {"text": SECRET, "human_label": "beta", "annotator": "ana"}
        assert httpx.post(f"{url}api/feedback", json=feedback, timeout=30).status_code == 200
        bad = httpx.post(f"{url}api/predict", json={"txt": SECRET}, headers={"X-Request-ID": "req-42"}, timeout=30)
        assert (
            bad.status_code == 422 and bad.json()["request_id"] == "req-42" and bad.headers["x-request-id"] == "req-42"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        printed, _ = proc.communicate(timeout=60)
        out.close()
    written = (tmp_path / "stderr").read_text()
    records = [json.loads(line) for line in written.splitlines()]  # every line parses, or this fails
    names = [r["event"] for r in records]
    assert names.count("predict.done") == 3 and "label.saved" in names and "retrain.finished" in names
    assert names.index("app.started") < names.index("app.stopped")
    warned = [r for r in records if r["level"] in ("WARNING", "ERROR") and r["event"] != "error"]
    assert not warned, warned  # a clean session, its stop included, warns of nothing
    (refused,) = [r for r in records if r["event"] == "error"]
    assert refused["request_id"] == "req-42" and refused["status"] == 422 and refused["level"] == "WARNING"
    saved = next(r for r in records if r["event"] == "label.saved")
    assert saved["user"] == "ana" and saved["text_chars"] == len(SECRET) and len(saved["text_sha256"]) == 16
    paths = [r["path"] for r in records if r["event"] == "http.request"]
    assert "/api/predict" in paths and "/" in paths
    assert not [p for p in paths if p.startswith(("/assets", "/favicon", "/gradio_api/heartbeat", "/health"))]
    assert "Acme" not in written and "merger" not in written  # no text, not even in a request line
    assert all(r["time"].endswith("Z") for r in records)
    assert not printed.decode().strip(), printed.decode()[-2000:]  # nothing but the logs, and those on stderr
