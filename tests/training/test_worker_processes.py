"""Worker processes never outlive the process that started them, whatever the timing: killed (-9) or stopped
(SIGTERM) while a worker is still starting, or after; and the app ends its workers when it is stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import process_alive
from training.workers import WorkerProcesses, end_worker_processes

ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 60  # a generous bound on a loaded machine; the polls below return as soon as the worker is gone

STARTS_A_WORKER = """
import multiprocessing, os, signal, sys
from training.compute import background_processes
workers = background_processes(1)
started = workers.submit(os.getpid)
if sys.argv[1] == "started":
    started.result()
print(*[child.pid for child in multiprocessing.active_children()], flush=True)
os.kill(os.getpid(), int(sys.argv[2]))
"""


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive after waiting up to ``seconds`` for them to end (polled)."""
    deadline = time.monotonic() + seconds
    while any(process_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if process_alive(pid)]


CASES = {
    "kill -9 while it starts": ("starting", signal.SIGKILL),
    "SIGTERM while it starts": ("starting", signal.SIGTERM),
    "SIGTERM once started": ("started", signal.SIGTERM),
}


@pytest.mark.slow
def test_a_worker_ends_when_its_parent_dies_while_it_starts_or_after(tmp_path):
    """Each case is a process that starts a worker and dies by the signal; they run side by side (fewer seconds).
    Their output goes to files: a worker inherits its parent's stdout, and an orphan would hold a pipe open."""
    outputs = {case: tmp_path / f"{index}.out" for index, case in enumerate(CASES)}
    runs = {}
    for case, (when, sig) in CASES.items():
        with outputs[case].open("w") as out:
            runs[case] = subprocess.Popen(
                [sys.executable, "-c", STARTS_A_WORKER, when, str(sig)], stdout=out, stderr=out, cwd=ROOT
            )
    workers: dict[str, list[int]] = {}
    try:
        for case, run in runs.items():
            run.wait(timeout=120)
            printed = outputs[case].read_text()
            pids = printed.splitlines()[0].split() if printed else []
            workers[case] = [int(pid) for pid in pids if pid.isdigit()]
            assert run.returncode == -CASES[case][1] and workers[case], f"{case}: {printed[-2000:]}"
        left = {case: _gone_within(pids, BOUND_SECONDS) for case, pids in workers.items()}
        assert not any(left.values()), f"workers outlived their parent: {left}"
    finally:
        for pids in workers.values():
            for pid in _gone_within(pids, 0):  # never leave an orphan of this test behind
                os.kill(pid, signal.SIGKILL)


ENDS_A_STARTING_WORKER = """
import multiprocessing, os
from training.compute import background_processes
from training.workers import end_worker_processes
workers = background_processes(1)
workers.submit(os.getpid)  # not waited for: the worker is still starting (importing) when the pools are ended
end_worker_processes()
print("left:", *[child.pid for child in multiprocessing.active_children()], flush=True)
"""


def test_ending_the_pools_waits_for_a_worker_still_starting_so_the_exit_is_clean(tmp_path):
    """The app's stop: a worker still starting must not outlive the semaphores its parent frees by exiting (it
    printed a traceback, 'SemLock._rebuild ... FileNotFoundError', in the app's log)."""
    run = subprocess.run([sys.executable, "-c", ENDS_A_STARTING_WORKER], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "left:", f"workers alive after end_worker_processes: {run.stdout}"
    assert "Traceback" not in run.stderr and "leaked" not in run.stderr, run.stderr[-2000:]


def test_ending_the_pools_ends_busy_workers_at_once(tmp_path):
    pool = WorkerProcesses(1, os.chdir, (str(tmp_path),))
    assert pool.submit(os.getcwd).result() == str(tmp_path), "the pool's own initializer runs in each worker"
    pid = pool.submit(os.getpid).result()
    busy = pool.submit(time.sleep, 300)
    end_worker_processes()
    try:
        assert not _gone_within([pid], BOUND_SECONDS), "a busy worker kept running after its pool was ended"
        deadline = time.monotonic() + BOUND_SECONDS  # cancelled, or failed once the pool's manager sees the exit
        while not busy.done() and time.monotonic() < deadline:  # (futures.wait does not see a bare cancel)
            time.sleep(0.05)
        assert busy.done()
        with pytest.raises(RuntimeError, match="shutdown|not usable"):  # ended, or seen broken first
            pool.submit(os.getpid)
    finally:
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_pool_left_by_an_error_ends_its_busy_workers_instead_of_waiting():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), WorkerProcesses(1) as pool:
        pid = pool.submit(os.getpid).result()
        pool.submit(time.sleep, 300)
        raise KeyboardInterrupt
    try:
        assert not _gone_within([pid], BOUND_SECONDS) and time.monotonic() - started < BOUND_SECONDS
    finally:
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)
