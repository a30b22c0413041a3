"""Features for the simulation: the product's TF-IDF, exactly, without re-tokenizing every step.

The product fits a fresh TF-IDF vectorizer on the labelled texts of each version. Tokenizing 17,600 texts 615
times is what made a simulation slow, so the texts are tokenized ONCE into term counts (the vocabulary of the
train split's texts: seed + pool, never an eval text), and each step rebuilds the product's vectorizer from
those counts: the vocabulary is the terms of the labelled rows, idf comes from their document frequencies,
then sublinear tf, idf and l2 normalisation, as ``TfidfVectorizer`` does. The result equals the product's
vectorizer fitted on the labelled texts (``tests/simulation/test_features.py`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from hloop.core.errors import InvalidInputError
from hloop.data.corpus import Corpus
from hloop.data.splits import kept_train_rows
from training.pipeline import document_key, make_pipeline


@dataclass(frozen=True)
class Features:
    """Term counts of the train and eval splits (one tokenization), and which train rows the store keeps."""

    train: sparse.csr_matrix
    eval: sparse.csr_matrix
    eval_labels: np.ndarray
    usable: np.ndarray  # train rows the store would keep: non-empty, not an eval text, first of repeats
    params: dict  # the product vectorizer's idf/tf/norm/df settings
    n_labels: int
    vocabulary: dict | None = None  # term -> column of the counts (to read a fitted vectorizer's columns)


def usable_rows(corpus: Corpus) -> np.ndarray:
    """Train rows the label store keeps (as ``Services.ensure_store`` does): eval repeats and duplicates go."""
    return kept_train_rows(corpus.train_texts, corpus.eval_texts, corpus.train_labels, document_key)


def fit_vectorizer(corpus: Corpus, usable: np.ndarray):
    """The product's vectorizer turned into a term counter, fitted on the usable train texts only."""
    counter = make_pipeline().named_steps["tfidf"].set_params(use_idf=False, norm=None, sublinear_tf=False)
    return counter.fit([corpus.train_texts[i].strip() for i in usable])


def featurize(corpus: Corpus) -> Features:
    """Count the terms of both splits once, with the vocabulary of the usable train texts."""
    tfidf = make_pipeline().named_steps["tfidf"]
    params = {
        k: tfidf.get_params()[k]
        for k in ("smooth_idf", "sublinear_tf", "norm", "use_idf", "min_df", "max_df", "max_features")
    }
    if params["max_features"] is not None:
        raise InvalidInputError("The cached engine cannot mirror max_features; use --engine services.")
    usable = usable_rows(corpus)
    counter = fit_vectorizer(corpus, usable)
    train = counter.transform([t.strip() for t in corpus.train_texts]).tocsr()
    evaluated = counter.transform([t.strip() for t in corpus.eval_texts]).tocsr()
    labels = np.asarray(corpus.eval_labels, dtype=np.int64)
    return Features(train, evaluated, labels, usable, params, len(corpus.label_set), counter.vocabulary_)


@dataclass(frozen=True)
class StepVectorizer:
    """The product's TF-IDF as fitted on some train rows: kept columns (vocabulary) and their idf."""

    columns: np.ndarray
    idf: np.ndarray | None
    sublinear_tf: bool
    norm: str | None

    def transform(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """TF-IDF rows for term-count rows."""
        x = counts[:, self.columns].tocsr()
        x.data = x.data.astype(np.float64, copy=True)
        if self.sublinear_tf:
            np.log(x.data, out=x.data)
            x.data += 1.0
        if self.idf is not None:
            x.data *= self.idf[x.indices]
        return normalize(x, norm=self.norm, copy=False) if self.norm else x


def fit_step(features: Features, rows: np.ndarray) -> StepVectorizer:
    """What ``TfidfVectorizer.fit`` learns from the texts of ``rows``: their vocabulary (after min/max_df) and idf."""
    p = features.params
    n = rows.size
    df = np.bincount(features.train[rows].indices, minlength=features.train.shape[1])
    low = p["min_df"] if isinstance(p["min_df"], int) else int(np.ceil(p["min_df"] * n))
    high = p["max_df"] if isinstance(p["max_df"], int) else int(np.floor(p["max_df"] * n))
    columns = np.flatnonzero((df >= max(low, 1)) & (df <= high))
    idf = None
    if p["use_idf"]:
        smooth = int(p["smooth_idf"])
        idf = np.log((n + smooth) / (df[columns] + smooth)) + 1.0
    return StepVectorizer(columns, idf, p["sublinear_tf"], p["norm"])
