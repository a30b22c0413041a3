"""The settings this program fits each model family with, as cards record them and remote workers compare them."""

from __future__ import annotations

from hloop.core.errors import InvalidInputError
from hloop.core.models import EMBEDDING_FAMILIES, FAMILIES
from training.embeddings import DEFAULT_SPEC
from training.families import (
    CALIBRATION_FOLDS,
    CNB_ALPHA,
    EMBED_C,
    EMBED_SCALE,
    ENSEMBLE_MEMBERS,
    HYBRID_EMBED_WEIGHT,
)
from training.pipeline import HYPERPARAMETERS


def family_hyperparameters(name: str, embeddings: str = DEFAULT_SPEC) -> dict:
    """The settings this program fits family ``name`` with (``auto``: every candidate's), as the card records them
    and as a remote worker compares them with its own (a worker deployed from other code says so). ``tfidf-lr``:
    today's ``HYPERPARAMETERS`` exactly, so its cards are unchanged."""
    if name == "tfidf-lr":
        return dict(HYPERPARAMETERS)
    if name == "auto":
        return {"family": "auto", "candidates": {f: family_hyperparameters(f, embeddings) for f in FAMILIES}}
    if name not in FAMILIES:
        raise InvalidInputError(f"Unknown model family {name!r}; valid: {', '.join(FAMILIES)}, auto.")
    uses_tfidf = name in ("tfidf-cnb", "hybrid", "ensemble")
    params: dict = {"family": name, **({"tfidf": dict(HYPERPARAMETERS)} if uses_tfidf else {})}
    if name in EMBEDDING_FAMILIES:
        params["embeddings"] = embeddings
    if name in ("tfidf-cnb", "ensemble"):
        params.update(cnb_alpha=CNB_ALPHA, calibration_folds=CALIBRATION_FOLDS)
    if name in ("embed-lr", "ensemble"):
        params.update(embed_scale=EMBED_SCALE, embed_c=EMBED_C)
    if name == "hybrid":
        params["hybrid_embed_weight"] = HYBRID_EMBED_WEIGHT
    if name == "ensemble":
        params["members"] = list(ENSEMBLE_MEMBERS)
    return params
