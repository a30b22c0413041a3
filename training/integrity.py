"""A loaded model is checked by using it before it serves: the settings this program writes, fitted parts of one
consistent size, and predictions that are finite, sum to 1 and match the probe recorded on its card.

A file can pass the type and shape checks of ``training.artifact`` and still fail every prediction (a trusted
numpy function as the vectorizer's ``analyzer``, a vocabulary one term short): such a model is damaged, so the
registry refuses it and the newest intact version serves. The probe is a few texts built from the model's own
most telling terms (words it already holds and shows in explanations, not the user's texts) with the model's
probabilities for them; a version whose card predates probes gets the same checks on fixed texts only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from hloop.core.cards import ModelCard
from hloop.core.errors import ModelIntegrityError
from hloop.core.models import DEFAULT_EMBEDDINGS, LEGACY_FAMILY
from training.embeddings import as_input
from training.families import embedding_steps, make_family, vectorizers
from training.pipeline import HYPERPARAMETERS, make_pipeline

FIXED_TEXTS: tuple[str, ...] = ("", "the a of in on 2024", "Ünïcödé – text, with punctuation!")
PROBE_CLASSES = 5  # probe texts beyond the fixed ones, each from the top terms of one class (spread over classes)
PROBE_TERMS = 3
_PLAIN = (type(None), bool, int, float, str)
TOLERANCE = 1e-6  # absolute, per probability: far above float noise, far below any real change of the model


def probe_texts(pipeline: Pipeline) -> list[str]:
    """The fixed texts, then up to ``PROBE_CLASSES`` texts each made of one class's highest-weighted terms."""
    vectorizer, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
    terms = vectorizer.get_feature_names_out()
    rows = np.unique(np.linspace(0, clf.coef_.shape[0] - 1, min(PROBE_CLASSES, clf.coef_.shape[0])).astype(int))
    picked = []
    for row in rows:
        count = min(PROBE_TERMS, terms.size)
        top: list[int] = np.argpartition(-clf.coef_[row], count - 1)[:count].tolist() if count else []
        picked.append(" ".join(str(terms[i]) for i in sorted(top)))
    return [*FIXED_TEXTS, *picked]


def family_probe_texts(pipeline: Pipeline) -> list[str]:
    """The fixed texts, then texts of the most common terms of each TF-IDF vectorizer inside (words the model holds,
    none of the user's texts), or of general words for a family with none: the probe of a family other than
    tfidf-lr, whose classifiers have no coefficients per term to pick from."""
    picked = ["report on the results", "a question about the price"]
    for vectorizer in vectorizers(pipeline):
        terms, idf = vectorizer.get_feature_names_out(), np.asarray(vectorizer.idf_)
        common = np.argsort(idf, kind="stable")[: PROBE_CLASSES * PROBE_TERMS]
        picked += [
            " ".join(str(terms[i]) for i in common[j : j + PROBE_TERMS]) for j in range(0, common.size, PROBE_TERMS)
        ]
    return [*FIXED_TEXTS, *picked]


def record_probe(pipeline: Pipeline, family: str = LEGACY_FAMILY) -> dict:
    """The card's ``probe``: texts and the model's probabilities for them (rows = texts, columns = classes_)."""
    texts = probe_texts(pipeline) if family == LEGACY_FAMILY else family_probe_texts(pipeline)
    return {"texts": texts, "probabilities": _predictions(pipeline, texts).tolist()}


def check_family(pipeline: Pipeline, family: str, embeddings: str, random_state: int | None) -> None:
    """ModelIntegrityError unless a family pipeline has the settings this program writes for ``family``: the steps
    of a fresh one, every plain setting equal (the calibration folds, which follow the rarest label, aside), and
    sound probabilities for the fixed texts."""
    try:
        fresh = make_family(family, embeddings=embeddings, random_state=random_state or 0)
        have, want = pipeline.get_params(deep=True), fresh.get_params(deep=True)
    except Exception as exc:  # not a pipeline of steps, or an unknown family
        raise ModelIntegrityError(f"The model is not a {family} pipeline of this program ({exc})."[:300]) from exc
    if [name for name, _ in pipeline.steps] != [name for name, _ in fresh.steps]:
        raise ModelIntegrityError(f"The model's steps are not those of a {family} model; retrain.")
    for key, value in want.items():
        if key.endswith("cv") or not isinstance(value, _PLAIN + (tuple,)) or key not in have:
            continue
        if key.endswith("random_state") and random_state is None:
            continue
        if not (type(have[key]) is type(value) and have[key] == value):
            raise ModelIntegrityError(f"The model's {key} is {have[key]!r}, where this program writes {value!r}.")
    _predictions(pipeline, list(FIXED_TEXTS))


