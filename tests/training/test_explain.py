"""Explanations of every family: the words behind a prediction point the right way, and say their share."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import tiny_texts
from training.explain import explain_family
from training.families import fit_family

TEXTS, LABELS = tiny_texts(20, seed=7)


@pytest.mark.parametrize("family", ["tfidf-lr", "tfidf-cnb", "hybrid", "ensemble"])
@pytest.mark.parametrize("kinds", [2, 4])
def test_the_words_that_name_a_topic_push_towards_it(family, kinds):
    labels = [y if kinds == 4 else int(y == 1) for y in LABELS]
    model = fit_family(family, TEXTS, labels)
    for text, topic in (("goal season coach team", 1), ("shares profit market stocks", 2 if kinds == 4 else 0)):
        why = explain_family(model, family, text)
        assert why.predicted == topic == int(model.predict([text])[0])
        top = {c.feature: c.weight for c in why.contributions}
        assert top and all(weight > 0 for word, weight in top.items() if word in text.split()), top
        assert 0 < why.words_share <= 1


def test_the_hybrid_says_which_share_its_words_carry_and_embedding_families_have_no_words():
    hybrid = explain_family(fit_family("hybrid", TEXTS, LABELS), "hybrid", "goal season coach team")
    assert 0 < hybrid.words_share < 1 and hybrid.by_neighbours
    for family in ("embed-lr", "embed-centroid"):
        why = explain_family(fit_family(family, TEXTS, LABELS), family, "goal season coach team")
        assert why.contributions == [] and why.words_share == 0 and why.by_neighbours and why.predicted == 1


def test_the_tfidf_lr_words_are_todays_explanation():
    from training.pipeline import explain

    model = fit_family("tfidf-lr", TEXTS, LABELS)
    why = explain_family(model, "tfidf-lr", "shares profit goal")
    assert (why.predicted, why.contributions) == explain(model, "shares profit goal")
    assert np.isclose(why.words_share, 1.0) and not why.by_neighbours
