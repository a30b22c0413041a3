"""Model families: factories of fresh scikit-learn pipelines over raw texts, each ending in a step named ``clf``.

``tfidf-lr`` (today's pipeline), ``tfidf-cnb`` (TF-IDF + ComplementNB, sigmoid-calibrated), ``embed-centroid``
(cosine similarity to each label's mean embedding, self-calibrated: the few-labels model), ``embed-lr``
(embeddings + LogisticRegression), ``hybrid`` (TF-IDF and embeddings side by side, one LogisticRegression) and
``ensemble`` (the mean of the calibrated probabilities of tfidf-lr, tfidf-cnb and embed-lr).

Embeddings at predict time: a pipeline holds a ``TextEmbedding`` step that keeps only the embedder's spec and,
once fitted, its identity (spec, dimension, weights sha256), never its weights. It embeds through the
process-wide ``shared_embedder(spec)`` after checking that embedder's identity is the one it was fitted with
(``verify_embedders`` checks every such step when a file is loaded). Callers holding stored vectors pass
``EmbeddedTexts`` (the texts with their vectors): the step then uses those vectors and embeds nothing, and
every other step reads it as the list of texts it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline

from hloop.core.errors import InvalidInputError, ModelIntegrityError
from hloop.core.models import FAMILIES
from training.embeddings import DEFAULT_SPEC, EmbeddedTexts, shared_embedder
from training.pipeline import make_pipeline

# embed-lr scales the unit rows by EMBED_SCALE (about sqrt(dim): entries near unit size) so the solver converges in
# half the iterations; C = 10 / 256 on the scaled rows is C = 10 on the unit rows (the same optimum)
EMBED_SCALE = 16.0
EMBED_C = 10.0 / EMBED_SCALE**2
ENSEMBLE_MEMBERS = ("tfidf-lr", "tfidf-cnb", "embed-lr")
# the embedding block's scale beside the TF-IDF block (both unit rows): on AG News 0.5 beat 1.0 at 1,000 and
# 10,000 labels (0.864 / 0.886 against 0.855 / 0.881), and embed-lr covers 100
HYBRID_EMBED_WEIGHT = 0.5
CNB_ALPHA = 0.3
CALIBRATION_FOLDS = 3


class TextEmbedding(TransformerMixin, BaseEstimator):
    """Texts -> unit embedding rows (as float64) times ``scale``, from the process-wide embedder of ``spec``; holds
    no weights."""

    def __init__(self, spec: str = DEFAULT_SPEC, scale: float = 1.0) -> None:
        self.spec = spec
        self.scale = scale

    def _embedder_identity(self) -> dict[str, Any]:
        embedder = shared_embedder(self.spec)
        if embedder is None:
            raise InvalidInputError("This model family needs embeddings, and HLOOP_EMBEDDINGS is none.")
        return embedder.identity.to_dict()

    def fit(self, X: Sequence[str], y: object = None) -> TextEmbedding:
        self.identity_ = X.identity.to_dict() if isinstance(X, EmbeddedTexts) else self._embedder_identity()
        if self.identity_["name"] != self.spec:
            raise InvalidInputError(f"Vectors made by {self.identity_['name']!r} given to a {self.spec!r} step.")
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        if isinstance(X, EmbeddedTexts):
            if X.identity.to_dict() != self.identity_:
                raise ModelIntegrityError(f"Vectors by {X.identity} given to a model fitted on {self.identity_}.")
            return np.asarray(X.vectors, dtype=np.float64) * self.scale
        self.check_embedder()
        embedder = shared_embedder(self.spec)
        assert embedder is not None  # check_embedder raised otherwise
        return embedder.embed(list(X)).astype(np.float64) * self.scale  # float64: probabilities sum to 1 exactly

    def check_embedder(self) -> None:
        """ModelIntegrityError unless this process's embedder for ``spec`` is the one this step was fitted with."""
        try:
            have = self._embedder_identity()
        except InvalidInputError as exc:
            raise ModelIntegrityError(f"The model needs the embeddings {self.spec!r}: {exc}") from exc
        if have != self.identity_:
            raise ModelIntegrityError(
                f"The model was trained on embeddings {self.identity_}, and this program's embedder is {have}; "
                f"retrain, or install the embedder it was trained with."
            )

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"embedding_{i}" for i in range(int(self.identity_["dim"]))], dtype=object)