def check_family_against_card(pipeline: Pipeline, card: ModelCard) -> None:
    """``check_family`` with the card's family, embeddings and random state; the embedding steps fitted on the
    card's embedder; classes within the card's labels; the card's probe reproduced."""
    recorded = card.hyperparameters or {}
    state = recorded.get("random_state")
    spec = str(recorded.get("embeddings", (card.embedder or {}).get("name", DEFAULT_EMBEDDINGS)))
    check_family(pipeline, card.model_family, spec, state if type(state) is int else None)
    for step in embedding_steps(pipeline):
        if card.embedder is not None and dict(step.identity_) != dict(card.embedder):
            raise ModelIntegrityError(f"The model's embeddings {step.identity_} are not its card's {card.embedder}.")
    _check_classes(pipeline, card)
    if card.probe is not None:
        _check_probe(pipeline, card.probe)


def _check_classes(pipeline: Pipeline, card: ModelCard) -> None:
    classes, labels = np.asarray(pipeline.classes_), card.labels
    if labels is not None and (classes.min() < 0 or classes.max() >= len(labels)):
        raise ModelIntegrityError(f"The model's classes {classes.tolist()} are not among the card's {len(labels)}.")


def check_pipeline(pipeline: Pipeline, hyperparameters: Mapping | None = None) -> None:
    """ModelIntegrityError unless the pipeline has this program's settings (``hyperparameters``, default ours, for
    the tunable ones), fitted parts of one consistent size, and predicts sound probabilities for fixed texts."""
    _check_params(pipeline, HYPERPARAMETERS if hyperparameters is None else hyperparameters)
    _check_fitted(pipeline)
    _predictions(pipeline, list(FIXED_TEXTS))


def check_against_card(pipeline: Pipeline, card: ModelCard) -> None:
    """``check_pipeline`` with the card's hyperparameters, classes within the card's labels, and the card's probe
    reproduced (cards saved before probes: the fixed texts only). Families other than tfidf-lr:
    ``check_family_against_card``."""
    if card.model_family != LEGACY_FAMILY:
        check_family_against_card(pipeline, card)
        return
    recorded = card.hyperparameters or {}
    chosen = {key: recorded.get(key, value) for key, value in HYPERPARAMETERS.items()}  # ours and no others
    if "random_state" in recorded:
        chosen["random_state"] = recorded["random_state"]
    check_pipeline(pipeline, chosen)
    _check_classes(pipeline, card)
    if card.probe is not None:
        _check_probe(pipeline, card.probe)


