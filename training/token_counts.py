"""A fitted TF-IDF step that reads texts' kept tokens instead of tokenizing them again.

Rescoring a big pool under each new version was almost all tokenizing: the same texts, the same tokens, each
time. A text's tokens depend only on the text and the vectorizer's reading settings (preprocessing, token
pattern), never on a version, so they are kept once (``token_store``) as 64-bit hashes, one per token, and a
version's TF-IDF rows are rebuilt from them: each n-gram of a text is the hash of its tokens' hashes, the fitted
vocabulary's terms are hashed the same way, and a text's counts are those of its n-grams found in the vocabulary;
then sublinear tf, idf and the norm, as ``TfidfVectorizer`` does (``tests/training/test_token_counts.py`` checks
the numbers are the vectorizer's own). Two different terms sharing a 64-bit hash is the only way to differ; among
ten million terms, the chance that any two do is about 3 in a million.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize

from training.embeddings import EmbeddedTexts
from training.families import AveragedProbabilities

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # tokens of word characters only: never a space
MAX_N = 3  # longest n-gram rebuilt from tokens; a vectorizer reading longer ones tokenizes as usual
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier that spreads the previous tokens' hash
_SALT = np.uint64(0xD6E8FEB86659FD93)


@dataclass(frozen=True)
class Tokens:
    """The tokens of ``n`` texts: text ``i``'s hashes are ``hashes[offsets[i]:offsets[i + 1]]``."""

    offsets: np.ndarray  # int64, n + 1, ascending, offsets[0] == 0
    hashes: np.ndarray  # uint64

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    @classmethod
    def join(cls, parts: Sequence[Tokens]) -> Tokens:
        """The texts of ``parts`` one after another."""
        if not parts:
            return cls(np.zeros(1, np.int64), np.zeros(0, np.uint64))
        starts = np.cumsum([0] + [p.hashes.size for p in parts[:-1]])
        offsets = [parts[0].offsets[:1]] + [p.offsets[1:] + s for p, s in zip(parts, starts, strict=True)]
        return cls(np.concatenate(offsets).astype(np.int64), np.concatenate([p.hashes for p in parts]))

    def take(self, rows: np.ndarray) -> Tokens:
        """The texts at positions ``rows``, in that order."""
        starts, ends = self.offsets[rows], self.offsets[np.asarray(rows) + 1]
        lengths = ends - starts
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        at = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        return Tokens(offsets, np.asarray(self.hashes[at], dtype=np.uint64))


def reading(vectorizer: TfidfVectorizer) -> dict | None:
    """The settings that decide a vectorizer's tokens, when its n-grams can be rebuilt from kept tokens (word
    n-grams up to ``MAX_N``, its own preprocessor and tokenizer, the default token pattern, no stop words); None
    otherwise."""
    p = vectorizer.get_params()
    low, high = p["ngram_range"]
    if p["analyzer"] != "word" or p["preprocessor"] is not None or p["tokenizer"] is not None:
        return None
    if p["stop_words"] is not None or p["input"] != "content" or not 1 <= low <= high <= MAX_N:
        return None
    if p["token_pattern"] != DEFAULT_TOKEN_PATTERN:  # another pattern's tokens may hold the space n-grams join on
        return None
    return {"lowercase": bool(p["lowercase"]), "strip_accents": p["strip_accents"], "token_pattern": p["token_pattern"]}


def hash_words(words: Sequence[str]) -> np.ndarray:
    """uint64 hashes of ``words`` (the same in every process): each distinct word is hashed once."""
    if not len(words):
        return np.zeros(0, np.uint64)
    codes, uniques = pd.factorize(pd.Series(words, dtype=object), sort=False)
    digests = b"".join(hashlib.blake2b(w.encode("utf-8", "surrogatepass"), digest_size=8).digest() for w in uniques)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)[codes]


def tokenize(texts: Sequence[str], vectorizer: TfidfVectorizer) -> Tokens:
    """The hashed tokens of ``texts`` as ``vectorizer`` reads them (its preprocessor, then its tokenizer)."""
    preprocess, split = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
    lists = [split(preprocess(text)) for text in texts]
    lengths = np.fromiter((len(t) for t in lists), dtype=np.int64, count=len(lists))
    words = [w for tokens in lists for w in tokens]
    return Tokens(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), hash_words(words))