class AveragedProbabilities(ClassifierMixin, BaseEstimator):
    """The mean of several fitted pipelines' probabilities (each over raw texts), aligned on ``classes_``.

    Members that start with the same TF-IDF settings share one fitted vectorizer: it is fitted once (each
    member's classifier then fits on its matrix, exactly what fitting the member's own pipeline does) and the
    texts are transformed once per prediction; the file keeps it once too (skops keeps shared objects shared)."""

    def __init__(self, members: Sequence[tuple[str, Pipeline]] = ()) -> None:
        self.members = members

    def fit(self, X: Sequence[str], y: Sequence[int], sample_weight: Sequence[float] | None = None) -> Any:
        self.classes_ = np.unique(np.asarray(y))
        fitted: dict[str, tuple[TfidfVectorizer, Any]] = {}  # the vectorizer's settings -> (fitted, matrix)
        self.members_ = []
        for _, member in self.members:
            model = clone(member)
            first = model.steps[0][1]
            if len(model.steps) == 2 and isinstance(first, TfidfVectorizer):
                key = repr(sorted(first.get_params().items()))
                if key not in fitted:
                    fitted[key] = (first, first.fit_transform(X))
                vectorizer, matrix = fitted[key]
                model.steps[0] = (model.steps[0][0], vectorizer)
                model.steps[-1][1].fit(matrix, y, sample_weight=sample_weight)
            else:
                model.fit(X, y, clf__sample_weight=sample_weight)
            self.members_.append(model)
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(X), self.classes_.size))
        matrices: dict[int, Any] = {}  # id of a shared vectorizer -> the texts' matrix
        for member in self.members_:
            columns = np.searchsorted(self.classes_, member.classes_)
            first = member.steps[0][1]
            if len(member.steps) == 2 and isinstance(first, TfidfVectorizer):
                if id(first) not in matrices:
                    matrices[id(first)] = first.transform(X)
                out[:, columns] += member.steps[-1][1].predict_proba(matrices[id(first)])
            else:
                out[:, columns] += member.predict_proba(X)
        return out / len(self.members_)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])


class CosineCentroids(ClassifierMixin, BaseEstimator):
    """Each label's (weighted) mean of unit rows, normalised; a row scores a label by cosine similarity. With few
    labels it beats a linear model on embeddings (it has nothing to overfit). ``predict_proba`` is a softmax of
    ``sharpness_`` x similarity, where ``sharpness_`` minimises the log loss of the training rows against
    leave-one-out centroids (their own row left out of their label's mean): calibrated without changing a
    prediction."""

    SHARPNESS_GRID = np.geomspace(1.0, 300.0, 48)

    def fit(self, X: np.ndarray, y: Sequence[int], sample_weight: Sequence[float] | None = None) -> Any:
        labels = np.asarray(y)
        weights = np.ones(labels.size) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.classes_, rows = np.unique(labels, return_inverse=True)
        sums = np.zeros((self.classes_.size, X.shape[1]))
        np.add.at(sums, rows, weights[:, None] * X)
        self.centroids_ = _unit(sums)
        self.n_features_in_ = X.shape[1]
        scores = X @ self.centroids_.T
        own = _unit(sums[rows] - weights[:, None] * X)  # each row's label mean without the row
        scores[np.arange(labels.size), rows] = np.einsum("ij,ij->i", X, own)
        losses = [_log_loss(k * scores, rows, weights) for k in self.SHARPNESS_GRID]
        self.sharpness_ = float(self.SHARPNESS_GRID[int(np.argmin(losses))])
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X @ self.centroids_.T, dtype=np.float64)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return _softmax(self.sharpness_ * self.decision_function(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.decision_function(X), axis=1)])


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(scores / scores.sum(axis=1, keepdims=True))


