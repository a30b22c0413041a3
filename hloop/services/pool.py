"""The queue's ranking of the pool: one ``PoolCache`` (ids, probabilities, rankings of one version) at a time.

When a new version serves, its pool scores are computed in a background thread (and worker processes), in
chunks, outside every lock; until they are ready the queue keeps serving the previous ranking, then the new cache
replaces the old one in one assignment. A few new pool rows are scored in the request.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from hloop.core.errors import HLoopError
from hloop.core.strategies import QueryContext, get_strategy, interleave, strategy_name, top_k
from hloop.services.embedding_jobs import probabilities
from hloop.services.embeddings import Embeddings
from hloop.services.models import Models
from hloop.services.project import Project
from hloop.services.scoring import (
    ChunkScorer,
    PoolCache,
    RangeTask,
    ScoringJob,
    Span,
    extended,
    score_chunks,
    score_in_workers,
    spans_between,
    spans_of,
)
from labeling import store
from training.compute import background_processes, compute_backend
from training.families import embedding_steps
from training.pipeline import full_probabilities
from training.token_store import TokenKeeper, tokens_folder

COLD_START = 0  # the pool cache's "version" before any model exists


class PoolRanking:
    """The served ranking of the pool and the background scoring that brings it up to date."""

    def __init__(self, project: Project, models: Models, embeddings: Embeddings) -> None:
        self.project = project
        self.models = models
        self.embeddings = embeddings
        self._lock = threading.RLock()  # guards the two fields below while they are read or replaced
        self._cache: PoolCache | None = None  # the scored pool of one version, replaced whole
        self._job: ScoringJob | None = None  # the background scoring of a version's pool, if one runs
        self._build_lock = threading.Lock()  # one first build of the cache at a time (not held by others)
        self._workers_kept = None  # the scoring worker processes, made on the first big scoring and kept

    def warm(self) -> None:
        """Build the first ranking now (the app does at start, in a thread), so no request waits for it."""
        try:
            self.project.ensure_store()
            self.wait_for_scoring()
        except HLoopError as exc:  # the first request reports it to the user
            print(f"hloop: queue not warmed: {exc}", file=sys.stderr, flush=True)

    def reset(self) -> None:
        """Forget the scored pool (after a restore): the next request scores the restored one."""
        with self._lock:
            self._cache = None

    def chunk_scorer(self, version: int) -> ChunkScorer | None:
        """The function that scores a chunk of pool texts under ``version`` (None in cold start): local here
        (a model with embedding steps reads the stored vectors: a rescoring embeds only texts not stored yet);
        a remote backend can replace it with one that scores chunks elsewhere."""
        if version == COLD_START:
            return None
        model, n_labels = self.project.registry.load(version), len(self.project.label_set)
        if self.project.settings.compute == "local" and embedding_steps(model):
            return lambda texts: probabilities(model, self.embeddings.inputs_of(model, texts), n_labels)
        if self.project.settings.compute == "local":
            return lambda texts: full_probabilities(model, texts, n_labels)
        data, backend, chunk = (
            self.project.registry.artifact(version).data,
            compute_backend(self.project.settings.compute),
            None,
        )

        def on_modal(texts: list[str]) -> np.ndarray:  # the model's columns placed in the project's label order
            out = np.zeros((len(texts), n_labels))
            if texts:
                out[:, model.classes_] = backend.score(data, texts, chunk or self.project.settings.compute_chunk)
            return out

        return on_modal

    def _read_range(self, first: int, last: int) -> list[tuple[int, str]]:
        with self.project.session() as session:
            return store.texts_in_id_range(store.QUEUE_ORIGINS, first, last, session=session)

    def _score(self, version: int, spans: list[Span], job: ScoringJob | None = None, rows: int = 0):
        """(ids, probabilities, held flags) of the pool rows in the id ranges ``spans``, range by range: in the
        background or when there are more than ``HLOOP_INLINE_SCORING_ROWS`` ``rows``, by worker processes (so
        the app's threads never wait for the scoring's CPU), else here."""
        big = job is not None or rows > self.project.settings.inline_scoring_rows
        workers = self._workers() if big and version != COLD_START else None

        def on_chunk(done: int) -> None:
            if job is not None:
                job.done = min(done, job.total)

        if workers is not None:
            s, n_labels = self.project.settings, len(self.project.label_set)
            share = s.eval_share if self.project.held_out_by_humans() else None
            owner = self.embeddings.owner(create=False) if self.embeddings.enabled else None
            kept = None if owner is None else (str(self.embeddings.folder), owner)
            tokens = (str(tokens_folder(self.embeddings.folder)), self.embeddings.owner())
            tasks = [
                RangeTask(
                    s.database_url,
                    str(s.models_dir),
                    version,
                    n_labels,
                    store.QUEUE_ORIGINS,
                    share,
                    first,
                    last,
                    kept,
                    tokens,
                )
                for first, last in spans
            ]
            keeper = TokenKeeper(*tokens)
            try:
                scored = score_in_workers(workers, tasks, on_chunk, keeper.add)
            except BaseException:  # a dead worker, or a chunk that failed: its queued chunks are dropped with it
                self._drop_workers(workers)
                raise
            finally:
                keeper.flush()
            return scored
        return score_chunks(spans, self._read_range, self.chunk_scorer(version), self.project.is_held_out, on_chunk)

    def _whole_pool(self) -> tuple[list[Span], int]:
        """The whole pool as id ranges of at most ``HLOOP_SCORING_CHUNK_ROWS`` ids, and its size; from the
        smallest and largest id, as listing a million ids would hold this process's CPU for seconds."""
        with self.project.session() as session:
            first, last, count = store.id_bounds(store.QUEUE_ORIGINS, session=session)
        return spans_between(first, last, self.project.settings.scoring_chunk_rows), count

    def _workers(self):
        """The worker processes of background scoring (None: score in a thread of this process). Made on the
        first big scoring (the app's first ranking at start) and kept: a new version's rescoring then starts at
        once, not after a new process's 2-3 s of imports. They end with the app (``end_workers``), or with its
        process however it ends (``training.workers``); a pool whose worker died is replaced on the next job."""
        url = self.project.settings.database_url
        local = self.project.settings.compute == "local"  # with Modal, the chunks go there from a thread here
        if self.project.settings.scoring_processes == 0 or not local or url in ("sqlite://", "sqlite:///:memory:"):
            return None
        with self._lock:
            if self._workers_kept is None:
                self._workers_kept = background_processes(self.project.settings.scoring_processes)
            return self._workers_kept

    def _drop_workers(self, workers) -> None:
        """End ``workers`` (broken, or their job stopped by an error) so the next job makes new ones."""
        with self._lock:
            if self._workers_kept is workers:
                self._workers_kept = None
        workers.end()

    def serving(self) -> PoolCache:
        """The cache the queue serves now; starts (or finishes inline) the work that brings it up to date."""
        version = self.models.serving_version()  # a damaged current version: the newest intact one (no pointer moves)
        with self._lock:
            cache = self._cache
            job = self._job
        if cache is None:
            return self._first_cache(version)
        idle = job is None or not job.running
        if cache.version != version:  # a new version: the whole pool, inline only when it is small
            if cache.ids.size <= self.project.settings.inline_scoring_rows:
                return self._install(extended(None, version, *self._score(version, self._whole_pool()[0])), cache)
            if idle or job.version != version:
                self._start_job(version, None, [])
            return cache
        with self.project.session() as session:
            after = int(cache.ids[-1]) if cache.ids.size else 0
            fresh = store.example_ids(store.QUEUE_ORIGINS, session=session, after_id=after)
        if not fresh:
            return cache
        if len(fresh) <= self.project.settings.inline_scoring_rows:
            spans = spans_of(fresh, self.project.settings.scoring_chunk_rows)
            return self._install(extended(cache, version, *self._score(version, spans)), cache)
        if idle:
            self._start_job(version, cache, fresh)
        return cache

    def _first_cache(self, version: int) -> PoolCache:
        """This process's first cache: built in the request (the app warms it at start), one build at a time."""
        with self._build_lock:
            with self._lock:
                cache = self._cache
            if cache is not None:
                return cache
            spans, rows = self._whole_pool()
            scored = self._score(version, spans, rows=rows)  # the first ranking at start: in workers when big
            return self._install(extended(None, version, *scored), None)

    def _install(self, cache: PoolCache, replaces: PoolCache | None) -> PoolCache:
        """Make ``cache`` the one served, unless another thread installed a newer one meanwhile."""
        self.ranked(cache, strategy_name("default"))  # ready before anyone is served from it
        with self._lock:
            now = self._cache
            if now is replaces or now is None or now.version != cache.version or now.ids.size < cache.ids.size:
                self._cache = cache
            return self._cache

    def _start_job(self, version: int, base: PoolCache | None, fresh: list[int]) -> None:
        job = ScoringJob(version, len(fresh) if base is not None else self._pool_size_hint())
        job.thread = threading.Thread(target=self._run_job, args=(job, base, fresh), daemon=True, name="hloop-scoring")
        with self._lock:
            self._job = job
        job.thread.start()

    def _pool_size_hint(self) -> int:
        with self._lock:
            cache = self._cache
        return 0 if cache is None else int(cache.ids.size)

    def _run_job(self, job: ScoringJob, base: PoolCache | None, fresh: list[int]) -> None:
        try:
            if base is None:  # a new version: the whole pool, found here rather than in the request
                spans, job.total = self._whole_pool()
            else:
                spans = spans_of(fresh, self.project.settings.scoring_chunk_rows)
            ids, probs, held = self._score(job.version, spans, job)
            if job.version == self.models.serving_version():
                with self._lock:
                    serving = self._cache
                self._install(extended(base, job.version, ids, probs, held), serving)
        except Exception as exc:  # the queue keeps serving the old ranking; the next request tries again
            job.error = f"{type(exc).__name__}: {exc}"
            print(f"hloop: scoring v{job.version} failed: {job.error}", file=sys.stderr, flush=True)

    def wait_for_scoring(self) -> PoolCache:
        """The served cache once it ranks the current version's scores of the whole pool (waits for the
        background scoring; for listings, the CLI and tests; the queue itself never waits)."""
        while True:
            cache = self.serving()
            with self._lock:
                job = self._job
            if job is not None and job.running:
                job.thread.join()
                continue
            if job is not None and job.error and job.version != cache.version:
                raise RuntimeError(f"Scoring the pool under v{job.version} failed: {job.error}")
            if cache.version == self.models.serving_version():
                return cache

    def queue_status(self) -> dict:
        """Which version ranks the queue now, and how far a newer version's background scoring got."""
        current = self.models.serving_version()
        with self._lock:
            cache = self._cache
            job = self._job
        ranking = None if cache is None else cache.version
        running = job is not None and job.running
        status = {
            "ranking_version": ranking or None,
            "current_version": current or None,
            "scoring_version": job.version if running else None,
            "scoring_fraction": round(job.fraction, 3) if running else None,
            "pool_scored": 0 if cache is None else int(cache.ids.size),
        }
        ranking_by = "random order (no model yet)" if not ranking else f"ranking by v{ranking}"
        message = ranking_by if cache is not None else "ranking not computed yet"
        if running:
            message += f"; v{job.version} scoring {job.fraction:.0%}"
        return {**status, "message": message}

    def ranked(self, cache: PoolCache, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        """(scores, serving order) of the cache under ``strategy``; computed outside the lock, kept once."""
        version = cache.version
        name = strategy_name(strategy) if version else "random"
        with self._lock:
            if name in cache.ranked:
                return cache.ranked[name]
        rng = np.random.default_rng([self.project.settings.random_seed, version])
        if version == COLD_START or not cache.ids.size:
            scores = rng.random(cache.ids.size)
        else:  # the version's training size tells a warm-up strategy whether it is past cold start
            training = self.project.registry.card(version).training
            context = QueryContext(labelled=0 if training is None else training.rows)
            scores = get_strategy(name)(cache.probs, rng, context)
        order = top_k(scores, cache.ids.size, rng)
        if cache.held.any():
            randomly = rng.permutation(np.flatnonzero(cache.held))
            order = interleave(order[~cache.held[order]], randomly, self.project.settings.eval_share)
        with self._lock:
            return cache.ranked.setdefault(name, (scores, order))
