"""Use-cases of the labelling queue: rank the pool, claim the next item, submit, skip.

Before any model exists (cold start) the pool is served in a seeded random order. Without gold eval labels, the
pool items whose human labels will be held out for evaluation are served in random order, interleaved at
``HLOOP_EVAL_SHARE``, so the held-out set is a random sample of the pool rather than its hardest items.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
from sqlmodel import Session

from hloop.core.errors import ClaimError, HLoopError, InvalidInputError
from hloop.core.strategies import QueryContext, get_strategy, interleave, strategy_name, top_k
from hloop.core.values import parse_annotator
from hloop.services.labels import Labels
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
from labeling import claims, store
from labeling.overlap import claim_overlap, overlap_open
from training.compute import background_processes, compute_backend
from training.pipeline import full_probabilities

COLD_START = 0  # the pool cache's "version" before any model exists


class Queue(Labels):
    """The labelling queue over the pool.

    The queue serves from one ``PoolCache`` (ids, probabilities, rankings of one version). When a new version
    becomes current, its pool scores are computed in a background thread, in chunks, outside every lock; until
    they are ready the queue keeps serving the previous ranking (each item shown with the new model's guess),
    then the new cache replaces the old one in one assignment. Claims and labels live in the store, so an item
    is offered or labelled once whichever ranking serves it. A few new pool rows are scored in the request.
    """

    def chunk_scorer(self, version: int) -> ChunkScorer | None:
        """The function that scores a chunk of pool texts under ``version`` (None in cold start): local here;
        a remote backend can replace it with one that scores chunks elsewhere."""
        if version == COLD_START:
            return None
        model, n_labels = self.registry.load(version), len(self.label_set)
        if self.settings.compute == "local":
            return lambda texts: full_probabilities(model, texts, n_labels)
        data, backend, chunk = self.registry.artifact(version).data, compute_backend(self.settings.compute), None

        def on_modal(texts: list[str]) -> np.ndarray:  # the model's columns placed in the project's label order
            out = np.zeros((len(texts), n_labels))
            if texts:
                out[:, model.classes_] = backend.score(data, texts, chunk or self.settings.compute_chunk)
            return out

        return on_modal

    def _read_range(self, first: int, last: int) -> list[tuple[int, str]]:
        with self.session() as session:
            return store.texts_in_id_range(store.QUEUE_ORIGINS, first, last, session=session)

    def _score(self, version: int, spans: list[Span], job: ScoringJob | None = None, rows: int = 0):
        """(ids, probabilities, held flags) of the pool rows in the id ranges ``spans``, range by range: in the
        background or when there are more than ``HLOOP_INLINE_SCORING_ROWS`` ``rows``, by worker processes (so
        the app's threads never wait for the scoring's CPU), else here."""
        big = job is not None or rows > self.settings.inline_scoring_rows
        workers = self._workers() if big and version != COLD_START else None

        def on_chunk(done: int) -> None:
            if job is not None:
                job.done = min(done, job.total)

        if workers is not None:
            share = self.settings.eval_share if self.held_out_by_humans() else None
            tasks = [
                RangeTask(self.settings.database_url, str(self.settings.models_dir), version, len(self.label_set),
                          store.QUEUE_ORIGINS, share, first, last)
                for first, last in spans
            ]  # fmt: skip
            with workers:
                return score_in_workers(workers, tasks, on_chunk)
        return score_chunks(spans, self._read_range, self.chunk_scorer(version), self.is_held_out, on_chunk)

    def _whole_pool(self) -> tuple[list[Span], int]:
        """The whole pool as id ranges of at most ``HLOOP_SCORING_CHUNK_ROWS`` ids, and its size; from the
        smallest and largest id, as listing a million ids would hold this process's CPU for seconds."""
        with self.session() as session:
            first, last, count = store.id_bounds(store.QUEUE_ORIGINS, session=session)
        return spans_between(first, last, self.settings.scoring_chunk_rows), count

    def _workers(self):
        """Worker processes for one background scoring job (None: score in a thread of this process); they
        exit with the job, so no idle process outlives it or holds up the app's exit."""
        url = self.settings.database_url
        local = self.settings.compute == "local"  # with Modal, the chunks go there from a thread here
        if self.settings.scoring_processes == 0 or not local or url in ("sqlite://", "sqlite:///:memory:"):
            return None
        return background_processes(self.settings.scoring_processes)

    def _serving(self) -> PoolCache:
        """The cache the queue serves now; starts (or finishes inline) the work that brings it up to date."""
        version = self.serving_version()  # a damaged current version: the newest intact one (no pointer moves)
        with self._lock:
            cache = self._cache
            job = self._job
        if cache is None:
            return self._first_cache(version)
        idle = job is None or not job.running
        if cache.version != version:  # a new version: the whole pool, inline only when it is small
            if cache.ids.size <= self.settings.inline_scoring_rows:
                return self._install(extended(None, version, *self._score(version, self._whole_pool()[0])), cache)
            if idle or job.version != version:
                self._start_job(version, None, [])
            return cache
        with self.session() as session:
            after = int(cache.ids[-1]) if cache.ids.size else 0
            fresh = store.example_ids(store.QUEUE_ORIGINS, session=session, after_id=after)
        if not fresh:
            return cache
        if len(fresh) <= self.settings.inline_scoring_rows:
            spans = spans_of(fresh, self.settings.scoring_chunk_rows)
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
        self._ranked(cache, strategy_name("default"))  # ready before anyone is served from it
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
                spans = spans_of(fresh, self.settings.scoring_chunk_rows)
            ids, probs, held = self._score(job.version, spans, job)
            if job.version == self.serving_version():
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
            cache = self._serving()
            with self._lock:
                job = self._job
            if job is not None and job.running:
                job.thread.join()
                continue
            if job is not None and job.error and job.version != cache.version:
                raise RuntimeError(f"Scoring the pool under v{job.version} failed: {job.error}")
            if cache.version == self.serving_version():
                return cache

    def warm_queue(self) -> None:
        """Build the queue's first ranking now (the app calls it in a thread at start), so no request waits."""
        try:
            self.ensure_store()
            self.wait_for_scoring()
        except HLoopError as exc:  # the first request reports it to the user
            print(f"hloop: queue not warmed: {exc}", file=sys.stderr, flush=True)
        self.warm_fit_worker()

    def queue_status(self) -> dict:
        """Which version ranks the queue now, and how far a newer version's background scoring got."""
        current = self.serving_version()
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

    def _ranked(self, cache: PoolCache, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        """(scores, serving order) of the cache under ``strategy``; computed outside the lock, kept once."""
        version = cache.version
        name = strategy_name(strategy) if version else "random"
        with self._lock:
            if name in cache.ranked:
                return cache.ranked[name]
        rng = np.random.default_rng([self.settings.random_seed, version])
        if version == COLD_START or not cache.ids.size:
            scores = rng.random(cache.ids.size)
        else:  # the version's training size tells a warm-up strategy whether it is past cold start
            context = QueryContext(labelled=int(self.registry.card(version)["training"]["rows"]))
            scores = get_strategy(name)(cache.probs, rng, context)
        order = top_k(scores, cache.ids.size, rng)
        if cache.held.any():
            randomly = rng.permutation(np.flatnonzero(cache.held))
            order = interleave(order[~cache.held[order]], randomly, self.settings.eval_share)
        with self._lock:
            return cache.ranked.setdefault(name, (scores, order))

    def _item(self, session: Session, cache: PoolCache, example_id: int, current: int) -> dict:
        """The queue item for ``example_id``: its score in ``cache`` and the current model's guess."""
        example = store.get_example(example_id, session=session)
        pos = int(np.searchsorted(cache.ids, example_id))
        inside = pos < cache.ids.size and int(cache.ids[pos]) == example_id
        item = {"example_id": example.id, "text": example.text, "model_version": current or None, "score": None}
        if inside and cache.probs is not None and cache.version == current:
            best = int(np.argmax(cache.probs[pos]))
            return {**item, "prediction": self.label_set.names[best], "confidence": float(cache.probs[pos][best])}
        _version, guess, confidence = self.model_guess(example.text)  # the new model's guess, not yet ranked by
        return {**item, "prediction": None if guess is None else self.label_set.names[guess], "confidence": confidence}

    def ranked_pool(self, strategy: str = "default", n: int | None = None) -> list[dict]:
        """Unlabelled pool items in the order the queue serves them (most uncertain first), without claiming;
        waits for the current version's scores."""
        self.ensure_store()
        cache = self.wait_for_scoring()
        scores, order = self._ranked(cache, strategy)
        with self.session() as session:
            blocked = store.human_labelled_ids(session=session)
            out = []
            for pos in order:
                if cache.ids[pos] in blocked:
                    continue
                item = self._item(session, cache, int(cache.ids[pos]), cache.version)
                out.append({**item, "score": float(scores[pos]) if cache.version else None})
                if n is not None and len(out) >= n:
                    break
            return out

    def next_item(self, annotator: str, strategy: str = "default") -> dict | None:
        """Claim the most uncertain pool item nobody holds for ``annotator``; None when the queue is empty."""
        annotator = parse_annotator(annotator)
        strategy_name(strategy)  # an unknown strategy fails before anything is claimed
        self.ensure_store()
        cache = self._serving()
        current = self.serving_version()
        scores, order = self._ranked(cache, strategy)
        with self.session() as session:
            claims.release_expired(session=session)
            session.commit()
            held = claims.active_claim(annotator, session=session)
            if held is not None and self._claimable(held.example_id, annotator, session):
                claim = held
            elif (claim := self._claim_overlap(annotator, session)) is not None:
                pass
            else:
                blocked = claims.blocked_ids(annotator, session=session)
                ranked = (int(cache.ids[p]) for p in order if int(cache.ids[p]) not in blocked)
                claim = claims.claim_first(annotator, ranked, self.settings.claim_minutes, session=session)
                if claim is None:
                    return None
            item = self._item(session, cache, claim.example_id, current)
            pos = int(np.searchsorted(cache.ids, claim.example_id))
            inside = pos < cache.ids.size and int(cache.ids[pos]) == claim.example_id
            item["score"] = float(scores[pos]) if inside and cache.version else None
            item["claim_expires_at"] = claim.expires_at.isoformat(timespec="seconds")
            return item

    def submit_label(self, example_id: int, label: str | int, annotator: str) -> dict:
        """Label a queue item the annotator holds; an item is labelled once through the queue."""
        annotator, wanted = parse_annotator(annotator), self.label_set.index(label)
        guess = self.model_guess(self.text_of(example_id))  # outside the lock: a model load holds up nobody
        with self._lock, self.session() as session:
            example = store.get_example(example_id, session=session)
            if not self._claimable(example.id, annotator, session):
                raise InvalidInputError(
                    f"Item {example_id} was already labelled through the queue; ask for the next item."
                )
            claims.check_claim(example.id, annotator, session=session)
            source = "overlap" if store.queue_labelled(example.id, session=session) else "queue"
            if not claims.take_own_live_claim(example.id, annotator, session=session):  # it ended just now
                raise ClaimError(f"Your claim on item {example_id} ended while you submitted; ask for the next item.")
            row = self._store_label(session, example, wanted, annotator, source, guess)
            session.commit()
            result = self._label_result(session, row, example)
        return self.after_label(result)

    def _claimable(self, example_id: int, annotator: str, session: Session) -> bool:
        """Not yet labelled through the queue, or open for ``annotator``'s overlap label (``HLOOP_OVERLAP``)."""
        if not store.queue_labelled(example_id, session=session):
            return True
        return self.settings.overlap > 0 and overlap_open(example_id, annotator, session=session)

    def _claim_overlap(self, annotator: str, session: Session):
        """Claim an item someone else labelled, for a second label (None when overlap is off or none is open)."""
        if self.settings.overlap <= 0:
            return None
        return claim_overlap(annotator, self.settings.overlap, self.settings.claim_minutes, session=session)

    def skip(self, example_id: int, annotator: str) -> dict:
        """Give a claimed item back to the queue; this annotator is not offered it again."""
        annotator = parse_annotator(annotator)
        with self._lock, self.session() as session:
            store.get_example(example_id, session=session)
            claims.check_claim(int(example_id), annotator, session=session)
            claims.add_skip(int(example_id), annotator, session=session)
            claims.release(int(example_id), session=session)
            session.commit()
            return {"example_id": int(example_id), "skipped": True}
