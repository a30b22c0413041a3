"""The Modal app ``hloop``: ``training.remote``'s fit and score as Modal functions.

Deploy with ``modal deploy training/modal_app.py``; ``training.compute.ModalCompute`` then calls the deployed
functions by name (``modal.Function.from_name("hloop", "fit")``). Importing this module needs no credentials
and makes no network call; ``fit.local(...)`` and ``score.local(...)`` run the same code in this process.
"""

from __future__ import annotations

from pathlib import Path

import modal

from training import remote

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"

app = modal.App("hloop")
image = (
    modal.Image.debian_slim(python_version="3.11")
    .pip_install_from_requirements(str(REQUIREMENTS))
    .add_local_python_source("training", "hloop")
)


@app.function(image=image, cpu=2.0, memory=4096, timeout=1800)
def fit(
    texts: list[str],
    labels: list[int],
    weights: list[float] | None,
    hyperparameters: dict,
    random_state: int,
    family: str = "tfidf-lr",
    embedding: dict | None = None,
):
    """Fit a model of ``family`` (or ``auto``); returns the artifact's skops bytes, its sha256, convergence,
    timings, the family fitted and ``auto``'s choice."""
    return remote.fit_artifact(
        texts, labels, weights, hyperparameters, random_state, family=family, embedding=embedding
    )


@app.function(image=image, cpu=1.0, memory=2048, timeout=600)
def score(artifact: bytes, texts: list[str]):
    """Class probabilities of one chunk of texts under ``artifact``."""
    return remote.score_chunk(artifact, texts)
