"""The faster vectorizer must give exactly what scikit-learn's TfidfVectorizer gives."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from tests.conftest import tiny_texts
from training.pipeline import VocabularyTfidfVectorizer


@pytest.mark.parametrize(
    "params",
    [
        {"ngram_range": (1, 2), "sublinear_tf": True},
        {"ngram_range": (1, 2), "min_df": 2},
        {"ngram_range": (1, 1), "max_df": 0.5},
        {"ngram_range": (1, 2), "max_features": 30},
    ],
)
def test_same_vocabulary_and_matrix_as_tfidf_vectorizer(params):
    texts, _labels = tiny_texts(15, seed=7)
    texts += ["Zebra ÅLAND naïve café", "a b c"]  # non-ASCII terms sort by code point in both
    ours, theirs = VocabularyTfidfVectorizer(**params), TfidfVectorizer(**params)
    x_ours, x_theirs = ours.fit_transform(texts), theirs.fit_transform(texts)
    assert ours.vocabulary_ == theirs.vocabulary_
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    assert (x_ours != x_theirs).nnz == 0
    probe = ["market shares goal", "unseen words only"]
    assert (ours.transform(probe) != theirs.transform(probe)).nnz == 0
