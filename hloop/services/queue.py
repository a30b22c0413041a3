"""Use-cases of the labelling queue: the next item for an annotator (claimed), submit, skip, the ranked pool.

Before any model exists (cold start) the pool is served in a seeded random order. Without gold eval labels, the
pool items whose human labels will be held out for evaluation are served in random order, interleaved at
``HLOOP_EVAL_SHARE``, so the held-out set is a random sample of the pool rather than its hardest items. Claims
and labels live in the store, so an item is offered or labelled once whichever ranking serves it.
"""

from __future__ import annotations

import numpy as np
from sqlmodel import Session

from hloop.core import events
from hloop.core.errors import ClaimError, InvalidInputError
from hloop.core.records import LabelResult, QueueItem
from hloop.core.strategies import strategy_name
from hloop.core.values import parse_annotator
from hloop.services.labels import Labels
from hloop.services.models import Models
from hloop.services.pool import PoolRanking
from hloop.services.predictions import Predictions
from hloop.services.project import Project
from hloop.services.scoring import PoolCache
from labeling import claims, store
from labeling.overlap import claim_overlap, overlap_open


class Queue:
    """The labelling queue over the pool, served from ``PoolRanking``."""

    def __init__(
        self, project: Project, models: Models, pool: PoolRanking, predictions: Predictions, labels: Labels
    ) -> None:
        self.project = project
        self.models = models
        self.pool = pool
        self.predictions = predictions
        self.labels = labels

    def _item(
        self,
        session: Session,
        cache: PoolCache,
        example_id: int,
        current: int,
        score: float | None,
        claim_expires_at: str | None = None,
    ) -> QueueItem:
        """The queue item for ``example_id`` with ``score``: the current model's guess (from ``cache`` when it
        holds the current version's probabilities)."""
        example = store.get_example(example_id, session=session)
        pos = int(np.searchsorted(cache.ids, example_id))
        inside = pos < cache.ids.size and int(cache.ids[pos]) == example_id
        if inside and cache.probs is not None and cache.version == current:
            best = int(np.argmax(cache.probs[pos]))
            prediction: str | None = self.project.label_set.names[best]
            confidence: float | None = float(cache.probs[pos][best])
        else:  # the new model's guess, not yet ranked by
            _version, guess, confidence = self.predictions.model_guess(example.text)
            prediction = None if guess is None else self.project.label_set.names[guess]
        return QueueItem(
            example_id=example.id,
            text=example.text,
            model_version=current or None,
            score=score,
            prediction=prediction,
            confidence=confidence,
            claim_expires_at=claim_expires_at,
        )

    def ranked_pool(self, strategy: str = "default", n: int | None = None) -> list[QueueItem]:
        """Unlabelled pool items in the order the queue serves them (most uncertain first), without claiming;
        waits for the current version's scores."""
        self.project.ensure_store()
        cache = self.pool.wait_for_scoring()
        scores, order = self.pool.ranked(cache, strategy)
        with self.project.session() as session:
            blocked = store.human_labelled_ids(session=session)
            out: list[QueueItem] = []
            for pos in order:
                if cache.ids[pos] in blocked:
                    continue
                score = float(scores[pos]) if cache.version else None
                out.append(self._item(session, cache, int(cache.ids[pos]), cache.version, score))
                if n is not None and len(out) >= n:
                    break
            return out

    def next_item(self, annotator: str, strategy: str = "default") -> QueueItem | None:
        """Claim the most uncertain pool item nobody holds for ``annotator``; None when the queue is empty."""
        annotator = parse_annotator(annotator)
        strategy_name(strategy)  # an unknown strategy fails before anything is claimed
        self.project.ensure_store()
        cache = self.pool.serving()
        current = self.models.serving_version()
        scores, order = self.pool.ranked(cache, strategy)
        with self.project.session() as session:
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
                claim = claims.claim_first(annotator, ranked, self.project.settings.claim_minutes, session=session)
                if claim is None:
                    return None
            pos = int(np.searchsorted(cache.ids, claim.example_id))
            inside = pos < cache.ids.size and int(cache.ids[pos]) == claim.example_id
            score = float(scores[pos]) if inside and cache.version else None
            expires = claim.expires_at.isoformat(timespec="seconds")
            return self._item(session, cache, claim.example_id, current, score, expires)

    def submit_label(self, example_id: int, label: str | int, annotator: str) -> LabelResult:
        """Label a queue item the annotator holds; an item is labelled once through the queue."""
        annotator, wanted = parse_annotator(annotator), self.project.label_set.index(label)
        guess = self.predictions.model_guess(
            self.labels.text_of(example_id)
        )  # outside the lock: a model load holds up nobody
        with self.project.lock, self.project.session() as session:
            example = store.get_example(example_id, session=session)
            if not self._claimable(example.id, annotator, session):
                raise InvalidInputError(
                    f"Item {example_id} was already labelled through the queue; ask for the next item."
                )
            claims.check_claim(example.id, annotator, session=session)
            source = "overlap" if store.queue_labelled(example.id, session=session) else "queue"
            if not claims.take_own_live_claim(example.id, annotator, session=session):  # it ended just now
                raise ClaimError(f"Your claim on item {example_id} ended while you submitted; ask for the next item.")
            row = self.labels.store_label(session, example, wanted, annotator, source, guess)
            session.commit()
            result = self.labels.result(session, row, example)
        return self.labels.after_label(result)

    def _claimable(self, example_id: int, annotator: str, session: Session) -> bool:
        """Not yet labelled through the queue, or open for ``annotator``'s overlap label (``HLOOP_OVERLAP``)."""
        if not store.queue_labelled(example_id, session=session):
            return True
        return self.project.settings.overlap > 0 and overlap_open(example_id, annotator, session=session)

    def _claim_overlap(self, annotator: str, session: Session):
        """Claim an item someone else labelled, for a second label (None when overlap is off or none is open)."""
        if self.project.settings.overlap <= 0:
            return None
        return claim_overlap(
            annotator, self.project.settings.overlap, self.project.settings.claim_minutes, session=session
        )

    def take_back(self, example_id: int, annotator: str) -> QueueItem | None:
        """Claim ``example_id`` again for ``annotator`` (after undoing their queue label on it), giving back the
        item they hold now, and return it as a queue item; None when it is no longer open (labelled by someone
        else meanwhile, or held by another annotator): the annotator keeps the item they hold."""
        annotator = parse_annotator(annotator)
        self.project.ensure_store()
        cache = self.pool.serving()
        current = self.models.serving_version()
        with self.project.lock, self.project.session() as session:
            store.get_example(example_id, session=session)
            if not self._claimable(int(example_id), annotator, session):
                return None
            held = claims.active_claim(annotator, session=session)
            mine = held is not None and held.example_id == int(example_id)
            if not mine:
                claim = claims.claim_first(
                    annotator, [int(example_id)], self.project.settings.claim_minutes, session=session
                )
                if claim is None:
                    return None
                if held is not None:  # the item shown until now goes back to the queue
                    claims.release_own(held.example_id, annotator, session=session)
                    session.commit()
            claim = claims.check_claim(int(example_id), annotator, session=session)
            expires = claim.expires_at.isoformat(timespec="seconds")
            return self._item(session, cache, int(example_id), current, None, expires)

    def skip(self, example_id: int, annotator: str) -> dict:
        """Give a claimed item back to the queue; this annotator is not offered it again."""
        annotator = parse_annotator(annotator)
        with self.project.lock, self.project.session() as session:
            store.get_example(example_id, session=session)
            claims.check_claim(int(example_id), annotator, session=session)
            claims.add_skip(int(example_id), annotator, session=session)
            claims.release(int(example_id), session=session)
            session.commit()
        events.emit("label.skipped", user=annotator, ids=[int(example_id)])
        return {"example_id": int(example_id), "skipped": True}
