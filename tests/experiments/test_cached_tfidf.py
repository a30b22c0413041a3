"""A fitted family's TF-IDF read from the run's cached counts gives the numbers of tokenizing the texts again."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from hloop.experiments.cached_tfidf import CountsTfidf, RowTexts, read_counts
from hloop.experiments.models import family_texts
from training.families import fit_family


def tfidf_steps(estimator) -> list:
    found = []
    for value in vars(estimator).values():
        for item in value if isinstance(value, list) else [value]:
            step = item[1] if isinstance(item, tuple) else item
            if isinstance(step, CountsTfidf):
                found.append(step)
            elif hasattr(step, "get_params") and not isinstance(step, np.ndarray):
                found += tfidf_steps(step)
    return found


@pytest.mark.parametrize(("family", "steps"), [("tfidf-lr", 1), ("tfidf-cnb", 1), ("hybrid", 1), ("ensemble", 2)])
def test_counts_give_the_tokenized_probabilities(tiny_corpus, tiny_features, family, steps):
    texts = family_texts(tiny_corpus, "wordllama")
    rows = tiny_features.usable[::2]
    labels = np.asarray(tiny_corpus.train_labels)[rows]
    fitted = fit_family(family, texts.rows(rows), labels, random_state=0)
    expected_eval = fitted.predict_proba(list(texts.eval))
    pool = tiny_features.usable[1::2]
    expected_pool = fitted.predict_proba([texts.train[i] for i in pool])
    fast = read_counts(copy.deepcopy(fitted), tiny_features)
    assert len(tfidf_steps(fast)) == steps, "every TF-IDF step reads the counts"
    np.testing.assert_allclose(fast.predict_proba(RowTexts(texts.eval, "eval", None)), expected_eval, atol=1e-12)
    np.testing.assert_allclose(fast.predict_proba(RowTexts(texts.rows(pool), "train", pool)), expected_pool, atol=1e-12)
    np.testing.assert_allclose(
        fast.predict_proba(list(texts.eval)), expected_eval, atol=1e-12
    )  # plain texts: tokenized
