"""`python app.py` stopped by SIGTERM, while v1 trains in its fit worker at start (the worker still importing the
app) or once it serves, leaves no process of its own behind. Slow: each case starts the whole app."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import process_alive

pytestmark = pytest.mark.slow  # end to end, several processes or a browser: `pytest --slow` and CI

ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 120  # bounds on a loaded machine; every wait below polls and returns as soon as it can


def _children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid``."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["starting", "serving"], ids=["while v1 trains in the worker", "while serving"])
def test_the_app_leaves_no_worker_behind_when_stopped_by_sigterm(tmp_path, moment):
    data = tmp_path / "tickets.csv"
    pd.DataFrame({"text": [f"ticket {i} about {'printer' if i % 2 else 'login'}" for i in range(40)],
                  "label": ["a", "b"] * 20}).to_csv(data, index=False)  # fmt: skip
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HLOOP_")}
    env |= {
        "HLOOP_DATASET": str(data),
        "HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HLOOP_MODELS_DIR": str(tmp_path / "models"),
        "HLOOP_FIT_IN_WORKER": "true",
        "GRADIO_SERVER_PORT": str(port),
    }
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    seen: set[int] = set()
    try:
        ready = (lambda: bool(_children(app.pid))) if moment == "starting" else (lambda: _serves(port))
        assert _wait(lambda: ready() or app.poll() is not None, BOUND_SECONDS) and app.poll() is None, (
            app.stderr.read() if app.poll() is not None else f"the app did not reach {moment!r}"
        )
        seen = _children(app.pid)
        assert seen, "the app started no worker process"
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=BOUND_SECONDS)
        gone = _wait(lambda: not any(process_alive(pid) for pid in seen), BOUND_SECONDS)
        assert gone, f"processes {seen} outlived the stopped app"
        said = app.stderr.read()
        assert "Uvicorn running on" in said or moment == "starting", "the address is still printed"
        assert '"GET /health' not in said, "no access log line per request"
        assert "leaked semaphore" not in said and "Traceback" not in said, said[-2000:]
    finally:
        if app.poll() is None:
            app.kill()
        for pid in seen:
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)