def _fold(keys: np.ndarray, following: np.ndarray, n: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (keys * _MIX + following) ^ (_SALT * np.uint64(n))


def ngram_keys(tokens: Tokens, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """(text row, key) of every ``low..high``-gram of every text, in the vectorizer's order within a text."""
    text_of = np.repeat(np.arange(len(tokens)), np.diff(tokens.offsets))
    rows, keys = [], []
    for n in range(low, high + 1):
        if tokens.hashes.size < n:
            continue
        starts = np.arange(tokens.hashes.size - n + 1)
        inside = text_of[starts] == text_of[starts + n - 1]  # the n tokens belong to one text
        key = tokens.hashes[starts]
        for j in range(1, n):
            key = _fold(key, tokens.hashes[starts + j], j)
        rows.append(text_of[starts[inside]])
        keys.append(key[inside])
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    return np.concatenate(rows), np.concatenate(keys)


def term_keys(terms: Sequence[str]) -> np.ndarray:
    """The key of each vocabulary term ("w1 w2" is a 2-gram), as ``ngram_keys`` makes it from a text's tokens."""
    parts = [term.split(" ") for term in terms]
    hashes = hash_words([w for words in parts for w in words])
    lengths = np.fromiter((len(words) for words in parts), dtype=np.int64, count=len(parts))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    keys = hashes[starts] if len(parts) else np.zeros(0, np.uint64)
    for j in range(1, int(lengths.max(initial=1))):
        longer = lengths > j
        keys[longer] = _fold(keys[longer], hashes[starts[longer] + j], j)
    return keys


class TokenizedTexts(list):
    """Texts (a list) with their kept ``tokens``, for a pipeline whose TF-IDF steps are ``KeptTokensTfidf``."""

    def __init__(self, texts: Sequence[str], tokens: Tokens) -> None:
        super().__init__(texts)
        self.tokens = tokens


class TokenizedEmbeddedTexts(EmbeddedTexts):
    """``EmbeddedTexts`` with their kept ``tokens`` too (for the hybrid and the ensemble)."""

    def __init__(self, texts: EmbeddedTexts, tokens: Tokens) -> None:
        super().__init__(texts.texts, texts.vectors, texts.identity)
        self.tokens = tokens


def with_tokens(inputs: Sequence[str], tokens: Tokens) -> Sequence[str]:
    """``inputs`` (texts, or ``EmbeddedTexts``) carrying ``tokens`` for a ``KeptTokensTfidf`` to read."""
    if len(tokens) != len(inputs):
        raise ValueError(f"{len(inputs)} texts given {len(tokens)} texts' tokens")
    if isinstance(inputs, EmbeddedTexts):
        return TokenizedEmbeddedTexts(inputs, tokens)
    return TokenizedTexts(inputs, tokens)


class KeptTokensTfidf(TransformerMixin, BaseEstimator):
    """A fitted ``TfidfVectorizer`` that builds the TF-IDF rows of texts carrying kept tokens from those tokens
    (other input: tokenized by the vectorizer as usual). The last input's rows are kept, so the members of an
    ensemble that share one vectorizer build them once."""

    def __init__(self, fitted: TfidfVectorizer) -> None:
        read = reading(fitted)
        if read is None:
            raise ValueError("this vectorizer's n-grams cannot be rebuilt from kept tokens")
        self.fitted, self.reading = fitted, read
        keys = term_keys(list(fitted.vocabulary_))
        self._index = pd.Index(keys)
        self._columns = np.fromiter(fitted.vocabulary_.values(), dtype=np.int64, count=len(keys))
        self._last: tuple[object, sparse.csr_matrix] | None = None

    def transform(self, X: Sequence[str]):
        tokens = getattr(X, "tokens", None)
        if not isinstance(tokens, Tokens):
            return self.fitted.transform(X)
        if self._last is not None and self._last[0] is X:
            return self._last[1]
        rows, keys = ngram_keys(tokens, *self.fitted.ngram_range)
        at = self._index.get_indexer(keys)
        found = at >= 0
        counts = _counts(rows[found], self._columns[at[found]], (len(tokens), len(self._columns)))
        out = self._weighted(counts)
        self._last = (X, out)
        return out

    def _weighted(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """What ``TfidfTransformer`` does to the counts: sublinear tf, idf, the norm, in the vectorizer's dtype."""
        v = self.fitted
        x = counts.astype(v.dtype)
        if v.sublinear_tf:
            np.log(x.data, out=x.data)
            x.data += 1.0
        if v.use_idf:
            x.data *= v.idf_.astype(v.dtype, copy=False)[x.indices]
        return normalize(x, norm=v.norm, copy=False) if v.norm else x


def _counts(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """The CSR matrix counting each (row, column) pair, indices sorted: one sort of the pairs' flat keys (much
    faster than scipy summing duplicates row by row)."""
    key = rows.astype(np.int64) * shape[1] + columns
    key.sort()
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if key.size else np.zeros(0, np.int64)
    counts = np.diff(np.append(starts, key.size)).astype(np.float64)
    at_row = key[starts] // shape[1]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(at_row, minlength=shape[0]))])
    return sparse.csr_matrix((counts, key[starts] - at_row * shape[1], indptr), shape=shape)


def kept_tokens_steps(estimator: object, shared: dict[int, KeptTokensTfidf] | None = None) -> object:
    """``estimator`` with every fitted TF-IDF step that ``reading`` accepts replaced by a ``KeptTokensTfidf`` (one
    per shared vectorizer), in place; other steps and already replaced ones are left as they are."""
    shared = {} if shared is None else shared
    if isinstance(estimator, Pipeline):
        estimator.steps = [(name, _replaced(step, shared)) for name, step in estimator.steps]
    elif isinstance(estimator, FeatureUnion):
        estimator.transformer_list = [(name, _replaced(step, shared)) for name, step in estimator.transformer_list]
    elif isinstance(estimator, AveragedProbabilities):
        estimator.members_ = [kept_tokens_steps(member, shared) for member in estimator.members_]
    return estimator


def _replaced(step: object, shared: dict[int, KeptTokensTfidf]) -> object:
    if not isinstance(step, TfidfVectorizer):
        return kept_tokens_steps(step, shared)
    if reading(step) is None:
        return step
    if id(step) not in shared:
        shared[id(step)] = KeptTokensTfidf(step)
    return shared[id(step)]


def kept_steps(estimator: object) -> list[KeptTokensTfidf]:
    """Every ``KeptTokensTfidf`` inside ``estimator`` (a shared one once per member that uses it)."""
    if isinstance(estimator, KeptTokensTfidf):
        return [estimator]
    children: list[object] = []
    if isinstance(estimator, Pipeline):
        children = [step for _, step in estimator.steps]
    elif isinstance(estimator, FeatureUnion):
        children = [step for _, step in estimator.transformer_list]
    elif isinstance(estimator, AveragedProbabilities):
        children = list(estimator.members_)
    return [found for child in children for found in kept_steps(child)]
