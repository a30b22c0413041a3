"""Why a model of any family predicted what it did: the words of its TF-IDF part, and how much of the decision
they carry. Families that decide by embeddings are explained by their nearest labelled texts instead, which the
services find (they hold the stored embeddings); ``FamilyExplanation.by_neighbours`` says when to.

- ``tfidf-lr``: ``training.pipeline.explain`` (tfidf(x) x (coef[predicted] - mean coef)), as before families.
- ``tfidf-cnb``: the same with ComplementNB's per-label term weights (``feature_log_prob_``) in place of coef.
- ``hybrid``: the same over its TF-IDF columns; ``words_share`` is the TF-IDF part's share of the predicted
  label's relative logit, |words| / (|words| + |embeddings|).
- ``ensemble``: the words of its tfidf-lr member; its TF-IDF members carry 2 of the 3 equal votes.
- ``embed-centroid``, ``embed-lr``: no words (``words_share`` 0); explained by neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline

from hloop.core.models import LEGACY_FAMILY
from training.families import ENSEMBLE_MEMBERS, AveragedProbabilities
from training.pipeline import Contribution, class_rows, explain, feature_names


@dataclass(frozen=True)
class FamilyExplanation:
    """The predicted class, the words behind it (signed), their share of the decision, and whether the nearest
    labelled texts should be shown as well (the decision rests partly or wholly on embeddings)."""

    predicted: int
    contributions: list[Contribution]
    words_share: float
    by_neighbours: bool


def _relative_words(vectorizer, weights: np.ndarray, classes: np.ndarray, predicted: int, text: str, top: int):
    """(word contributions, their sum) of ``text`` for ``predicted`` under per-class term ``weights``."""
    x = vectorizer.transform([text])
    row = int(np.flatnonzero(classes == predicted)[0])
    relative = weights[row] - weights.mean(axis=0) if weights.shape[0] > 1 else weights[0]
    contrib = x.data * relative[x.indices]
    order = np.argsort(-np.abs(contrib))[:top]
    names = feature_names(vectorizer)
    return [Contribution(str(names[x.indices[i]]), float(contrib[i])) for i in order], float(contrib.sum())


def explain_family(
    pipeline: Pipeline, family: str, text: str, top: int = 10, probabilities: np.ndarray | None = None
) -> FamilyExplanation:
    """The explanation of ``text``'s prediction by a fitted ``family`` pipeline (``probabilities``: its
    ``predict_proba`` row for ``text`` when the caller has it already)."""
    if probabilities is None:
        probabilities = pipeline.predict_proba([text])[0]
    classes = np.asarray(pipeline.classes_)
    predicted = int(classes[int(np.argmax(probabilities))])
    if family == LEGACY_FAMILY:
        _, contributions = explain(pipeline, text, top=top)
        return FamilyExplanation(predicted, contributions, 1.0, False)
    if family == "tfidf-cnb":
        clf = pipeline.named_steps["clf"]
        nb = clf.calibrated_classifiers_[0].estimator if isinstance(clf, CalibratedClassifierCV) else clf
        words, _ = _relative_words(pipeline.named_steps["tfidf"], nb.feature_log_prob_, classes, predicted, text, top)
        return FamilyExplanation(predicted, words, 1.0, False)
    if family == "hybrid":
        union, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
        tfidf, embed = union.transformer_list[0][1], union.transformer_list[1][1]
        weight = float((union.transformer_weights or {}).get("embed", 1.0))
        n_words = len(tfidf.vocabulary_)
        coef = class_rows(np.asarray(clf.coef_), classes.size)
        words, words_sum = _relative_words(tfidf, coef[:, :n_words], classes, predicted, text, top)
        row = int(np.flatnonzero(classes == predicted)[0])
        relative = coef[row, n_words:] - coef[:, n_words:].mean(axis=0)
        embedded = float(embed.transform([text])[0] @ relative) * weight
        total = abs(words_sum) + abs(embedded)
        return FamilyExplanation(predicted, words, abs(words_sum) / total if total else 0.0, True)
    if family == "ensemble":
        clf = pipeline.named_steps["clf"]
        assert isinstance(clf, AveragedProbabilities)
        member = clf.members_[list(ENSEMBLE_MEMBERS).index(LEGACY_FAMILY)]
        _, words = explain(member, text, top=top)
        tfidf_members = sum(1 for m in ENSEMBLE_MEMBERS if m.startswith("tfidf"))
        return FamilyExplanation(predicted, words, tfidf_members / len(ENSEMBLE_MEMBERS), True)
    return FamilyExplanation(predicted, [], 0.0, True)
