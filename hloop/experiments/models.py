"""The model of each simulated version: the product's TF-IDF + LR on cached term counts (exact and fast), or any
other family fitted on texts whose embeddings were computed once per run, and ``auto``'s choice made as the
product makes it (``choose_family`` on the training labels, again only when ``needs_new_choice`` says so).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from hloop.core.errors import InvalidInputError
from hloop.core.models import AUTO, EMBEDDING_FAMILIES, MODEL_CHOICES, canonical_spec
from hloop.data.corpus import Corpus
from hloop.experiments.cached_tfidf import RowTexts, read_counts
from hloop.experiments.features import Features, StepVectorizer, fit_step
from training.choice import FamilyChoice, choose_family, needs_new_choice
from training.families import EmbeddedTexts, fit_family
from training.pipeline import make_pipeline

FAST_FAMILY = "tfidf-lr"  # simulated on cached term counts; equal to the product's pipeline (test_features)
EmbedProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class FamilyTexts:
    """The train and eval splits' texts as the store keeps them (stripped), with their embeddings when a family
    needs them (``EmbeddedTexts``; plain lists otherwise)."""

    train: Sequence[str]
    eval: Sequence[str]
    embeddings: str
    key: str = ""  # the corpus fingerprint: names these texts in the choice cache

    def rows(self, rows: np.ndarray) -> Sequence[str]:
        """The train texts of ``rows`` (indices), with their vectors if there are any."""
        if isinstance(self.train, EmbeddedTexts):
            return self.train.subset(rows)
        return [self.train[i] for i in rows]


_EMBEDDED: dict[tuple[str, str], FamilyTexts] = {}
_EMBEDDED_LOCK = threading.Lock()
# auto's choices by (texts, embeddings, training rows, labels, seed): runs that share their first versions (random
# and every warm-up pick the same items until the warm-up ends) share those choices; the same inputs give the same
# choice, so this changes no number
_CHOICES: dict[tuple[str, str, bytes, bytes, int], FamilyChoice] = {}


def family_texts(corpus: Corpus, embeddings: str, progress: EmbedProgress | None = None) -> FamilyTexts:
    """Every train and eval text embedded once per process and dataset (kept by the corpus fingerprint), as the
    product embeds each text once and keeps it; without embeddings (``none``), the plain texts."""
    from training.embeddings import shared_embedder

    spec = canonical_spec(embeddings)
    key = (corpus.fingerprint, spec)
    with _EMBEDDED_LOCK:
        if key not in _EMBEDDED:
            train = [t.strip() for t in corpus.train_texts]
            evaluated = [t.strip() for t in corpus.eval_texts]
            embedder = shared_embedder(spec)
            if embedder is None:
                _EMBEDDED[key] = FamilyTexts(train, evaluated, spec, corpus.fingerprint)
            else:
                vectors = embedder.embed(train + evaluated, progress=progress)
                _EMBEDDED[key] = FamilyTexts(
                    EmbeddedTexts(train, vectors[: len(train)], embedder.identity),
                    EmbeddedTexts(evaluated, vectors[len(train) :], embedder.identity),
                    spec,
                    corpus.fingerprint,
                )
        return _EMBEDDED[key]


def needs_texts(model: str) -> bool:
    """Whether simulating ``model`` needs the texts (and maybe their embeddings), not only the term counts."""
    return model != FAST_FAMILY


def check_model(model: str, embeddings: str) -> None:
    """InvalidInputError for an unknown model, or an embedding family without embeddings."""
    if model not in MODEL_CHOICES:
        raise InvalidInputError(f"Unknown model {model!r}; valid: {', '.join(MODEL_CHOICES)}.")
    if canonical_spec(embeddings) == "none" and model in EMBEDDING_FAMILIES:
        raise InvalidInputError(f"The model {model!r} needs embeddings; --embeddings is none.")


def full_probs(clf, x, n_labels: int) -> np.ndarray:
    """predict_proba with one column per label (a class the model never saw gets probability 0)."""
    out = np.zeros((len(x) if isinstance(x, Sequence) else x.shape[0], n_labels))
    out[:, clf.classes_] = clf.predict_proba(x)
    return out


@dataclass(frozen=True)
class TfidfVersion:
    """A tfidf-lr version on cached term counts: the step's TF-IDF and the classifier."""

    features: Features
    vectorizer: StepVectorizer
    clf: object
    family: str = FAST_FAMILY

    def predict_eval(self) -> np.ndarray:
        return self.clf.predict(self.vectorizer.transform(self.features.eval))

    def predict_train(self, rows: np.ndarray) -> np.ndarray:
        return self.clf.predict(self.vectorizer.transform(self.features.train[rows]))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        x = self.vectorizer.transform(self.features.train[rows])
        return full_probs(self.clf, x, self.features.n_labels)


