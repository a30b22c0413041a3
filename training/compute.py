"""Where fitting and pool scoring run: here (``local``) or on Modal (``modal``), chosen by ``HLOOP_COMPUTE``.

Both return the same values; an artifact from Modal is only bytes until ``training.artifact.from_bytes``
has checked its sha256 and loaded it safely, exactly as a file from the local registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
from sklearn.pipeline import Pipeline

from hloop.core.errors import ComputeUnavailableError, InvalidInputError
from training.artifact import Artifact
from training.embeddings import DEFAULT_SPEC
from training.families import family_hyperparameters
from training.family_artifact import from_bytes, loads
from training.remote import fit_artifact, fit_here, score_chunk
from training.workers import WorkerProcesses

COMPUTE_CHOICES = ("local", "modal")
BACKGROUND_NICENESS = 10  # worker processes yield the CPU to the app's requests when the cores are busy
APP_NAME = "hloop"
NO_CREDENTIALS = (
    "HLOOP_COMPUTE=modal needs Modal credentials: run `modal token new` (or set MODAL_TOKEN_ID and "
    "MODAL_TOKEN_SECRET), or set HLOOP_COMPUTE=local; nothing was changed."
)


@dataclass(frozen=True)
class FitOutput:
    """A fitted artifact as bytes, with where and how long it took."""

    artifact: bytes
    sha256: str
    converged: bool
    fit_seconds: float
    total_seconds: float
    compute: str
    family: str = "tfidf-lr"  # the family fitted (``auto`` resolved)
    choice: dict | None = None  # ``auto``'s comparison of the families (``training.choice.FamilyChoice``)
    pipeline: Pipeline | None = None  # set only when fitted in this process

    def verified(self) -> Artifact:
        """The artifact, its bytes checked against the sha256 and loaded safely unless fitted in this process."""
        if self.pipeline is not None:
            return Artifact(self.artifact, self.sha256, self.pipeline)
        return from_bytes(self.artifact, self.sha256)


def chunks(texts: Sequence[str], size: int) -> list[list[str]]:
    """``texts`` cut into consecutive lists of at most ``size``."""
    if size < 1:
        raise InvalidInputError(f"Chunk size must be at least 1, got {size}.")
    return [list(texts[i : i + size]) for i in range(0, len(texts), size)]


def _no_rows(artifact: bytes) -> np.ndarray:
    """The probabilities of no texts: zero rows, one column per class."""
    return np.empty((0, len(loads(artifact)[1].classes_)))


def _spec(embedding: dict | None) -> str:
    return DEFAULT_SPEC if embedding is None else str(embedding.get("spec", DEFAULT_SPEC))


def background_processes(processes: int) -> WorkerProcesses:
    """``processes`` worker processes at a lower CPU priority, so the app's requests go first when cores are busy."""
    return WorkerProcesses(processes, niceness=BACKGROUND_NICENESS)


class LocalCompute:
    """Fit and score on this machine: in this process, or fit in ``worker`` (a process pool) when given.

    In a worker, the fit holds neither this process's CPU nor its GIL, so an app's requests go on at full speed
    during a retrain; the artifact comes back as bytes and is verified and loaded like one from Modal.
    """

    name = "local"

    def __init__(self, worker: Executor | None = None) -> None:
        self.worker = worker

    def fit(
        self, texts, labels, weights, random_state: int = 0, *, family: str = "tfidf-lr", embedding: dict | None = None
    ) -> FitOutput:
        """Fit a model of ``family`` (or ``auto``) here, or in the worker process; ``embedding`` as for
        ``training.remote.fit_here`` (the spec, and the texts' vectors when they are stored)."""
        wanted = family_hyperparameters(family, _spec(embedding))
        options = {"family": family, "embedding": embedding}
        if self.worker is not None:
            args = (list(texts), list(labels), None if weights is None else list(weights), wanted, random_state)
            out = self.worker.submit(fit_artifact, *args, **options).result()
            return FitOutput(**out, compute=f"{self.name} worker")
        pipeline, out = fit_here(texts, labels, weights, wanted, random_state, **options)
        return FitOutput(**out, compute=self.name, pipeline=pipeline)

    def score(self, artifact: bytes, texts: Sequence[str], chunk_size: int = 20_000) -> np.ndarray:
        """Probabilities of ``texts``, chunk by chunk (the same rows as scoring them at once)."""
        parts = chunks(texts, chunk_size)
        return np.vstack([score_chunk(artifact, part) for part in parts]) if parts else _no_rows(artifact)


