"""The simulation's per-step TF-IDF equals the product's vectorizer fitted on the same labelled texts."""

from __future__ import annotations

import numpy as np
import pytest

from hloop.experiments.features import featurize, fit_step
from training.pipeline import make_pipeline


@pytest.mark.parametrize("rows", [slice(0, 20), slice(0, 120, 3), [5, 80, 33, 101, 7, 64]])
def test_step_tfidf_equals_the_products_vectorizer(tiny_corpus, rows):
    features = featurize(tiny_corpus)
    picked = np.arange(len(tiny_corpus.train_texts))[rows]
    product = make_pipeline().named_steps["tfidf"].fit([tiny_corpus.train_texts[i] for i in picked])
    ours = fit_step(features, picked)
    assert ours.columns.size == len(product.vocabulary_)
    for texts, counts in ((tiny_corpus.train_texts, features.train), (tiny_corpus.eval_texts, features.eval)):
        expected = product.transform(list(texts)).toarray()
        np.testing.assert_allclose(ours.transform(counts).toarray(), expected, rtol=1e-12, atol=1e-12)
