"""Scoring the queue's pool in chunks: a chunk of texts in, one row of label probabilities per text out.

A ``ChunkScorer`` is all a backend has to provide, so chunks can be scored here (the local model) or elsewhere
(a remote worker given the same version); the texts of a chunk are read from the store by id range.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from training.token_store import NewTokens, kept_inputs

ChunkScorer = Callable[[Sequence[str]], np.ndarray]  # texts -> (len(texts), n_labels) probabilities
ReadRange = Callable[[int, int], list[tuple[int, str]]]  # (first id, last id) -> (id, text) rows, by id


@dataclass
class PoolCache:
    """Queue candidates scored by one model version (``probs`` is None in cold start, version 0)."""

    version: int
    ids: np.ndarray  # ascending example ids
    probs: np.ndarray | None
    held: np.ndarray  # whether each item's human label will be held out for evaluation
    ranked: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # strategy -> (scores, order)


@dataclass
class ScoringJob:
    """A version's pool scoring running in the background: how far it got."""

    version: int
    total: int
    done: int = 0
    error: str | None = None
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the job's thread is still at work."""
        return self.thread is not None and self.thread.is_alive()

    @property
    def fraction(self) -> float:
        """Share of the pool scored so far (0 to 1)."""
        return self.done / self.total if self.total else 1.0


Span = tuple[int, int]  # (first id, last id) of a chunk of the pool, both included


def spans_of(ids: Sequence[int], chunk_rows: int) -> list[Span]:
    """Consecutive id ranges holding at most ``chunk_rows`` of the ascending ``ids`` each."""
    return [(int(ids[i]), int(ids[min(i + chunk_rows, len(ids)) - 1])) for i in range(0, len(ids), chunk_rows)]


def spans_between(first: int, last: int, chunk_rows: int) -> list[Span]:
    """``first..last`` cut into id ranges of ``chunk_rows`` ids (so at most that many rows) each."""
    return [(lo, min(lo + chunk_rows - 1, last)) for lo in range(first, last + 1, chunk_rows)]


def score_chunks(
    spans: Sequence[Span],
    read: ReadRange,
    scorer: ChunkScorer | None,
    held_of: Callable[[str], bool],
    on_chunk: Callable[[int], None] = lambda _done: None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(ids, probabilities or None without a scorer, held flags) of the rows in the id ranges ``spans``, read
    and scored one range at a time; ``on_chunk`` gets the count of rows done after each range."""
    out_ids, out_probs, out_held = [], [], []
    done = 0
    for first, last in spans:
        rows = read(first, last)
        texts = [text for _, text in rows]
        out_ids.append(np.fromiter((i for i, _ in rows), dtype=np.int64, count=len(rows)))
        out_held.append(np.fromiter((held_of(t) for t in texts), dtype=bool, count=len(texts)))
        if scorer is not None:
            out_probs.append(np.asarray(scorer(texts), dtype=np.float64))
        done += len(rows)
        on_chunk(done)
    if not out_ids:
        return np.zeros(0, dtype=np.int64), None, np.zeros(0, dtype=bool)
    probs = None if scorer is None else np.vstack(out_probs)
    return np.concatenate(out_ids), probs, np.concatenate(out_held)


def extended(base: PoolCache | None, version: int, ids: np.ndarray, probs, held: np.ndarray) -> PoolCache:
    """``base`` (same version) followed by newly scored rows, as a new cache with no rankings yet."""
    if base is None:
        return PoolCache(version, ids, probs, held)
    both_probs = None if probs is None or base.probs is None else np.vstack([base.probs, probs])
    return PoolCache(version, np.concatenate([base.ids, ids]), both_probs, np.concatenate([base.held, held]))


@dataclass(frozen=True)
class RangeTask:
    """What a worker process needs to score one chunk of the pool on its own: where the store and the version
    are, and the chunk's id range. Only probabilities come back, so the app's process does no scoring work."""

    database_url: str
    models_dir: str
    version: int
    n_labels: int
    origins: tuple[str, ...]
    held_share: float | None  # the share of human labels held out (None when gold eval labels exist)
    first: int
    last: int
    embeddings: tuple[str, str] | None = None  # (folder, owner key) of the stored embeddings, if the project has them
    tokens: tuple[str, str] | None = None  # (folder, owner key) of the kept tokens (``training.token_store``)


_WORKER: dict = {}  # per worker process: its engine and the one version it has loaded, made on first use


def score_range(task: RangeTask) -> tuple[np.ndarray, np.ndarray, np.ndarray, NewTokens | None]:
    """(ids, probabilities, held flags, tokens made for texts that had none kept) of the pool rows with ids in
    the task's range; runs in a worker."""
    from sqlmodel import Session

    from hloop.core.labels import held_out
    from hloop.services.embedding_jobs import model_inputs, probabilities, stored_index
    from labeling import store
    from labeling.db import make_engine
    from training.registry import Registry

    if _WORKER.get("url") != task.database_url:
        if "engine" in _WORKER:
            _WORKER["engine"].dispose()
        _WORKER.update(url=task.database_url, engine=make_engine(task.database_url))
    if _WORKER.get("version") != (task.models_dir, task.version):  # a kept worker holds one version, not all
        _WORKER.update(version=(task.models_dir, task.version), registry=Registry(task.models_dir))
    registry = _WORKER["registry"]
    with Session(_WORKER["engine"]) as session:
        rows = store.texts_in_id_range(task.origins, task.first, task.last, session=session)
    texts = [text for _, text in rows]
    ids = np.fromiter((i for i, _ in rows), dtype=np.int64, count=len(rows))
    model, inputs = registry.load(task.version), texts
    if task.embeddings is not None:  # a model with embedding steps reads the stored vectors; others take the texts
        folder, owner = task.embeddings
        inputs = model_inputs(model, texts, ids, lambda identity: stored_index(Path(folder), identity, owner))
    new = None
    if task.tokens is not None:  # TF-IDF steps read the kept tokens: only texts without them are tokenized
        inputs, new = kept_inputs(model, inputs, ids, *task.tokens)
    probs = probabilities(model, inputs, task.n_labels)
    share = task.held_share
    held = np.fromiter((share is not None and held_out(t, share) for t in texts), dtype=bool, count=len(texts))
    return ids, probs, held, new


def score_in_workers(
    executor,
    tasks: list[RangeTask],
    on_chunk: Callable[[int], None],
    on_tokens: Callable[[NewTokens], None] = lambda _new: None,
):
    """(ids, probabilities, held flags) of every task, scored by ``executor``'s worker processes, in order;
    ``on_chunk`` gets the count of rows done after each task, ``on_tokens`` the tokens a worker made."""
    futures = [executor.submit(score_range, task) for task in tasks]
    parts, done = [], 0
    for future in futures:
        *part, new = future.result()
        parts.append(part)
        if new is not None:
            on_tokens(new)
        done += len(part[0])
        on_chunk(done)
    if not parts:
        return np.zeros(0, dtype=np.int64), None, np.zeros(0, dtype=bool)
    return tuple(np.concatenate(x) if x[0].ndim == 1 else np.vstack(x) for x in zip(*parts, strict=True))
