"""The Modal app ``hloop-simulation``: one simulated run (a strategy x a repeat) per call.

Deploy with ``modal deploy hloop/experiments/modal_app.py``; ``simulate --compute modal`` then fans the runs out
with ``modal.Function.from_name("hloop-simulation", "run")``. Importing this module needs no credentials.
"""

from __future__ import annotations

from pathlib import Path

import modal

from hloop.experiments.runner import run_task

APP_NAME = "hloop-simulation"
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"

app = modal.App(APP_NAME)
image = (
    modal.Image.debian_slim(python_version="3.11")
    .pip_install_from_requirements(str(REQUIREMENTS))
    .add_local_python_source("training", "hloop", "labeling")
)


@app.function(image=image, cpu=1.0, memory=4096, timeout=3600)
def run(job, task: tuple[str, int]) -> list[dict]:
    """The checkpoints of one run: ``task`` is (strategy as named on the command line, repeat)."""
    return run_task(job, task)
