"""The hybrid's probabilities part by part: the same as scikit-learn's, without joining the features."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from tests.conftest import tiny_texts
from training import linear_parts
from training.families import fit_family
from training.pipeline import full_probabilities


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[int], list[str]]:
    texts, labels = tiny_texts(15, seed=3)
    return texts, labels, tiny_texts(6, seed=4)[0]


@pytest.mark.parametrize("classes", [4, 2])
def test_hybrid_part_by_part_equals_the_joined_features(data, classes):
    texts, labels, test_texts = data
    kept = [i for i, y in enumerate(labels) if y < classes]
    model = fit_family("hybrid", [texts[i] for i in kept], [labels[i] for i in kept])
    np.testing.assert_allclose(
        linear_parts.predict_proba(model, test_texts), model.predict_proba(test_texts), rtol=0, atol=1e-12
    )


def test_the_union_is_never_joined(data, monkeypatch):
    texts, labels, test_texts = data
    model = fit_family("hybrid", texts, labels)
    expected = model.predict_proba(test_texts)
    union = model.steps[0][1]

    def joined(*_args, **_kwargs):
        raise AssertionError("the features were joined")

    monkeypatch.setattr(union, "transform", joined)
    np.testing.assert_allclose(linear_parts.predict_proba(model, test_texts), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(linear_parts.predict(model, test_texts), model.classes_[expected.argmax(axis=1)])
    assert full_probabilities(model, test_texts, 5).shape == (len(test_texts), 5)  # the eval path takes it too


def test_other_models_keep_their_own_predict_proba(data):
    texts, labels, test_texts = data
    for family in ("tfidf-lr", "embed-lr", "ensemble"):
        model = fit_family(family, texts, labels)
        np.testing.assert_array_equal(linear_parts.predict_proba(model, test_texts), model.predict_proba(test_texts))
        np.testing.assert_array_equal(linear_parts.predict(model, test_texts), model.predict(test_texts))


class OneVersusRest(LogisticRegression):
    """A linear model whose probabilities are not the softmax of its decision (as an older or newer library's
    might be)."""

    def predict_proba(self, X):
        scores = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return scores / scores.sum(axis=1, keepdims=True)


def test_a_model_that_makes_probabilities_differently_gets_its_own_path(data):
    texts, labels, test_texts = data
    model = fit_family("hybrid", texts, labels)
    fitted = model.steps[1][1]
    other = OneVersusRest(C=fitted.C)
    other.coef_, other.intercept_, other.classes_ = fitted.coef_, fitted.intercept_, fitted.classes_
    model.steps[1] = ("clf", other)
    expected = model.predict_proba(test_texts)
    assert not np.allclose(expected, fitted.predict_proba(model.steps[0][1].transform(test_texts)))
    np.testing.assert_array_equal(linear_parts.predict_proba(model, test_texts), expected)
