"""The names of model families and embedding backends, and the syntax of an embeddings spec: one list each,
read by the settings (to refuse a bad value at start) and by ``training`` (to build them)."""

from __future__ import annotations

from hloop.core.errors import InvalidInputError

FAMILIES = ("tfidf-lr", "tfidf-cnb", "embed-centroid", "embed-lr", "hybrid", "ensemble")
EMBEDDING_FAMILIES = frozenset({"embed-centroid", "embed-lr", "hybrid", "ensemble"})
AUTO = "auto"  # HLOOP_MODEL's default: the family chosen by cross-validation on the training labels
MODEL_CHOICES = (AUTO, *FAMILIES)
LEGACY_FAMILY = "tfidf-lr"  # what a card written before families were recorded holds
DEFAULT_EMBEDDINGS = "wordllama"
BACKENDS = ("wordllama", "model2vec", "sentence-transformers", "none")
_VALID_SPECS = "wordllama, model2vec:<hub id or folder>, sentence-transformers:<hub id or folder>, none"


def parse_model(value: str) -> str:
    """A model setting, lower-cased; InvalidInputError naming the valid ones."""
    name = value.strip().lower()
    if name not in MODEL_CHOICES:
        raise InvalidInputError(f"Unknown model family {value!r}; valid: {', '.join(MODEL_CHOICES)}.")
    return name


def parse_spec(spec: str) -> tuple[str, str]:
    """(backend, model reference) of an embeddings spec; InvalidInputError naming the valid forms."""
    backend, _, ref = spec.strip().partition(":")
    backend, ref = backend.strip().lower(), ref.strip()
    if backend not in BACKENDS:
        raise InvalidInputError(f"Unknown embeddings {spec!r}; valid: {_VALID_SPECS}.")
    if backend in ("model2vec", "sentence-transformers") and not ref:
        raise InvalidInputError(f"Embeddings {spec!r} name no model; write {backend}:<hub id or folder>.")
    if backend in ("wordllama", "none") and ref:
        raise InvalidInputError(f"Embeddings {spec!r}: {backend} takes no model; valid: {_VALID_SPECS}.")
    return backend, ref


def canonical_spec(spec: str) -> str:
    """The spec as models and stores record it: ``backend`` or ``backend:reference``."""
    backend, ref = parse_spec(spec)
    return backend if not ref else f"{backend}:{ref}"
