"""Use-cases of label quality: suspect labels to review, agreement between annotators, and live quality.

Suspects come from out-of-fold probabilities over every labelled text (seed and human), ranked by confident
learning (``hloop.core.suspects``); they go to a person, never to an automatic relabel. A reviewer keeps a label
(a ``review`` event of the same label) or relabels it (a ``review`` event of another one); either way the item
leaves the list until someone labels it again. Items two annotators labelled differently join the list first.
"""

from __future__ import annotations

import numpy as np

from hloop.core import events
from hloop.core.errors import InvalidInputError, NotFoundError
from hloop.core.records import LabelResult
from hloop.core.search import LABEL_SOURCES
from hloop.core.suspects import suspect_scores
from hloop.services.labels import Labels
from hloop.services.project import Project
from labeling import label_queries
from training.crossval import out_of_fold_probabilities

RERANK_AFTER = 100  # reviews between two rankings: each costs a cross-validation over every labelled text


class Review:
    """The list of suspect labels, and a reviewer's verdict on one."""

    def __init__(self, project: Project, labels: Labels) -> None:
        self.project = project
        self.labels = labels
        self._cache: tuple | None = None  # (store state, ranked table) of the last ranking

    def _suspect_table(self) -> tuple[list, np.ndarray, np.ndarray]:
        """(counting labels, scores, suggestions). The ranking is recomputed when labels other than reviews
        arrive and after every ``RERANK_AFTER`` reviews; in between, reviews only take items off the list."""
        self.project.ensure_store()
        with self.project.session() as session:
            rows = label_queries.counting_labels(session=session)
            newest, reviews = label_queries.review_state(session=session)
        state = (newest, reviews // RERANK_AFTER)
        cached = self._cache
        if cached is not None and cached[0] == state:
            old_rows, scores, suggestions = cached[1]
            position = {r.example_id: i for i, r in enumerate(old_rows)}
            if all(r.example_id in position for r in rows):
                keep = [position[r.example_id] for r in rows]
                return rows, scores[keep], suggestions[keep]
        labels = np.array([r.label for r in rows], dtype=np.int64)
        probs = out_of_fold_probabilities(
            [r.text for r in rows], labels, len(self.project.label_set), folds=self.project.settings.review_folds
        )
        scores, suggestions = suspect_scores(probs, labels)
        table = (rows, scores, suggestions)
        with self.project.lock:
            self._cache = (state, table)
        return table

    def _review_item(self, row, score: float | None, suggestion: int | None, reason: str) -> dict:
        names = self.project.label_set.names
        return {
            "example_id": row.example_id,
            "text": row.text,
            "label": names[row.label],
            "annotator": row.annotator,
            "source": row.source,
            "suggestion": None if suggestion is None else names[int(suggestion)],
            "score": None if score is None else round(float(score), 4),
            "reason": reason,
        }

    def suspects(self, n: int = 50, annotator: str | None = None, source: str | None = None) -> list[dict]:
        """Labels most likely wrong, not yet reviewed: disagreements between annotators first, then the model's;
        with ``annotator``, only the labels that person gave (the ``n`` most suspect of theirs); with ``source``,
        only labels given so (e.g. ``bulk``: the labels of bulk batches)."""
        if source not in (None, "") and source not in LABEL_SOURCES:
            raise InvalidInputError(f"Source must be one of {', '.join(LABEL_SOURCES)}; got {str(source)[:40]!r}.")
        rows, scores, suggestions = self._suspect_table()
        who = (annotator or "").strip()
        if source:
            wanted = [i for i, r in enumerate(rows) if r.source == source]
            rows, scores, suggestions = [rows[i] for i in wanted], scores[wanted], suggestions[wanted]
        position = {r.example_id: i for i, r in enumerate(rows)}
        out, seen = [], set()
        for eid in self.disagreements():
            i = position.get(eid)
            if i is not None and rows[i].source != "review" and (not who or rows[i].annotator == who):
                out.append(self._review_item(rows[i], scores[i], suggestions[i], "disagreement"))
                seen.add(eid)
        for i in np.argsort(-scores, kind="stable"):
            if len(out) >= n:
                break
            if rows[i].source == "review" or rows[i].example_id in seen or scores[i] <= 0:
                continue
            if not who or rows[i].annotator == who:
                out.append(self._review_item(rows[i], scores[i], suggestions[i], "model"))
        return out[:n]

    def annotators(self) -> list[str]:
        """Everyone who gave a live human label (not a review), most labels first: the Review tab's filter."""
        with self.project.session() as session:
            events = label_queries.live_human_labels(session=session)
        counts: dict[str, int] = {}
        for e in events:
            if e.source != "review":
                counts[e.annotator] = counts.get(e.annotator, 0) + 1
        return sorted(counts, key=lambda name: (-counts[name], name))

    def keep_label(self, example_id: int, annotator: str) -> LabelResult:
        """A reviewer confirms an example's counting label (stored as a ``review`` event of the same label)."""
        with self.project.session() as session:
            current = {r.example_id: r.label for r in label_queries.counting_labels(session=session)}
        if int(example_id) not in current:
            raise NotFoundError(f"Example {example_id} has no label to keep; take ids from the review list.")
        result = self.labels.label(int(example_id), current[int(example_id)], annotator, source="review")
        return self._reviewed(result, "kept")

    def relabel(self, example_id: int, label: str | int, annotator: str) -> LabelResult:
        """A reviewer gives an example another label (a ``review`` event; the history is kept)."""
        return self._reviewed(self.labels.label(int(example_id), label, annotator, source="review"), "relabelled")

    @staticmethod
    def _reviewed(result: LabelResult, decision: str) -> LabelResult:
        """``result`` of a review, after its ``review.done`` event (its ``label.saved`` came first)."""
        done = result.event
        ids = [] if done.example_id is None else [done.example_id]
        events.emit("review.done", user=done.annotator, ids=ids, decision=decision, label=done.label)
        return result

    def disagreements(self) -> list[int]:
        """Ids of examples whose annotators (not counting reviews) gave different labels, oldest first."""
        with self.project.session() as session:
            events = label_queries.live_human_labels(session=session)
        given: dict[int, dict[str, int]] = {}
        for e in events:
            if e.source in ("queue", "overlap"):
                given.setdefault(e.example_id, {})[e.annotator] = e.label
        return [eid for eid, by in given.items() if len(set(by.values())) > 1]
