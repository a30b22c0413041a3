"""The model: TF-IDF (1-2 grams, sublinear tf) + multinomial LogisticRegression (saga), and its explanations."""

from __future__ import annotations

import hashlib
import html
import re
import sys
import time
import unicodedata
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from hloop.core.errors import InvalidInputError
from training import linear_parts
from training.embeddings import as_input

HYPERPARAMETERS: dict = {
    "tfidf__ngram_range": (1, 2),
    "tfidf__sublinear_tf": True,
    "tfidf__min_df": 1,
    "tfidf__dtype": "float64",  # float32 fits faster but its probabilities sum to 1 only to ~1e-7
    "clf__C": 10.0,
    "clf__solver": "saga",
    "clf__tol": 3e-3,  # 23 saga epochs instead of 33 on 10,000 rows; test accuracy within 0.0005 of 1e-3
    "clf__max_iter": 1000,
}
# the vectorizer's own default token pattern, reused to find highlighted words in the original text
TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")


class VocabularyTfidfVectorizer(TfidfVectorizer):
    """The vectorizer type named in model files saved before 2026-11-28; exactly ``TfidfVectorizer``.

    It once overrode two private scikit-learn methods to fit faster; that is gone (the project uses libraries
    through their public API only), and the class stays so those files still load.
    """


_TEMPLATE = Pipeline(
    [
        ("tfidf", TfidfVectorizer(token_pattern=TOKEN_PATTERN.pattern)),
        ("clf", LogisticRegression()),
    ]
)


def make_pipeline(random_state: int = 0, **overrides) -> Pipeline:
    """A fresh, unfitted pipeline with our hyperparameters (and any overrides)."""
    params = {**HYPERPARAMETERS, **overrides}
    params["tfidf__dtype"] = np.dtype(params["tfidf__dtype"]).type
    params["tfidf__ngram_range"] = tuple(params["tfidf__ngram_range"])
    return clone(_TEMPLATE).set_params(clf__random_state=random_state, **params)


@lru_cache(maxsize=1)
def _tokens_of() -> Callable[[str], list[str]]:
    """The product vectorizer's own preprocessing and tokenizer (and stop words, if it has any)."""
    vectorizer = make_pipeline().named_steps["tfidf"]
    preprocess, tokenize, stop = (
        vectorizer.build_preprocessor(),
        vectorizer.build_tokenizer(),
        vectorizer.get_stop_words(),
    )
    if not stop:
        return lambda text: tokenize(preprocess(text))
    return lambda text: [t for t in tokenize(preprocess(text)) if t not in stop]


