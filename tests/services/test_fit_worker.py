"""With HLOOP_FIT_IN_WORKER (the app's default) a new version is fitted in a lower-priority worker process: the
same model as a fit in the app's own process, so the app's requests never wait for a fit's CPU or GIL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hloop.services import Services
from tests.conftest import corpus_of, process_alive, settings_in
from training.compute import BACKGROUND_NICENESS, background_processes

ROOT = Path(__file__).resolve().parents[2]


def test_a_version_fitted_in_the_worker_is_the_one_fitted_here(tmp_path):
    corpus = corpus_of(30)
    here = Services(settings_in(tmp_path / "here", fit_in_worker=False), corpus=corpus)
    there = Services(settings_in(tmp_path / "there", fit_in_worker=True), corpus=corpus)
    cards = here.train(), there.train()
    assert [card.compute for card in cards] == ["local", "local worker"]
    assert cards[0].metrics == cards[1].metrics
    texts = list(corpus.eval_texts[:8])
    np.testing.assert_allclose(here.probabilities(texts)[1], there.probabilities(texts)[1])
    assert there.retrain(force=True).compute == "local worker", "the worker is kept for the next retrain"


def test_background_workers_run_at_a_lower_priority():
    with background_processes(1) as workers:
        niceness = workers.submit(os.nice, 0).result()
    assert niceness >= min(19, os.nice(0) + BACKGROUND_NICENESS)


def test_warming_starts_the_worker_only_when_fits_run_there(tmp_path):
    corpus = corpus_of(30)
    worker = Services(settings_in(tmp_path / "a", fit_in_worker=True), corpus=corpus)
    here = Services(settings_in(tmp_path / "b", fit_in_worker=False), corpus=corpus)
    worker.fitting.warm_fit_worker()
    here.fitting.warm_fit_worker()
    assert worker.fitting.fit_backend().worker is not None and here.fitting.fit_backend().worker is None


@pytest.mark.slow
def test_workers_end_when_the_app_that_started_them_is_killed(tmp_path):
    """An app killed with kill -9 leaves no worker process behind (the fit worker would otherwise wait forever)."""
    script = (
        "import os, signal, sys\n"
        "from training.compute import background_processes\n"
        "workers = background_processes(1)\n"
        "print(workers.submit(os.getpid).result(), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    worker = int(run.stdout.split()[0])
    deadline = time.monotonic() + 30
    while process_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not process_alive(worker), f"worker {worker} outlived the killed app"
