"""Multi-label fitting: one binary model per label over a family's features, thresholds tuned on dev, sets decided
with at least one label unless the project allows none."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from hloop.core.errors import InvalidInputError
from training.multilabel import (
    LabelwiseClassifier,
    cross_fitted_f1,
    decide_sets,
    fit_multilabel_family,
    tune_thresholds,
)

WORDS = {0: "invoice refund charge", 1: "crash error traceback", 2: "button colour layout"}


def _corpus(n: int = 90, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Texts made of each of their labels' words (one to three labels each), with some filler."""
    rng = np.random.default_rng(seed)
    texts, rows = [], []
    for i in range(n):
        labels = {i % 3} | ({(i + 1) % 3} if i % 4 == 0 else set()) | ({(i + 2) % 3} if i % 9 == 0 else set())
        words = " ".join(WORDS[j].split()[rng.integers(3)] + " " + WORDS[j].split()[rng.integers(3)] for j in labels)
        texts.append(f"ticket {i} says {words} today")
        rows.append([j in labels for j in range(3)])
    return texts, np.array(rows)


@pytest.mark.parametrize("family", ["tfidf-lr", "tfidf-cnb", "hybrid", "ensemble"])
def test_each_family_learns_label_sets(family):
    texts, y = _corpus()
    embeddings = "wordllama" if family in ("hybrid", "ensemble") else "none"
    model = fit_multilabel_family(family, texts, y, embeddings=embeddings)
    probabilities = model.predict_proba(["ticket says refund invoice and crash error", "ticket about layout"])
    assert probabilities.shape == (2, 3) and ((0 <= probabilities) & (probabilities <= 1)).all()
    sets = decide_sets(probabilities, np.full(3, 0.5))
    assert sets[0].tolist() == [True, True, False], probabilities[0]
    assert sets[1].tolist() == [False, False, True], probabilities[1]


class Recorder(ClassifierMixin, BaseEstimator):
    """A binary estimator that keeps the sample weights it was given and predicts the positive rate."""

    def fit(self, X, y, sample_weight=None):
        self.classes_, self.weights_, self.rate_ = np.unique(y), sample_weight, float(np.mean(y))
        return self

    def predict_proba(self, X):
        return np.tile([1 - self.rate_, self.rate_], (X.shape[0], 1))


def test_sample_weights_reach_every_label_and_constant_labels_need_no_model():
    X = np.zeros((4, 2))
    Y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1]])
    weights = np.array([1.0, 0.5, 2.0, 1.0])
    model = LabelwiseClassifier(Recorder()).fit(X, Y, sample_weight=weights)
    assert model.estimators_[1] is None and model.estimators_[2] is None  # no text has label 1; every text label 2
    assert model.estimators_[0].weights_ is weights
    assert model.predict_proba(X[:1]).tolist() == [[0.5, 0.0, 1.0]]
    with pytest.raises(InvalidInputError, match="indicator matrix"):
        LabelwiseClassifier(Recorder()).fit(X, Y[:, 0])


def test_a_label_too_rare_to_calibrate_is_fitted_uncalibrated():
    texts, y = _corpus()
    y = np.column_stack([y, np.arange(len(texts)) == 5])  # a fourth label on one text only
    model = fit_multilabel_family("tfidf-cnb", texts, y, embeddings="none")
    assert model.predict_proba(texts[:3]).shape == (3, 4)


def test_thresholds_are_tuned_per_label_and_keep_half_without_evidence():
    probabilities = np.array([[0.9, 0.2, 0.3], [0.3, 0.25, 0.6], [0.35, 0.1, 0.2], [0.2, 0.22, 0.9]])
    truth = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]], dtype=bool)
    thresholds = tune_thresholds(probabilities, truth)
    assert thresholds[0] == 0.35  # 0.325 and 0.35 both separate 0.35, 0.9 (true) from 0.3, 0.2: the one nearer 0.5
    assert thresholds[1] == 0.2  # of 0.125-0.2, all separating
    assert thresholds[2] == 0.5  # no dev text has label 2
    assert (decide_sets(probabilities, thresholds)[:, :2] == truth[:, :2]).all()
    with pytest.raises(InvalidInputError, match="one \\(n, k\\) shape"):
        tune_thresholds(probabilities, truth[:, :2])


def test_a_text_below_every_threshold_gets_its_top_label_unless_empty_sets_are_allowed():
    probabilities = np.array([[0.2, 0.4, 0.1], [0.9, 0.8, 0.1]])
    assert decide_sets(probabilities, np.full(3, 0.5)).tolist() == [[False, True, False], [True, True, False]]
    assert decide_sets(probabilities, np.full(3, 0.5), allow_empty=True)[0].tolist() == [False, False, False]


def test_cross_fitted_f1_scores_thresholds_on_texts_they_were_not_tuned_on():
    rng = np.random.default_rng(0)
    truth = rng.random((200, 4)) < 0.3
    truth[~truth.any(axis=1), 0] = True  # every text has a label, as the top-label rule assumes
    separable = np.where(truth, 0.7, 0.2) + rng.random(truth.shape) * 0.05
    assert cross_fitted_f1(separable, truth) == 1.0
    noise = rng.random(truth.shape)
    assert cross_fitted_f1(noise, truth) < 0.6
