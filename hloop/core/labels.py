"""The AG News label set and validation of labels and texts."""

from __future__ import annotations

import hashlib

from hloop.core.errors import InvalidInputError

LABELS: tuple[str, ...] = ("World", "Sports", "Business", "Sci/Tech")
MAX_TEXT_CHARS = 20_000

_BY_LOWER = {name.lower(): i for i, name in enumerate(LABELS)}
_BY_LOWER.update({"sci_tech": 3, "scitech": 3, "sci-tech": 3, "science": 3, "tech": 3})


def label_id(label: str | int) -> int:
    """The index of a label given by name (case-insensitive) or by index 0-3."""
    if isinstance(label, bool):
        raise InvalidInputError(f"Unknown label {label!r}; use one of {', '.join(LABELS)} (or 0-3).")
    if isinstance(label, int):
        if 0 <= label < len(LABELS):
            return label
    elif isinstance(label, str):
        key = label.strip().lower()
        if key in _BY_LOWER:
            return _BY_LOWER[key]
        if key.isdigit() and int(key) < len(LABELS):
            return int(key)
    raise InvalidInputError(f"Unknown label {label!r}; use one of {', '.join(LABELS)} (or 0-3).")


def label_name(index: int) -> str:
    """The name of label ``index``."""
    return LABELS[label_id(int(index))]


def clean_text(text: object) -> str:
    """The text stripped of surrounding whitespace; rejects empty, non-string and oversized text."""
    if not isinstance(text, str):
        raise InvalidInputError(f"Text must be a string, got {type(text).__name__}.")
    stripped = text.strip()
    if not stripped:
        raise InvalidInputError("Text is empty; enter a news headline or article text.")
    if len(stripped) > MAX_TEXT_CHARS:
        raise InvalidInputError(
            f"Text is {len(stripped):,} characters long; the limit is {MAX_TEXT_CHARS:,}. Shorten it."
        )
    return stripped


def text_key(text: str) -> str:
    """The key that makes two texts the same example: sha256 of the stripped text."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()