def _log_loss(scores: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> float:
    probs = _softmax(scores)[np.arange(rows.size), rows]
    return float(-(weights * np.log(np.maximum(probs, 1e-12))).sum())


def _tfidf(random_state: int) -> TfidfVectorizer:
    return clone(make_pipeline(random_state).named_steps["tfidf"])


def _calibrated(estimator: Any, smallest_class: int | None) -> Any:
    """``estimator`` sigmoid-calibrated when every class has enough rows for the calibration folds."""
    folds = CALIBRATION_FOLDS if smallest_class is None else min(CALIBRATION_FOLDS, smallest_class)
    if folds < 2:
        return estimator  # too few rows of some label to calibrate: its own probabilities
    return CalibratedClassifierCV(estimator, method="sigmoid", cv=folds, ensemble=False)


def _embed_lr(embeddings: str, random_state: int) -> Pipeline:
    clf = LogisticRegression(C=EMBED_C, max_iter=2000, random_state=random_state)
    return Pipeline([("embed", TextEmbedding(embeddings, EMBED_SCALE)), ("clf", clf)])


def make_family(
    name: str, *, embeddings: str = DEFAULT_SPEC, random_state: int = 0, smallest_class: int | None = None
) -> Pipeline:
    """A fresh, unfitted pipeline of family ``name``; ``smallest_class`` (rows of the rarest label) sizes the
    calibration folds. InvalidInputError for an unknown name."""
    if name not in FAMILIES:
        raise InvalidInputError(f"Unknown model family {name!r}; valid: {', '.join(FAMILIES)}, auto.")
    if name == "tfidf-lr":
        return make_pipeline(random_state)
    if name == "tfidf-cnb":
        return Pipeline(
            [("tfidf", _tfidf(random_state)), ("clf", _calibrated(ComplementNB(alpha=CNB_ALPHA), smallest_class))]
        )
    if name == "embed-centroid":
        return Pipeline([("embed", TextEmbedding(embeddings)), ("clf", CosineCentroids())])
    if name == "embed-lr":
        return _embed_lr(embeddings, random_state)
    if name == "hybrid":
        union = FeatureUnion(
            [("tfidf", _tfidf(random_state)), ("embed", TextEmbedding(embeddings))],
            transformer_weights={"tfidf": 1.0, "embed": HYBRID_EMBED_WEIGHT},
        )
        return Pipeline([("features", union), ("clf", clone(make_pipeline(random_state).named_steps["clf"]))])
    members = [
        (member, make_family(member, embeddings=embeddings, random_state=random_state, smallest_class=smallest_class))
        for member in ENSEMBLE_MEMBERS
    ]
    return Pipeline([("clf", AveragedProbabilities(members))])


def fit_family(
    name: str,
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    *,
    embeddings: str = DEFAULT_SPEC,
    sample_weight: Sequence[float] | None = None,
    random_state: int = 0,
) -> Pipeline:
    """A fresh pipeline of family ``name`` fitted on ``texts`` (a list, or ``EmbeddedTexts``)."""
    y = np.asarray(labels, dtype=np.int64)
    counts = np.unique(y, return_counts=True)[1]
    if len(texts) != y.size or counts.size < 2:
        raise InvalidInputError(f"Need as many labels as texts, of two kinds at least ({len(texts)}, {counts.size}).")
    pipeline = make_family(name, embeddings=embeddings, random_state=random_state, smallest_class=int(counts.min()))
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    return pipeline.fit(texts if isinstance(texts, EmbeddedTexts) else list(texts), y, clf__sample_weight=weights)


def embedding_steps(estimator: object) -> list[TextEmbedding]:
    """Every ``TextEmbedding`` inside a (fitted) family pipeline."""
    if isinstance(estimator, TextEmbedding):
        return [estimator]
    if isinstance(estimator, Pipeline):
        children: list[object] = [step for _, step in estimator.steps]
    elif isinstance(estimator, FeatureUnion):
        children = [step for _, step in estimator.transformer_list]
    elif isinstance(estimator, AveragedProbabilities):
        children = list(getattr(estimator, "members_", []))
    else:
        return []
    return [found for child in children for found in embedding_steps(child)]


def verify_embedders(estimator: object) -> None:
    """ModelIntegrityError unless every embedding step's embedder is available here with its fitted identity."""
    for step in embedding_steps(estimator):
        step.check_embedder()


def vectorizers(estimator: object) -> Iterator[TfidfVectorizer]:
    """Every TF-IDF vectorizer inside a family pipeline, each once (the ensemble's members share one), in a
    fixed order."""
    seen: set[int] = set()
    for vectorizer in _all_vectorizers(estimator):
        if id(vectorizer) not in seen:
            seen.add(id(vectorizer))
            yield vectorizer


def _all_vectorizers(estimator: object) -> Iterator[TfidfVectorizer]:
    if isinstance(estimator, TfidfVectorizer):
        yield estimator
    elif isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            yield from _all_vectorizers(step)
    elif isinstance(estimator, FeatureUnion):
        for _, step in estimator.transformer_list:
            yield from _all_vectorizers(step)
    elif isinstance(estimator, AveragedProbabilities):
        for member in getattr(estimator, "members_", []):
            yield from _all_vectorizers(member)