@lru_cache(maxsize=1)
def _invisible() -> dict[int, None]:
    """Unicode format characters (zero-width space, word joiner, soft hyphen, BOM, ...): drawn as nothing."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}


def _as_read(text: str) -> str:
    """The text as a reader sees it: HTML entities decoded (twice-escaped too), compatibility forms folded,
    invisible format characters removed, case folded."""
    for _ in range(3):
        if "&" not in text:
            break
        text = html.unescape(text)
    if text.isascii():  # most texts: no compatibility forms, no format characters
        return text.casefold()
    return unicodedata.normalize("NFKC", text).translate(_invisible()).casefold()


def document_key(text: str) -> str:
    """The key two texts share when the model's vectorizer reads them as the same document: the sequence of
    its tokens (so punctuation, case, spacing, invisible characters and HTML escaping do not count). What the
    eval and dev guards compare. A text without any token is keyed by its collapsed characters instead, so
    tokenless texts (``"?"``, ``"!!"``) are not all one document."""
    read = _as_read(text)
    tokens = _tokens_of()(read)
    body = " ".join(tokens) if tokens else "\x00" + " ".join(read.split())
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class FitResult:
    """A fitted pipeline with how long it took and whether the solver converged."""

    pipeline: Pipeline
    seconds: float
    converged: bool


def fit_pipeline(
    texts: Sequence[str],
    labels: Sequence[int],
    sample_weight: Sequence[float] | None = None,
    random_state: int = 0,
) -> FitResult:
    """Fit a fresh pipeline on raw texts; every class needs at least one example."""
    y = np.asarray(labels, dtype=np.int64)
    if len(texts) != y.shape[0] or y.shape[0] == 0:
        raise InvalidInputError(
            f"Need as many labels as texts, and at least one ({len(texts)} texts, {y.shape[0]} labels)."
        )
    if np.unique(y).size < 2:
        raise InvalidInputError(
            f"Training needs labels of at least two different kinds; all {y.shape[0]} labelled texts have the same "
            "label. Label some texts of other labels first."
        )
    pipeline = make_pipeline(random_state)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        pipeline.fit(list(texts), y, clf__sample_weight=weights)
    seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return FitResult(pipeline, seconds, converged)


def full_probabilities(pipeline: Pipeline, texts: Sequence[str], n_labels: int) -> np.ndarray:
    """predict_proba with one column per label of the project (a label the model never saw gets 0)."""
    out = np.zeros((len(texts), n_labels))
    if len(texts):
        out[:, pipeline.classes_] = linear_parts.predict_proba(pipeline, as_input(texts))
    return out


@dataclass(frozen=True)
class Contribution:
    """How much one feature (word or word pair) pushed the prediction toward ``label`` (signed)."""

    feature: str
    weight: float


def class_rows(coef: np.ndarray, n_classes: int) -> np.ndarray:
    """One row of per-feature weights per class: a two-class linear model's single row ``w`` as (-w/2, w/2),
    the same logit difference split evenly, so every class has a row to explain."""
    if coef.shape[0] == 1 and n_classes == 2:
        return np.vstack([-coef[0], coef[0]]) / 2
    return coef


_FEATURE_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feature_names(vectorizer) -> np.ndarray:
    """``vectorizer.get_feature_names_out()``, built once per fitted vocabulary (it sorts the whole vocabulary,
    about 10 ms for 100,000 n-grams, which every explanation would pay again)."""
    kept = _FEATURE_NAMES.get(vectorizer)
    if kept is None or kept[0] is not vectorizer.vocabulary_:  # a refit makes a new vocabulary
        kept = (vectorizer.vocabulary_, vectorizer.get_feature_names_out())
        _FEATURE_NAMES[vectorizer] = kept
    return kept[1]


def explain(pipeline: Pipeline, text: str, top: int = 10) -> tuple[int, list[Contribution]]:
    """The predicted class and the features that pushed toward it (positive) or away from it (negative).

    A feature's contribution is tfidf(x) * (coef[predicted] - mean coef over classes): the part of the
    predicted class's logit, relative to the average class, that this feature supplies (two classes: half the
    logit difference each way, see ``class_rows``).
    """
    vectorizer, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
    x = vectorizer.transform([text])
    predicted = int(clf.classes_[int(np.argmax(clf.predict_proba(x)[0]))])
    row = int(np.flatnonzero(clf.classes_ == predicted)[0])
    coef = class_rows(np.asarray(clf.coef_), len(clf.classes_))
    relative = coef[row] - coef.mean(axis=0)
    idx = x.indices
    contrib = x.data * relative[idx]
    order = np.argsort(-np.abs(contrib))[:top]
    names = feature_names(vectorizer)
    return predicted, [Contribution(str(names[idx[i]]), float(contrib[i])) for i in order]


def highlight(text: str, contributions: Sequence[Contribution]) -> list[tuple[str, float | None]]:
    """Split ``text`` into spans for ``gr.HighlightedText``: each word scored by the features it is in."""
    per_word: dict[str, float] = {}
    for c in contributions:
        parts = c.feature.split(" ")
        for word in parts:
            per_word[word] = per_word.get(word, 0.0) + c.weight / len(parts)
    spans: list[tuple[str, float | None]] = []
    cursor = 0
    for match in TOKEN_PATTERN.finditer(text):
        score = per_word.get(match.group(0).lower())
        if score is None:
            continue
        if match.start() > cursor:
            spans.append((text[cursor : match.start()], None))
        spans.append((match.group(0), round(score, 4)))
        cursor = match.end()
    if cursor < len(text):
        spans.append((text[cursor:], None))
    return spans
