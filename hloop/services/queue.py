"""Use-cases of the labelling queue: rank the pool, claim the next item, submit, skip.

Before any model exists (cold start) the pool is served in a seeded random order. Without gold eval labels, the
pool items whose human labels will be held out for evaluation are served in random order, interleaved at
``HLOOP_EVAL_SHARE``, so the held-out set is a random sample of the pool rather than its hardest items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlmodel import Session

from hloop.core.errors import InvalidInputError
from hloop.core.strategies import QueryContext, get_strategy, interleave, strategy_name, top_k
from hloop.services.labels import Labels
from hloop.services.records import annotator_name
from labeling import queue as claims
from labeling import store
from labeling.overlap import claim_overlap, overlap_open
from training.compute import compute_backend
from training.pipeline import full_probabilities

COLD_START = 0  # the pool cache's "version" before any model exists


@dataclass
class PoolCache:
    """Queue candidates scored by one model version (``probs`` is None in cold start); extended when new pool
    items arrive."""

    ids: np.ndarray
    probs: np.ndarray | None
    held: np.ndarray  # whether each item's human label will be held out for evaluation
    ranked: dict[str, tuple[np.ndarray, np.ndarray]]  # strategy -> (scores, positions, first served first)


class Queue(Labels):
    """The labelling queue over the pool."""

    def _pool_cache(self) -> tuple[int, PoolCache]:
        version, model = self.serving_model()  # (COLD_START, None) without a model that loads
        with self._lock:
            cache = self._pool.get(version)
            after = int(cache.ids[-1]) if cache is not None and cache.ids.size else 0
            with self.session() as session:
                fresh = store.examples_by_origin(store.QUEUE_ORIGINS, session=session, after_id=after)
            if cache is None or fresh:
                ids = np.array([i for i, _ in fresh], dtype=np.int64)
                texts = [t for _, t in fresh]
                held = np.array([self.is_held_out(t) for t in texts], dtype=bool)
                probs = None if model is None else self._score_pool(version, model, texts)
                if cache is not None:
                    ids, held = np.concatenate([cache.ids, ids]), np.concatenate([cache.held, held])
                    probs = None if probs is None else np.vstack([cache.probs, probs])
                cache = PoolCache(ids, probs, held, {})
                self._pool = {version: cache}  # scores of older versions are stale
            return version, cache

    def _score_pool(self, version: int, model, texts: list[str]) -> np.ndarray:
        """Label probabilities of pool texts, here or, with ``HLOOP_COMPUTE=modal``, in chunks on Modal."""
        n_labels = len(self.label_set)
        if self.settings.compute == "local" or not texts:
            return full_probabilities(model, texts, n_labels)
        data = self.registry.artifact(version).data
        probs = compute_backend(self.settings.compute).score(data, texts, self.settings.compute_chunk)
        out = np.zeros((len(texts), n_labels))
        out[:, model.classes_] = probs
        return out

    def _ranked(self, cache: PoolCache, version: int, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        name = strategy_name(strategy) if version else "random"
        with self._lock:
            if name not in cache.ranked:
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
                cache.ranked[name] = (scores, order)
            return cache.ranked[name]

    def _item(self, session: Session, cache: PoolCache, pos: int, version: int, score: float | None) -> dict:
        example = store.get_example(int(cache.ids[pos]), session=session)
        item = {"example_id": example.id, "text": example.text, "score": score, "model_version": version or None}
        if cache.probs is None:
            return {**item, "score": None, "prediction": None, "confidence": None}
        best = int(np.argmax(cache.probs[pos]))
        return {**item, "prediction": self.label_set.names[best], "confidence": float(cache.probs[pos][best])}

    def ranked_pool(self, strategy: str = "default", n: int | None = None) -> list[dict]:
        """Unlabelled pool items in the order the queue serves them (most uncertain first), without claiming."""
        self.ensure_store()
        version, cache = self._pool_cache()
        scores, order = self._ranked(cache, version, strategy)
        with self.session() as session:
            blocked = store.human_labelled_ids(session=session)
            out = []
            for pos in order:
                if cache.ids[pos] in blocked:
                    continue
                out.append(self._item(session, cache, int(pos), version, float(scores[pos])))
                if n is not None and len(out) >= n:
                    break
            return out

    def next_item(self, annotator: str, strategy: str = "default") -> dict | None:
        """Claim the most uncertain pool item nobody holds for ``annotator``; None when the queue is empty."""
        annotator = annotator_name(annotator)
        strategy_name(strategy)  # an unknown strategy fails before anything is claimed
        self.ensure_store()
        version, cache = self._pool_cache()
        scores, order = self._ranked(cache, version, strategy)
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
            pos = int(np.searchsorted(cache.ids, claim.example_id))
            if pos < cache.ids.size and cache.ids[pos] == claim.example_id:
                item = self._item(session, cache, pos, version, float(scores[pos]))
            else:  # only a claim older than the pool cache can miss it; score it directly
                example = store.get_example(claim.example_id, session=session)
                _version, guess, confidence = self.model_guess(example.text)
                item = {
                    "example_id": example.id,
                    "text": example.text,
                    "score": None,
                    "model_version": version or None,
                    "prediction": None if guess is None else self.label_set.names[guess],
                    "confidence": confidence,
                }
            item["claim_expires_at"] = claim.expires_at.isoformat(timespec="seconds")
            return item

    def submit_label(self, example_id: int, label: str | int, annotator: str) -> dict:
        """Label a queue item the annotator holds; an item is labelled once through the queue."""
        annotator, wanted = annotator_name(annotator), self.label_set.index(label)
        with self._lock, self.session() as session:
            example = store.get_example(example_id, session=session)
            if not self._claimable(example.id, annotator, session):
                raise InvalidInputError(
                    f"Item {example_id} was already labelled through the queue; ask for the next item."
                )
            claims.check_claim(example.id, annotator, session=session)
            source = "overlap" if store.queue_labelled(example.id, session=session) else "queue"
            row = self._store_label(session, example, wanted, annotator, source)
            claims.release(example.id, session=session)
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
        annotator = annotator_name(annotator)
        with self._lock, self.session() as session:
            store.get_example(example_id, session=session)
            claims.check_claim(int(example_id), annotator, session=session)
            claims.add_skip(int(example_id), annotator, session=session)
            claims.release(int(example_id), session=session)
            session.commit()
            return {"example_id": int(example_id), "skipped": True}
