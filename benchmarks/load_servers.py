"""The load benchmark's processes and database: servers on free ports, a fresh PostgreSQL database, CPU use."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 300.0
STOP_SECONDS = 3.0  # a graceful stop waits for open streams; after this the process is killed


def free_port() -> int:
    """A free 127.0.0.1 port (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(argv: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """Start a server process on a free 127.0.0.1 port, its output in ``log``; returns (process, url)."""
    port = free_port()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env={**env, "GRADIO_SERVER_PORT": str(port)}, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    return proc, f"http://127.0.0.1:{port}/"


def wait_ready(proc: subprocess.Popen, url: str, path: str, log: Path) -> None:
    """Wait until ``url + path`` answers 200; a process that exits or never answers stops the benchmark."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{log.stem} exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url + path.lstrip("/"), timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{log.stem} did not answer {path} within {START_TIMEOUT:.0f} s; see {log}")


def serve_echo() -> None:
    """The echo process: bench_app's echo function served by the app's own ASGI wrapping on GRADIO_SERVER_PORT."""
    import uvicorn
    from bench_app import echo_demo

    import app
    from hloop.config import Settings

    port = int(os.environ["GRADIO_SERVER_PORT"])
    uvicorn.run(app.web_app(echo_demo(), Settings()), host="127.0.0.1", port=port, log_level="warning")


def server_url(given: str | None) -> str:
    """A PostgreSQL server URL: ``given``, $HLOOP_TEST_POSTGRES_URL, or the one ``.ci/postgres`` starts."""
    url = given or os.environ.get("HLOOP_TEST_POSTGRES_URL")
    if not url:
        started = subprocess.run(["bash", str(ROOT / ".ci" / "postgres")], capture_output=True, text=True)
        url = started.stdout.strip()
    if not url:
        raise SystemExit("No PostgreSQL: pass --postgres URL or set HLOOP_TEST_POSTGRES_URL (.ci/postgres failed).")
    return url


def database(base: str, action: str, name: str) -> str:
    """CREATE or DROP database ``name`` on the server of ``base``; returns its URL."""
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        sql = f'CREATE DATABASE "{name}"' if action == "create" else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        connection.execute(text(sql))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def cpu_seconds(procs: list[subprocess.Popen]) -> list[float]:
    """CPU seconds used so far by this process, then by each of ``procs`` (0 once one is gone)."""
    tick, used = os.sysconf("SC_CLK_TCK"), [sum(os.times()[:2])]
    for proc in procs:
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            fields = ["0"] * 13
        used.append((int(fields[11]) + int(fields[12])) / tick)  # utime, stime
    return used


def stop_all(procs: list[subprocess.Popen]) -> None:
    """Stop every process still running: SIGTERM, then SIGKILL after ``STOP_SECONDS``."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
