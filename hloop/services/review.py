"""Use-cases of label quality: suspect labels to review, agreement between annotators, and live quality.

Suspects come from out-of-fold probabilities over every labelled text (seed and human), ranked by confident
learning (``hloop.core.suspects``); they go to a person, never to an automatic relabel. A reviewer keeps a label
(a ``review`` event of the same label) or relabels it (a ``review`` event of another one); either way the item
leaves the list until someone labels it again. Items two annotators labelled differently join the list first.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score

from hloop.core.errors import NotFoundError
from hloop.core.suspects import suspect_scores
from hloop.services.backups import Backups
from labeling import review as review_store
from training.crossval import out_of_fold_probabilities

RERANK_AFTER = 100  # reviews between two rankings: each costs a cross-validation over every labelled text


class Review(Backups):
    """Reviewing suspect labels, agreement between annotators, and the current model against fresh labels."""

    def _suspect_table(self) -> tuple[list, np.ndarray, np.ndarray]:
        """(counting labels, scores, suggestions). The ranking is recomputed when labels other than reviews
        arrive and after every ``RERANK_AFTER`` reviews; in between, reviews only take items off the list."""
        self.ensure_store()
        with self.session() as session:
            rows = review_store.counting_labels(session=session)
            newest, reviews = review_store.review_state(session=session)
        state = (newest, reviews // RERANK_AFTER)
        cached = getattr(self, "_review_cache", None)
        if cached is not None and cached[0] == state:
            old_rows, scores, suggestions = cached[1]
            position = {r.example_id: i for i, r in enumerate(old_rows)}
            if all(r.example_id in position for r in rows):
                keep = [position[r.example_id] for r in rows]
                return rows, scores[keep], suggestions[keep]
        labels = np.array([r.label for r in rows], dtype=np.int64)
        probs = out_of_fold_probabilities(
            [r.text for r in rows], labels, len(self.label_set), folds=self.settings.review_folds
        )
        scores, suggestions = suspect_scores(probs, labels)
        table = (rows, scores, suggestions)
        with self._lock:
            self._review_cache = (state, table)
        return table

    def _review_item(self, row, score: float | None, suggestion: int | None, reason: str) -> dict:
        names = self.label_set.names
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

    def suspects(self, n: int = 50) -> list[dict]:
        """Labels most likely wrong, not yet reviewed: disagreements between annotators first, then the model's."""
        rows, scores, suggestions = self._suspect_table()
        position = {r.example_id: i for i, r in enumerate(rows)}
        out, seen = [], set()
        for eid in self.disagreements():
            i = position.get(eid)
            if i is not None and rows[i].source != "review":
                out.append(self._review_item(rows[i], scores[i], suggestions[i], "disagreement"))
                seen.add(eid)
        for i in np.argsort(-scores, kind="stable"):
            if len(out) >= n:
                break
            if rows[i].source != "review" and rows[i].example_id not in seen and scores[i] > 0:
                out.append(self._review_item(rows[i], scores[i], suggestions[i], "model"))
        return out[:n]

    def keep_label(self, example_id: int, annotator: str) -> dict:
        """A reviewer confirms an example's counting label (stored as a ``review`` event of the same label)."""
        with self.session() as session:
            current = {r.example_id: r.label for r in review_store.counting_labels(session=session)}
        if int(example_id) not in current:
            raise NotFoundError(f"Example {example_id} has no label to keep; take ids from the review list.")
        return self.label(int(example_id), current[int(example_id)], annotator, source="review")

    def relabel(self, example_id: int, label: str | int, annotator: str) -> dict:
        """A reviewer gives an example another label (a ``review`` event; the history is kept)."""
        return self.label(int(example_id), label, annotator, source="review")

    def _labels_by_annotator(self) -> dict[int, dict[str, int]]:
        """Per example, each annotator's latest live human label (reviews included)."""
        with self.session() as session:
            events = review_store.live_human_labels(session=session)
        out: dict[int, dict[str, int]] = {}
        for e in events:
            out.setdefault(e.example_id, {})[e.annotator] = e.label
        return out

    def disagreements(self) -> list[int]:
        """Ids of examples whose annotators (not counting reviews) gave different labels, oldest first."""
        with self.session() as session:
            events = review_store.live_human_labels(session=session)
        given: dict[int, dict[str, int]] = {}
        for e in events:
            if e.source in ("queue", "overlap"):
                given.setdefault(e.example_id, {})[e.annotator] = e.label
        return [eid for eid, by in given.items() if len(set(by.values())) > 1]

    def agreement(self) -> dict:
        """Cohen's kappa per pair of annotators over items both labelled, and each one's agreement with the
        consensus (the majority of the item's annotators and reviewers; items with a tie have none)."""
        by_item = {eid: by for eid, by in self._labels_by_annotator().items() if len(by) > 1}
        pairs: dict[tuple[str, str], list[tuple[int, int]]] = {}
        hits: dict[str, list[bool]] = {}
        for by in by_item.values():
            people = sorted(by)
            for i, a in enumerate(people):
                for b in people[i + 1 :]:
                    pairs.setdefault((a, b), []).append((by[a], by[b]))
            votes = np.bincount(list(by.values()))
            if (votes == votes.max()).sum() == 1:
                for who, lab in by.items():
                    hits.setdefault(who, []).append(lab == int(votes.argmax()))
        return {
            "items": len(by_item),
            "pairs": [_pair_row(a, b, given) for (a, b), given in sorted(pairs.items())],
            "annotators": [
                {"annotator": who, "items": len(h), "agreement_with_consensus": round(float(np.mean(h)), 4)}
                for who, h in sorted(hits.items())
            ],
        }

    def live_quality(self) -> dict:
        """Per version, how often human labels given after it was trained agreed with its guess; per annotator
        for the current version: the first sign of drift or of an annotator who struggles."""
        versions = self.registry.versions()
        current = self.registry.current_version()
        with self.session() as session:
            events = review_store.live_human_labels(session=session)
        out = {"current": current, "versions": [], "annotators": []}
        for v in versions:
            card = self.registry.card(v)
            since = card.get("training", {}).get("last_label_id", 0)
            fresh = [e for e in events if e.id > since and e.model_version == v and e.model_prediction is not None]
            accuracy = (card.get("metrics") or {}).get("accuracy")
            out["versions"].append({"version": v, "eval_accuracy": accuracy, **_agree(fresh)})
            if v == current:
                for who in sorted({e.annotator for e in fresh}):
                    mine = [e for e in fresh if e.annotator == who]
                    out["annotators"].append({"annotator": who, **_agree(mine)})
        return out


def _agree(events: list) -> dict:
    """How many labels and the share equal to the model's guess (None when there are none)."""
    same = [e.label == e.model_prediction for e in events]
    return {"labels": len(same), "agreement": round(float(np.mean(same)), 4) if same else None}


def _pair_row(a: str, b: str, given: list[tuple[int, int]]) -> dict:
    """One pair of annotators: items both labelled, raw agreement and Cohen's kappa (None if undefined)."""
    first, second = [g[0] for g in given], [g[1] for g in given]
    kappa = None
    if len(set(first) | set(second)) > 1:
        kappa = round(float(cohen_kappa_score(first, second)), 4)
    raw = float(np.mean([x == y for x, y in given]))
    return {"annotators": f"{a} / {b}", "items": len(given), "agreement": round(raw, 4), "kappa": kappa}
