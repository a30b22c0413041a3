"""Similar texts: the stored pool or labelled texts nearest to a text by embedding (cosine similarity).

Cost: one float32 matrix product of the query with every stored vector (the float16 segments converted in
chunks; among the labelled texts only, with their rows), then ``np.argpartition`` for the best candidates, then
one query for those candidates' rows and labels. Eval and dev texts, texts the project holds out and their
near-copies are never returned, and no eval gold label is ever read; candidates that are left out are replaced by
the next best ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hloop.core.errors import InvalidInputError
from hloop.core.labels import clean_text
from hloop.core.values import parse_example_id
from hloop.services.project import Project
from labeling import example_queries, store
from labeling.example_queries import ExampleRow

if TYPE_CHECKING:
    from hloop.services.embeddings import Embeddings

AMONG = ("pool", "labelled", "all")
MAX_K = 1000
HIDDEN_ORIGINS = ("eval", "dev")
ENABLE = "set HLOOP_EMBEDDINGS=wordllama"


class SimilarTexts:
    """Nearest stored texts to a query, among the pool, the labelled texts or both."""

    def __init__(self, project: Project, embeddings: Embeddings) -> None:
        self.project = project
        self.embeddings = embeddings

    def similar(self, text: str | None, example_id: int | None, k: int, among: str) -> list[dict]:
        """Up to ``k`` hits ``{example_id, text, similarity, origin, label}``, most similar first, without the
        query itself; ``label`` is the counting label's name of a labelled text, else None. Texts not embedded
        yet are not found yet (``Embeddings.status`` says how many are)."""
        k, among = self._checked(text, example_id, k, among)
        index = self.embeddings.index()
        query, itself = self._query(text, example_id, index)
        if not index.size:
            return []
        if among == "labelled":  # only the labelled rows: a product over thousands of rows, not the whole pool
            with self.project.session() as session:
                labelled = np.asarray(example_queries.labelled_ids(store.TRAINABLE_ORIGINS, session=session), np.int64)
            found, positions = index.positions(labelled)
            ids, sims = labelled[found], index.stored.rows(positions) @ np.asarray(query, np.float32)
        else:
            ids, sims = index.stored.ids, index.stored.similarities(query)
        if itself is not None:
            sims[ids == itself] = -np.inf
        return self._best(ids, sims, k, among)

    def _checked(self, text: object, example_id: object, k: object, among: object) -> tuple[int, str]:
        if not self.embeddings.enabled:
            raise InvalidInputError("Similar texts need embeddings, and HLOOP_EMBEDDINGS is none: " + ENABLE + ".")
        if (text is None) == (example_id is None):
            raise InvalidInputError("Give a text or an example id to find similar texts for (one of them, not both).")
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_K:
            raise InvalidInputError(f"k must be a whole number from 1 to {MAX_K}, got {str(k)[:40]!r}.")
        if among not in AMONG:
            raise InvalidInputError(f"among must be one of {', '.join(AMONG)}, got {str(among)[:40]!r}.")
        return int(k), str(among)

    def _query(self, text: str | None, example_id: int | None, index) -> tuple[np.ndarray, int | None]:
        """(the query's unit vector, the id of the stored example it is, if any)."""
        if example_id is not None:
            number = parse_example_id(example_id)
            with self.project.session() as session:
                rows = example_queries.rows_with_labels([number], session=session)
            if not rows:
                raise InvalidInputError(f"No example with id {number}; take ids from the queue or the labels table.")
            if not self._visible(rows[0]):
                raise InvalidInputError(
                    f"Example {number} is held out (eval or dev); ask about pool or labelled texts."
                )
            found, itself = rows[0].text, number
        else:
            found = clean_text(text)
            itself = self.embeddings.ids_of([found])[0]
        ok, positions = index.positions([itself])
        if ok.all():
            return index.stored.rows(positions)[0], itself
        return self.embeddings.embedder().embed([found])[0], (itself if itself > 0 else None)

    def _visible(self, row: ExampleRow) -> bool:
        """Whether ``row`` may be shown: not an eval or dev text, not held out, not a near-copy of one."""
        if row.origin in HIDDEN_ORIGINS:
            return False
        return self.project.guarded_split(row.text) is None and not self.project.is_held_out(row.text)

    def _kind(self, row: ExampleRow) -> str | None:
        """``"labelled"``, ``"pool"`` or None (neither: not shown)."""
        if not self._visible(row):
            return None
        if row.label is not None and row.origin in store.TRAINABLE_ORIGINS:
            return "labelled"
        return "pool" if row.origin in store.QUEUE_ORIGINS and row.label is None else None

    def _best(self, ids: np.ndarray, sims: np.ndarray, k: int, among: str) -> list[dict]:
        """The ``k`` best shown rows, reading candidates in growing rounds until enough are found."""
        hits: list[dict] = []
        seen, want = 0, min(ids.size, 4 * k + 32)
        while True:
            top = np.arange(ids.size) if want >= ids.size else np.argpartition(-sims, want - 1)[:want]
            top = top[np.argsort(-sims[top], kind="stable")][seen:]
            top = top[np.isfinite(sims[top])]
            with self.project.session() as session:
                rows = {r.example_id: r for r in example_queries.rows_with_labels(ids[top].tolist(), session=session)}
            for position in top:
                row = rows.get(int(ids[position]))
                kind = None if row is None else self._kind(row)
                if row is not None and kind is not None and among in (kind, "all"):
                    hits.append(self._hit(row, float(sims[position])))
                    if len(hits) == k:
                        return hits
            if want >= ids.size:
                return hits
            seen, want = want, min(ids.size, want * 4)

    def _hit(self, row: ExampleRow, similarity: float) -> dict:
        label = None if row.label is None else self.project.label_set.name(row.label)
        return {
            "example_id": row.example_id,
            "text": row.text,
            "similarity": round(similarity, 4),
            "origin": row.origin,
            "label": label,
        }
