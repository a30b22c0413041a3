"""Use-cases of label quality over time: agreement between annotators (Cohen's kappa, agreement with the
consensus) and live quality (how often fresh human labels agree with the version that guessed them)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score

from hloop.services.project import Project
from labeling import label_queries


class Quality:
    """Agreement between annotators, and each version against the labels given after it was trained."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def _labels_by_annotator(self) -> dict[int, dict[str, int]]:
        """Per example, each annotator's latest live human label (reviews included)."""
        with self.project.session() as session:
            events = label_queries.live_human_labels(session=session)
        out: dict[int, dict[str, int]] = {}
        for e in events:
            out.setdefault(e.example_id, {})[e.annotator] = e.label
        return out

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
        for the current version, or, until it has fresh labels of its own (just after a retrain or rollback), for
        the newest version that has (``annotators_version``; None when no version has any): the first sign of
        drift or of an annotator who struggles."""
        versions = self.project.registry.versions()
        current = self.project.registry.current_version()
        with self.project.session() as session:
            events = label_queries.live_human_labels(session=session)
        out = {"current": current, "versions": [], "annotators": [], "annotators_version": None}
        fresh_by_version = {}
        for v in versions:
            card = self.project.registry.card(v)
            since = card.last_label_id
            fresh = [e for e in events if e.id > since and e.model_version == v and e.model_prediction is not None]
            accuracy = None if card.metrics is None else card.metrics.accuracy
            out["versions"].append({"version": v, "eval_accuracy": accuracy, **_agree(fresh)})
            if fresh:
                fresh_by_version[v] = fresh
        shown = current if current in fresh_by_version else max(fresh_by_version, default=None)
        if shown is not None:
            out["annotators_version"] = shown
            for who in sorted({e.annotator for e in fresh_by_version[shown]}):
                mine = [e for e in fresh_by_version[shown] if e.annotator == who]
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