def _check_probe(pipeline: Pipeline, probe: object) -> None:
    if not isinstance(probe, Mapping):
        raise ModelIntegrityError("The card's probe is not a table of texts and probabilities; the card was altered.")
    texts = probe.get("texts")
    if not (isinstance(texts, list) and texts and all(isinstance(t, str) for t in texts)):
        raise ModelIntegrityError("The card's probe is not a list of texts; the card was altered.")
    try:
        expected = np.asarray(probe.get("probabilities"), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelIntegrityError("The card's probe probabilities are not a table of numbers.") from exc
    got = _predictions(pipeline, texts)
    if expected.shape != got.shape or not np.allclose(got, expected, rtol=0, atol=TOLERANCE):
        gap = float(np.max(np.abs(got - expected))) if expected.shape == got.shape else float("inf")
        raise ModelIntegrityError(
            f"The model's probabilities for its probe texts differ from the ones recorded at training "
            f"(largest difference {gap:.2g}, allowed {TOLERANCE:g})."
        )


def _same(got: object, want: object) -> bool:
    if isinstance(want, type):  # the vectorizer's dtype: the type itself
        return got is want
    return type(got) is type(want) and got == want


def _check_params(pipeline: Pipeline, hyperparameters: Mapping) -> None:
    """Every vectorizer setting (analyzer, tokenizer, token pattern, ...) and every tuned classifier setting is the
    value this program writes; the classifier's other settings, used only to fit and whose defaults change between
    scikit-learn releases, are plain values (the probe checks what it predicts)."""
    tunable = {k: v for k, v in hyperparameters.items() if k != "random_state"}
    random_state = getattr(pipeline.named_steps["clf"], "random_state", None)
    wanted_state = hyperparameters.get("random_state", random_state)
    if not (random_state is None or type(random_state) is int) or random_state != wanted_state:
        raise ModelIntegrityError(f"The model's random_state {random_state!r} is not {wanted_state!r}.")
    try:
        fresh = make_pipeline(random_state=wanted_state, **tunable)
    except (TypeError, ValueError) as exc:
        raise ModelIntegrityError(f"The card's hyperparameters are not this program's ({exc}).") from exc
    for name, step in fresh.named_steps.items():
        loaded = pipeline.named_steps[name]
        for key, want in step.get_params(deep=False).items():
            got = getattr(loaded, key, None)
            if name == "tfidf" or f"{name}__{key}" in tunable or key == "random_state":
                if not _same(got, want):
                    raise ModelIntegrityError(
                        f"The model's {name}__{key} is {got!r}, where this program writes {want!r}."
                    )
            elif type(got) not in _PLAIN:
                raise ModelIntegrityError(f"The model's {name}__{key} is {got!r}, not a setting this program writes.")


def _check_fitted(pipeline: Pipeline) -> None:
    """The vocabulary, idf weights and classifier agree in size, and every weight is finite."""
    vectorizer, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
    try:
        vocabulary, idf = vectorizer.vocabulary_, np.asarray(vectorizer.idf_)
        coef, intercept, classes = np.asarray(clf.coef_), np.asarray(clf.intercept_), np.asarray(clf.classes_)
        n_in = int(clf.n_features_in_)
    except (AttributeError, TypeError, ValueError) as exc:
        raise ModelIntegrityError(f"The model lacks a fitted part ({exc}); retrain.") from exc
    sizes = {"vocabulary": len(vocabulary), "idf weights": idf.shape, "classifier inputs": n_in}
    if coef.ndim != 2 or idf.shape != (len(vocabulary),) or coef.shape[1] != len(vocabulary) or n_in != coef.shape[1]:
        raise ModelIntegrityError(f"The model's parts disagree in size ({sizes}, coefficients {coef.shape}).")
    rows = 1 if classes.size == 2 else classes.size
    distinct = classes.ndim == 1 and classes.dtype.kind in "iu" and np.unique(classes).size == classes.size
    if not distinct or classes.size < 2:
        raise ModelIntegrityError(f"The model's classes {classes!r} are not two or more distinct label numbers.")
    if coef.shape[0] != rows or intercept.shape != (rows,):
        raise ModelIntegrityError(f"The model has {coef.shape[0]} coefficient rows for {classes.size} classes.")
    if not (np.isfinite(idf).all() and np.isfinite(coef).all() and np.isfinite(intercept).all()):
        raise ModelIntegrityError("The model holds weights that are not finite numbers.")


def _predictions(pipeline: Pipeline, texts: Sequence[str]) -> np.ndarray:
    """predict_proba of ``texts``: ModelIntegrityError unless it runs and gives finite rows summing to 1."""
    try:
        probs = np.asarray(pipeline.predict_proba(as_input(texts)), dtype=np.float64)
    except Exception as exc:  # whatever a damaged model raises: it cannot serve
        raise ModelIntegrityError(f"The model fails on a test prediction ({type(exc).__name__}: {exc})"[:300]) from exc
    classes = pipeline.classes_
    if probs.shape != (len(texts), len(classes)) or not np.isfinite(probs).all():
        raise ModelIntegrityError(f"The model's test prediction has shape {probs.shape} or values that are not finite.")
    if not np.allclose(probs.sum(axis=1), 1.0, rtol=0, atol=TOLERANCE) or (probs < 0).any():
        raise ModelIntegrityError("The model's test probabilities do not sum to 1.")
    return probs
