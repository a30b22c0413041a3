"""The model: a fresh pipeline per fit, probabilities, explanations and highlights."""

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError
from training.pipeline import explain, fit_pipeline, full_probabilities, highlight, make_pipeline


def test_predict_proba_rows_sum_to_one_in_label_order(fitted):
    probs = fitted.predict_proba(["shares profit market investors", "goal match coach team"])
    assert probs.shape == (2, 4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert fitted.classes_.tolist() == [0, 1, 2, 3]
    assert probs.argmax(axis=1).tolist() == [2, 1]


def test_make_pipeline_is_fresh_each_time():
    a, b = make_pipeline(), make_pipeline()
    assert a is not b and a.named_steps["clf"] is not b.named_steps["clf"]
    assert not hasattr(a.named_steps["clf"], "coef_")


def test_same_data_and_seed_give_the_same_model():
    from tests.conftest import tiny_texts

    texts, labels = tiny_texts(10, seed=4)
    a = fit_pipeline(texts, labels, random_state=3).pipeline
    b = fit_pipeline(texts, labels, random_state=3).pipeline
    np.testing.assert_array_equal(a.named_steps["clf"].coef_, b.named_steps["clf"].coef_)


def test_sample_weights_change_the_fit():
    from tests.conftest import tiny_texts

    texts, labels = tiny_texts(10, seed=5)
    base = fit_pipeline(texts, labels).pipeline.named_steps["clf"].coef_
    weights = np.where(np.arange(len(texts)) % 2 == 0, 5.0, 1.0)
    weighted = fit_pipeline(texts, labels, weights).pipeline.named_steps["clf"].coef_
    assert not np.allclose(base, weighted)


def test_training_needs_two_kinds_of_label():
    with pytest.raises(InvalidInputError, match="at least two different kinds"):
        fit_pipeline(["a goal", "a war"], [1, 1])


def test_a_label_without_examples_gets_probability_zero():
    fit = fit_pipeline(["a goal", "a war", "goal again"], [1, 3, 1])
    probs = full_probabilities(fit.pipeline, ["goal"], 5)
    assert probs.shape == (1, 5) and probs[0, [0, 2, 4]].tolist() == [0, 0, 0]
    assert np.isclose(probs.sum(), 1.0) and probs[0, 1] > probs[0, 3]


def test_explain_names_the_words_that_pushed_the_prediction(fitted):
    predicted, contributions = explain(fitted, "shares profit market with the coach")
    assert predicted == 2
    top = [c.feature for c in contributions[:3]]
    assert {"shares", "profit", "market"} & set(top)
    assert all(c.weight > 0 for c in contributions if c.feature in ("shares", "profit", "market"))
    coach = [c.weight for c in contributions if c.feature == "coach"]
    assert coach and coach[0] < 0, "a word of another label pushes away"
    weights = [abs(c.weight) for c in contributions]
    assert weights == sorted(weights, reverse=True)


def test_highlight_covers_the_text_exactly(fitted):
    text = "Shares  rally; <b>profit</b> up!"
    _label, contributions = explain(fitted, text)
    spans = highlight(text, contributions)
    assert "".join(s for s, _ in spans) == text
    scored = {s: score for s, score in spans if score is not None}
    assert "Shares" in scored and "profit" in scored
