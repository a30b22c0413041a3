"""TF-IDF rows rebuilt from kept tokens are the fitted vectorizer's own rows, for every setting it accepts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from tests.conftest import corpus_of
from training.families import fit_family
from training.pipeline import make_pipeline
from training.token_counts import (
    KeptTokensTfidf,
    Tokens,
    kept_steps,
    kept_tokens_steps,
    reading,
    tokenize,
    with_tokens,
)

TEXTS = [
    "prices of oil",  # with the next text: "oil stocks", a fitted 2-gram that spans two texts (never counted)
    "stocks rally again",
    "Stocks rally as oil falls; oil falls again",
    "the the the THE The",
    "",
    "?!",
    "one",
    "Café crème at the Café: naïve résumé",
    "Ünïcödé wörds and 日本語 text mixed",
    "repeated repeated repeated words words",
    "a b c d e f",  # single letters: no token at all under the default pattern
    "New York New York New York",
]
FIT = [*TEXTS[:6], "oil stocks rally again", "new york stocks the", "words and text"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ngram_range": (1, 2), "sublinear_tf": True},
        {"ngram_range": (1, 3), "lowercase": False},
        {"ngram_range": (2, 3), "norm": "l1", "use_idf": False},
        {"ngram_range": (1, 2), "strip_accents": "unicode", "norm": None, "smooth_idf": False},
        {"ngram_range": (1, 2), "min_df": 2, "dtype": np.float32},
    ],
)
def test_rows_from_kept_tokens_equal_the_vectorizers_own(params):
    vectorizer = TfidfVectorizer(**params).fit(FIT)
    assert reading(vectorizer) is not None
    kept = KeptTokensTfidf(vectorizer)
    own = vectorizer.transform(TEXTS)
    rebuilt = kept.transform(with_tokens(TEXTS, tokenize(TEXTS, vectorizer)))
    assert rebuilt.dtype == own.dtype and rebuilt.shape == own.shape
    assert (own != rebuilt).nnz == 0, "the same numbers, bit for bit"
    assert kept.transform(TEXTS).nnz == own.nnz, "plain texts are tokenized as usual"


@pytest.mark.parametrize(
    "params",
    [
        {"analyzer": "char"},
        {"ngram_range": (1, 4)},
        {"stop_words": "english"},
        {"token_pattern": r"\S+"},
        {"tokenizer": str.split, "token_pattern": None},
    ],
)
def test_vectorizers_whose_ngrams_cannot_be_rebuilt_are_left_as_they_are(params):
    vectorizer = TfidfVectorizer(**params).fit(FIT)
    assert reading(vectorizer) is None
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        KeptTokensTfidf(vectorizer)
    pipeline = make_pipeline().set_params(**{f"tfidf__{k}": v for k, v in params.items()}).fit(FIT, [0, 1] * 4 + [0])
    assert not kept_steps(kept_tokens_steps(pipeline))


def test_tokens_join_and_take_keep_each_texts_tokens():
    vectorizer = TfidfVectorizer().fit(FIT)
    tokens = tokenize(TEXTS, vectorizer)
    assert len(tokens) == len(TEXTS)
    order = np.array([3, 0, 9, 2])
    taken = tokens.take(order)
    for row, i in enumerate(order):
        mine = taken.hashes[taken.offsets[row] : taken.offsets[row + 1]]
        theirs = tokens.hashes[tokens.offsets[i] : tokens.offsets[i + 1]]
        assert mine.tolist() == theirs.tolist()
    joined = Tokens.join([tokens.take(np.array([1])), tokens.take(np.array([0]))])
    assert joined.hashes.tolist() == tokens.take(np.array([1, 0])).hashes.tolist()
    assert len(Tokens.join([])) == 0


@pytest.mark.parametrize("family", ["tfidf-lr", "tfidf-cnb", "ensemble", "hybrid"])
def test_every_tfidf_family_predicts_the_same_from_kept_tokens(family):
    corpus = corpus_of(8)
    texts, labels = list(corpus.train_texts), corpus.train_labels
    model = fit_family(family, texts, labels)
    pool = list(corpus.eval_texts) + TEXTS
    own = model.predict_proba(pool)
    steps = kept_steps(kept_tokens_steps(model))
    assert steps and len({id(s) for s in steps}) == 1, "one kept-tokens step, shared by the members that share one"
    again = model.predict_proba(with_tokens(pool, tokenize(pool, steps[0].fitted)))
    np.testing.assert_allclose(again, own, rtol=0, atol=1e-12)
    assert kept_steps(kept_tokens_steps(model)) == steps, "replacing again changes nothing"
