"""``auto``: the model family chosen by cross-validation on the training labels only (never the eval split)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from hloop.core.errors import InvalidInputError
from hloop.core.models import EMBEDDING_FAMILIES, FAMILIES
from training.crossval import fold_assignment
from training.embeddings import DEFAULT_SPEC, EmbeddedTexts, shared_embedder
from training.families import ENSEMBLE_MEMBERS, fit_family

DEFAULT_CANDIDATES = ("tfidf-lr", "tfidf-cnb", "embed-centroid", "embed-lr", "hybrid", "ensemble")
MAX_ROWS = 3000  # cross-validate on a stratified sample of at most this many rows: the choice costs seconds
TIE = 0.002
FEW_LABELS_FAMILY = "embed-centroid"  # when some label has one example: nothing to cross-validate  # a candidate must beat an earlier (simpler) one by more than this to win


@dataclass(frozen=True)
class FamilyChoice:
    """The chosen family, every candidate's cross-validated accuracy and calibration error, and why it won."""

    family: str
    scores: dict[str, float]
    reason: str
    folds: int
    rows: int
    skipped: dict[str, str] = field(default_factory=dict)
    calibration_errors: dict[str, float] = field(default_factory=dict)
    training_rows: int = 0  # the training labels the choice was made for (``rows`` is the sample it compared on)
    labels: int = 0  # how many labels they were of

    def to_dict(self) -> dict:
        return {
            "family": self.family,
            "scores": dict(self.scores),
            "reason": self.reason,
            "folds": self.folds,
            "rows": self.rows,
            "skipped": dict(self.skipped),
            "calibration_errors": dict(self.calibration_errors),
            "training_rows": self.training_rows,
            "labels": self.labels,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FamilyChoice:
        """The choice in ``to_dict``'s form (a card's ``choice``)."""
        return cls(
            str(data["family"]),
            {str(k): float(v) for k, v in dict(data["scores"]).items()},
            str(data["reason"]),
            int(data["folds"]),
            int(data["rows"]),
            {str(k): str(v) for k, v in dict(data.get("skipped", {})).items()},
            {str(k): float(v) for k, v in dict(data.get("calibration_errors", {})).items()},
            int(data.get("training_rows", data["rows"])),
            int(data.get("labels", 0)),
        )


def calibration_error(probabilities: np.ndarray, truth: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: the row-weighted mean gap between confidence (the top probability) and
    accuracy over ``bins`` equal-width confidence bins; 0 is perfectly calibrated."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    gap = 0.0
    for b in np.unique(which):
        inside = which == b
        gap += inside.sum() * abs(float(confidence[inside].mean()) - float(correct[inside].mean()))
    return gap / max(truth.size, 1)


def _sample(y: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Row indices: all rows, or a stratified random ``limit`` of them (each label in proportion, at least 1)."""
    if y.size <= limit:
        return np.arange(y.size)
    picked = []
    for value in np.unique(y):
        rows = np.flatnonzero(y == value)
        take = max(1, round(limit * rows.size / y.size))
        picked.append(rng.choice(rows, size=min(take, rows.size), replace=False))
    return np.sort(np.concatenate(picked))


def _embedded(texts: Sequence[str], embeddings: str) -> EmbeddedTexts | None:
    if isinstance(texts, EmbeddedTexts):
        return texts
    embedder = shared_embedder(embeddings)
    return None if embedder is None else EmbeddedTexts(texts, embedder.embed(texts), embedder.identity)


def out_of_fold_probabilities(
    families: Sequence[str],
    texts: EmbeddedTexts | list[str],
    y: np.ndarray,
    assigned: np.ndarray,
    embeddings: str,
    seed: int,
) -> dict[str, np.ndarray]:
    """Per family, (n, n_labels) probabilities of every row from a model fitted on the other folds (columns are
    ``np.unique(y)``). The ensemble's are the mean of its members' from the same folds: fitting it again would
    repeat the same fits, so it costs nothing more."""
    classes = np.unique(y)
    fitted = [f for f in families if f != "ensemble"]
    if "ensemble" in families:
        fitted += [m for m in ENSEMBLE_MEMBERS if m not in fitted]
    out = {f: np.full((y.size, classes.size), 1.0 / classes.size) for f in fitted}
    for fold in np.unique(assigned):
        held = assigned == fold
        train = np.flatnonzero(~held)
        if np.unique(y[train]).size < 2:
            continue  # uniform rows: this fold cannot be fitted
        part = texts.subset(train) if isinstance(texts, EmbeddedTexts) else [texts[i] for i in train]
        rest = texts.subset(held) if isinstance(texts, EmbeddedTexts) else [texts[i] for i in np.flatnonzero(held)]
        for family in fitted:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # a fold's fit is a means, not an artifact
                model = fit_family(family, part, y[train], embeddings=embeddings, random_state=seed)
            probs = np.zeros((int(held.sum()), classes.size))
            probs[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(rest)
            out[family][held] = probs
    if "ensemble" in families:
        out["ensemble"] = np.mean([out[m] for m in ENSEMBLE_MEMBERS], axis=0)
    return {f: out[f] for f in families}


def choose_family(
    texts: Sequence[str],
    labels: Sequence[int],
    candidates: Sequence[str] = DEFAULT_CANDIDATES,
    folds: int = 5,
    seed: int = 0,
    *,
    embeddings: str = DEFAULT_SPEC,
    max_rows: int = MAX_ROWS,
) -> FamilyChoice:
    """The candidate with the best mean accuracy over ``folds`` stratified folds of the training labels (ties,
    within ``TIE``, go to the earlier candidate). Families needing embeddings are skipped when ``embeddings``
    is ``none``."""
    y = np.asarray(labels, dtype=np.int64)
    unknown = [c for c in candidates if c not in FAMILIES]
    if unknown or not candidates:
        raise InvalidInputError(f"Unknown model families {unknown}; valid: {', '.join(FAMILIES)}.")
    if len(texts) != y.size or np.unique(y).size < 2:
        raise InvalidInputError("Choosing a family needs as many labels as texts, of two kinds at least.")
    rng = np.random.default_rng(seed)
    rows = _sample(y, max_rows, rng)
    embedded = _embedded(texts, embeddings) if EMBEDDING_FAMILIES.intersection(candidates) else None
    skipped = {c: "HLOOP_EMBEDDINGS is none" for c in candidates if c in EMBEDDING_FAMILIES and embedded is None}
    usable = [c for c in candidates if c not in skipped]
    if not usable:
        raise InvalidInputError("Every candidate family needs embeddings, and HLOOP_EMBEDDINGS is none.")
    sub_y = y[rows]
    rarest = int(np.unique(y, return_counts=True)[1].min())
    if rarest < 2:  # a label with one example is never in a training fold and its own held-out fold at once
        few = FEW_LABELS_FAMILY if FEW_LABELS_FAMILY in usable else usable[0]
        reason = (
            f"{few}: a label has a single example, too few to compare the families by cross-validation; "
            f"{few} is the family for very few labels"
        )
        return FamilyChoice(few, {}, reason, 0, int(y.size), skipped, {}, int(y.size), int(np.unique(y).size))
    k = int(max(2, min(folds, sub_y.size)))
    assigned = fold_assignment(sub_y, k, rng)
    sub_texts: EmbeddedTexts | list[str] = embedded.subset(rows) if embedded is not None else [texts[i] for i in rows]
    probabilities = out_of_fold_probabilities(usable, sub_texts, sub_y, assigned, embeddings, seed)
    classes = np.unique(sub_y)
    scores = {c: float((classes[probabilities[c].argmax(axis=1)] == sub_y).mean()) for c in usable}
    positions = np.searchsorted(classes, sub_y)
    calibration = {c: round(calibration_error(probabilities[c], positions), 4) for c in usable}
    best = usable[0]
    for c in usable[1:]:
        if scores[c] > scores[best] + TIE:
            best = c
    runner = max((c for c in usable if c != best), key=lambda c: scores[c], default=None)
    against = "" if runner is None else f"; next best {runner} {scores[runner]:.3f}"
    reason = (
        f"{best} had the best mean accuracy, {scores[best]:.3f}, over {k} cross-validation folds of "
        f"{rows.size} training labels{against} (a later candidate must win by more than {TIE})"
    )
    return FamilyChoice(best, scores, reason, k, int(rows.size), skipped, calibration, int(y.size), int(classes.size))


RECHOOSE_GROWTH = 1.5  # the family is chosen again once the training labels grew by half since the last choice


def needs_new_choice(previous: FamilyChoice | None, rows: int, labels: int) -> bool:
    """Whether ``auto`` must compare the families again for ``rows`` training labels of ``labels`` kinds, or may
    keep ``previous`` (the choice costs seconds to minutes; between choices, retrains take the same family): no
    choice yet, a label set that changed, or ``RECHOOSE_GROWTH`` times the rows it was made on."""
    if previous is None:
        return True
    return labels != previous.labels or rows >= RECHOOSE_GROWTH * previous.training_rows