@dataclass(frozen=True)
class FamilyVersion:
    """A version of any family: its fitted pipeline, over the run's texts (with their stored embeddings; its TF-IDF
    steps read the cached counts, see ``cached_tfidf``)."""

    texts: FamilyTexts
    pipeline: object
    n_labels: int
    family: str

    def _rows(self, part: str, rows: np.ndarray | None) -> Sequence[str]:
        texts = self.texts.eval if rows is None else self.texts.rows(rows)
        return RowTexts(texts, part, rows) if isinstance(texts, EmbeddedTexts) else texts

    def predict_eval(self) -> np.ndarray:
        return np.asarray(self.pipeline.predict(self._rows("eval", None)))

    def predict_train(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.pipeline.predict(self._rows("train", rows)))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return full_probs(self.pipeline, self._rows("train", rows), self.n_labels)


def fit_tfidf_lr(features: Features, rows: np.ndarray, labels: np.ndarray, weights: np.ndarray, random_state: int):
    """A fresh vectorizer and classifier with the product's hyperparameters (convergence warnings recorded)."""
    vectorizer = fit_step(features, rows)
    clf = make_pipeline(random_state).named_steps["clf"]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(vectorizer.transform(features.train[rows]), labels, sample_weight=weights)
    return vectorizer, clf


@dataclass
class ModelPlan:
    """Which family each version of a run trains, and auto's choices (made on the training labels only)."""

    model: str
    texts: FamilyTexts | None
    seed: int
    choices: list[FamilyChoice] = field(default_factory=list)

    def family_for(self, rows: np.ndarray, labels: np.ndarray) -> tuple[str, bool]:
        """(the family for a version trained on ``rows``, whether auto chose it anew for this version)."""
        if self.model != AUTO:
            return self.model, False
        previous = self.choices[-1] if self.choices else None
        kinds = int(np.unique(labels).size)
        if not needs_new_choice(previous, int(rows.size), kinds):
            return previous.family, False
        key = (self.texts.key, self.texts.embeddings, rows.tobytes(), labels.tobytes(), self.seed)
        if key not in _CHOICES or not self.texts.key:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                texts = self.texts.rows(rows)
                _CHOICES[key] = choose_family(texts, labels, seed=self.seed, embeddings=self.texts.embeddings)
        choice = _CHOICES[key]
        self.choices.append(choice)
        return choice.family, True

    def fit(self, features: Features, rows: np.ndarray, labels: np.ndarray, weights: np.ndarray):
        """The version trained on ``rows``: a ``TfidfVersion`` or a ``FamilyVersion``, and whether auto chose."""
        family, chose = self.family_for(rows, labels)
        if family == FAST_FAMILY:
            return TfidfVersion(features, *fit_tfidf_lr(features, rows, labels, weights, self.seed)), chose
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline = fit_family(
                family,
                self.texts.rows(rows),
                labels,
                embeddings=self.texts.embeddings,
                sample_weight=weights,
                random_state=self.seed,
            )
        return FamilyVersion(self.texts, read_counts(pipeline, features), features.n_labels, family), chose
