"""Search and filters over the pool and the labelled texts (the Browse tab, ``hloop search``, the API).

A search reads, in the database, the ids of the texts whose words and counting labels match, in order (at most
``MAX_SCAN``); then, with the served pool ranking's arrays, drops the texts held out for evaluation and applies
the model filters (predicted label, confidence) and the uncertainty order; then reads the page's rows. Eval and
dev texts are never read (their origins are not searched), held-out pool texts and near-copies of eval or dev
texts are never shown, and no gold label is ever read.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from hloop.core.errors import InvalidInputError
from hloop.core.search import SearchRequest
from hloop.core.search_records import SearchHit, SearchPage
from hloop.core.strategies import QueryContext, get_strategy, strategy_name
from hloop.services.pool import COLD_START, PoolRanking
from hloop.services.predictions import Predictions
from hloop.services.project import Project
from hloop.services.search_filters import store_filtered
from labeling import claims, search_index, search_queries
from labeling.search_queries import Found
from labeling.store import TRAINABLE_ORIGINS

MAX_SCAN = 20_000  # matching ids read per search: a total beyond it is given as "at least"
RANKED = 10_000  # the newest matches ordered by relevance (the rest follow, newest first)
PREDICTED_MOST = 5_000  # matching texts the pool ranking has not scored, predicted per search for the model filters
INLINE_INDEX_ROWS = 20_000  # texts not indexed yet that a search indexes itself before it answers
NO_MODEL = "the predicted label, the confidence band and the uncertainty order need a model; train v1 first"


class Search:
    """Finding texts: the full-text index kept up to date, and searches with filters, ordered and paged."""

    def __init__(self, project: Project, pool: PoolRanking, predictions: Predictions) -> None:
        self.project = project
        self.pool = pool
        self.predictions = predictions
        self._index_lock = threading.Lock()  # one catch-up of the index per process at a time
        self._indexer: threading.Thread | None = None

    def parse(self, **raw: object) -> SearchRequest:
        """The request from raw values (a form, argv, JSON); InvalidInputError says what was wrong."""
        return SearchRequest.parse(self.project.label_set, **raw)

    def update_index(self, wait: bool = True) -> int:
        """Index the texts stored since the index was last brought up to date (here, or in a thread when
        ``wait`` is False and one is not running); how many texts are still not indexed when it returns."""
        if not self.project.settings.search_index:
            return 0
        if wait:
            with self._index_lock:
                search_index.catch_up_index(self.project.engine)
            return 0
        with self._index_lock:
            if self._indexer is None or not self._indexer.is_alive():
                self._indexer = threading.Thread(target=self.update_index, daemon=True, name="hloop-search-index")
                self._indexer.start()
        return self.index_lag()

    def wait_for_index(self) -> None:
        """Return once a background catch-up of the index (if one runs) is over."""
        with self._index_lock:
            indexer = self._indexer
        if indexer is not None:
            indexer.join()

    def index_lag(self) -> int:
        """How many stored texts the index does not hold yet."""
        with self.project.session() as session:
            return search_index.index_lag(session=session)

    def search(self, **raw: object) -> SearchPage:
        """One page of the texts matching ``raw`` (``SearchRequest`` fields): hits, total, pages and notes."""
        request = self.parse(**raw)
        self.project.ensure_store()
        notes = self.prepare(request)
        ids, scores, capped, more_notes = self.matching(request)
        pages = max(1, math.ceil(len(ids) / request.per_page))
        start = (request.page - 1) * request.per_page
        shown = ids[start : start + request.per_page]
        hits = self.hits(shown.tolist(), None if scores is None else scores[start : start + request.per_page])
        return SearchPage(
            request.to_dict(self.project.label_set),
            tuple(hits),
            int(ids.size),
            capped,
            request.page,
            pages,
            request.order,
            tuple(notes + more_notes),
        )

    def prepare(self, request: SearchRequest) -> list[str]:
        """Bring the index up to date before a search by words (a few texts here, many in the background: the
        search then says how many texts it does not see yet)."""
        if not request.terms or not self.project.settings.search_index:
            return []
        lag = self.index_lag()
        if lag and lag <= INLINE_INDEX_ROWS:
            lag = self.update_index(wait=True)
        elif lag:
            lag = self.update_index(wait=False)
        return (
            [f"{lag:,} texts stored lately are still being indexed; search again shortly to see them."] if lag else []
        )

    def matching(
        self, request: SearchRequest, most: int = MAX_SCAN, among: list[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None, bool, list[str]]:
        """(the ids of every shown text matching ``request`` (among the ids ``among``, when given) in its order,
        their scores (uncertainty when that is the order, else None), whether more than ``most`` matched, notes)."""
        if request.terms and not self.project.settings.search_index:
            raise InvalidInputError("Search by words is off (HLOOP_SEARCH_INDEX=false); filter without a query.")
        with self.project.session() as session:
            by_index = bool(request.terms) and session.connection().dialect.name == "sqlite" and among is None
            if by_index:  # the index's ids, newest first, then the store filters in memory
                oldest = request.order == "oldest"
                found = np.asarray(
                    search_index.newest_matches(request.terms, session=session, most=most + 1, oldest=oldest)
                )
                ids = store_filtered(found[:most].astype(np.int64), request, session=session)
            else:  # one SQL query with every filter, in the request's order (relevance on PostgreSQL)
                found = np.asarray(
                    search_queries.matching_ids(
                        request, TRAINABLE_ORIGINS, session=session, most=most + 1, among=among
                    ),
                    np.int64,
                )
                ids = found[:most]
        capped = found.size > most
        ids, scores, notes = self._shown(request, ids)
        if by_index and request.order == "relevance" and ids.size:
            ids = self._by_relevance(request, ids, found)
        return ids, scores, capped, notes

    def _shown(self, request: SearchRequest, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
        """The ids not held out that pass the model filters, the uncertainty when that is the order, and notes.
        Texts the served pool ranking has not scored (labelled seed, user and imported texts, or pool texts
        stored since the last scoring) are predicted here, at most ``PREDICTED_MOST`` of them per search."""
        cache = self.pool.serving()
        positions, scored = in_ranking(cache.ids, ids)
        keep = ~(scored & cache.held[positions]) if cache.ids.size else np.ones(ids.size, bool)
        unscored = ids[~scored]
        rows = {}
        if unscored.size and (self.project.held_out_by_humans() or request.needs_scores):
            with self.project.session() as session:
                rows = search_queries.found_rows(unscored.tolist(), session=session)
        if self.project.held_out_by_humans():  # labelled seed or user texts: held out by their text
            held = [i for i, row in rows.items() if self.project.is_held_out(row.text)]
            if held:
                keep &= ~np.isin(ids, held)
        if not request.needs_scores:
            return ids[keep], None, []
        if cache.version == COLD_START or cache.probs is None:
            raise InvalidInputError(f"No model yet: {NO_MODEL}.")
        probs = np.zeros((ids.size, len(self.project.label_set)))
        probs[scored] = cache.probs[positions[scored]]
        missing = np.flatnonzero(keep & ~scored)
        notes = []
        if missing.size > PREDICTED_MOST:
            notes.append(
                f"{missing.size - PREDICTED_MOST:,} matching texts the model has not scored yet are left out; "
                "narrow the search, or search again once the pool is scored."
            )
            keep[missing[PREDICTED_MOST:]] = False
            missing = missing[:PREDICTED_MOST]
        if missing.size:
            probs[missing] = self.predictions.probabilities([rows[int(ids[i])].text for i in missing])[1]
        if request.predicted is not None:
            keep &= probs.argmax(axis=1) == request.predicted
        top = probs.max(axis=1) if probs.size else np.zeros(ids.size)
        if request.min_confidence is not None:
            keep &= top >= request.min_confidence
        if request.max_confidence is not None:
            keep &= top <= request.max_confidence
        if request.order != "uncertainty":
            return ids[keep], None, notes
        uncertainty = np.zeros(ids.size)
        uncertainty[scored] = self.pool.ranked(cache, "default")[0][positions[scored]]
        if missing.size:  # the texts predicted here, scored by the same strategy as the pool
            uncertainty[missing] = self._uncertainty(cache.version, probs[missing])
        chosen = np.flatnonzero(keep)
        chosen = chosen[np.argsort(-uncertainty[chosen], kind="stable")]
        return ids[chosen], uncertainty[chosen], notes

    def _uncertainty(self, version: int, probs: np.ndarray) -> np.ndarray:
        """The default queue strategy's scores of these probabilities, as the pool ranking of ``version`` scores."""
        training = self.project.registry.card(version).training
        context = QueryContext(labelled=0 if training is None else training.rows)
        rng = np.random.default_rng([self.project.settings.random_seed, version, 1])
        return get_strategy(strategy_name("default"))(probs, rng, context)

    def _by_relevance(self, request: SearchRequest, ids: np.ndarray, found: np.ndarray) -> np.ndarray:
        """``ids`` most relevant first (bm25) among the newest ``RANKED`` texts that match, then the rest newest
        first: ranking costs a few microseconds a match, so a query that matches most of a million texts ranks a
        share of them."""
        floor = int(found[min(RANKED, found.size) - 1])
        with self.project.session() as session:
            ranked = np.asarray(search_index.by_relevance(request.terms, session=session, from_id=floor), np.int64)
        place = {int(i): n for n, i in enumerate(ranked.tolist())}
        order = np.fromiter((place.get(int(i), ranked.size + n) for n, i in enumerate(ids.tolist())), np.int64)
        return ids[np.argsort(order, kind="stable")]

    def hits(self, ids: list[int], scores: np.ndarray | None = None) -> list[SearchHit]:
        """The hits of these ids, in this order: rows, counting labels, claims and the current model's guess
        (from the served pool ranking, else computed for the page); near-copies of eval or dev texts left out."""
        with self.project.session() as session:
            rows = search_queries.found_rows(ids, session=session)
            held_by = claims.holders(ids, session=session)
        found = [rows[i] for i in ids if i in rows and self._visible(rows[i])]
        guesses = self._guesses(found)
        by_id = dict(zip(ids, [None] * len(ids) if scores is None else scores.tolist(), strict=True))
        return [
            self._hit(row, guesses.get(row.example_id), held_by.get(row.example_id), by_id[row.example_id])
            for row in found
        ]

    def _visible(self, row: Found) -> bool:
        """Whether a row may be shown: a searched origin, not a near-copy of an eval or dev text."""
        return row.origin in TRAINABLE_ORIGINS and self.project.guarded_split(row.text) is None

    def _guesses(self, rows: list[Found]) -> dict[int, tuple[int, float]]:
        """example id -> (predicted label, confidence) of the current model, for these rows (empty without one)."""
        cache = self.pool.serving()
        if cache.version == COLD_START or cache.probs is None or not rows:
            return {}
        ids = np.asarray([r.example_id for r in rows], np.int64)
        positions, scored = in_ranking(cache.ids, ids)
        probs = np.zeros((ids.size, len(self.project.label_set)))
        probs[scored] = cache.probs[positions[scored]]
        missing = np.flatnonzero(~scored)
        if missing.size:  # labelled seed or user texts are not in the pool ranking: predicted for the page
            probs[missing] = self.predictions.probabilities([rows[i].text for i in missing])[1]
        return {int(i): (int(p.argmax()), float(p.max())) for i, p in zip(ids, probs, strict=True)}

    def _hit(self, row: Found, guess: tuple[int, float] | None, holder: str | None, score: float | None) -> SearchHit:
        names = self.project.label_set.names
        return SearchHit(
            example_id=row.example_id,
            text=row.text,
            origin=row.origin,
            label=None if row.label is None else names[row.label],
            annotator=row.annotator,
            source=row.source,
            labelled_at=None if row.labelled_at is None else row.labelled_at.isoformat(timespec="seconds"),
            predicted=None if guess is None else names[guess[0]],
            confidence=None if guess is None else round(guess[1], 4),
            claimed_by=holder,
            score=None if score is None else round(float(score), 4),
        )


def in_ranking(ranked: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each id's position in the sorted ``ranked`` ids (0 where it is absent), whether it is there)."""
    if not ranked.size:
        return np.zeros(ids.size, np.int64), np.zeros(ids.size, bool)
    positions = np.searchsorted(ranked, ids)
    positions[positions >= ranked.size] = 0
    return positions, ranked[positions] == ids