def modal_credentials_present() -> bool:
    """Whether Modal has a token or OAuth credentials (environment or ~/.modal.toml); no network call."""
    from modal.config import config

    token = config.get("token_id") and config.get("token_secret")
    return bool(token or config.get("oauth_refresh_token"))


class ModalCompute:
    """Fit and score with the deployed Modal app ``hloop`` (``modal deploy training/modal_app.py``)."""

    name = "modal"

    def __init__(self, app_name: str = APP_NAME) -> None:
        self.app_name = app_name

    def _call(self, function: str, run: Callable, app_name: str | None = None):
        """Run ``run(modal_function)``; a missing token, network or deployment becomes ComputeUnavailableError."""
        if not modal_credentials_present():
            raise ComputeUnavailableError(NO_CREDENTIALS)
        import modal
        from modal import exception as modal_errors

        app = app_name or self.app_name
        try:
            return run(modal.Function.from_name(app, function))
        except modal_errors.NotFoundError as exc:
            raise ComputeUnavailableError(
                f"The Modal app {app!r} has no function {function!r}: deploy it "
                "(`modal deploy training/modal_app.py` for the app `hloop`, "
                "`modal deploy hloop/experiments/modal_app.py` for `hloop-simulation`); nothing was changed."
            ) from exc
        except (modal_errors.AuthError, modal_errors.ConnectionError, OSError) as exc:
            raise ComputeUnavailableError(
                f"Modal could not be reached ({type(exc).__name__}: {str(exc)[:200]}): check the network and the "
                "token (`modal token new`), or set HLOOP_COMPUTE=local; nothing was changed."
            ) from exc

    def fit(
        self, texts, labels, weights, random_state: int = 0, *, family: str = "tfidf-lr", embedding: dict | None = None
    ) -> FitOutput:
        """Fit a model of ``family`` (or ``auto``) in one Modal call (stored vectors travel with the texts)."""
        wanted = family_hyperparameters(family, _spec(embedding))
        args = (list(texts), list(labels), None if weights is None else list(weights), wanted, random_state)
        options = {"family": family, "embedding": embedding}
        return FitOutput(**self._call("fit", lambda f: f.remote(*args, **options)), compute=self.name)

    def score(self, artifact: bytes, texts: Sequence[str], chunk_size: int = 20_000) -> np.ndarray:
        """Probabilities of ``texts``: one Modal call per chunk, fanned out with ``.starmap`` (order kept)."""
        parts = chunks(texts, chunk_size)
        if not parts:
            return _no_rows(artifact)
        return np.vstack(self.fan_out("score", [(artifact, part) for part in parts]))

    def fan_out(self, function: str, calls: Sequence[tuple], app_name: str | None = None) -> list:
        """One call of a deployed function per argument tuple, run in parallel; results in the calls' order."""
        return self._call(function, lambda f: list(f.starmap(calls)), app_name)


def compute_backend(name: str) -> LocalCompute | ModalCompute:
    """The backend named by ``HLOOP_COMPUTE``."""
    if name not in COMPUTE_CHOICES:
        raise InvalidInputError(f"Unknown compute {name!r}; choose one of: {', '.join(COMPUTE_CHOICES)}.")
    return LocalCompute() if name == "local" else ModalCompute()
