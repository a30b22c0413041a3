"""The label set of a project (a value that travels from the corpus everywhere) and validation of texts."""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from hloop.core.errors import InvalidInputError

MAX_TEXT_CHARS = 20_000
MAX_LABELS = 1000
MAX_LABEL_CHARS = 100


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class LabelSet:
    """The names of a project's labels, in order; a label is stored as its index into ``names``."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        names = tuple(" ".join(str(n).split()) for n in self.names)
        if len(names) < 2:
            raise InvalidInputError(
                f"A project needs at least two labels, got {len(names)} ({', '.join(names) or 'none'}); "
                "give more label values in the data or in HLOOP_LABELS."
            )
        if len(names) > MAX_LABELS:
            raise InvalidInputError(f"{len(names):,} labels is more than the {MAX_LABELS:,} a project can have.")
        bad = [n for n in names if not n or len(n) > MAX_LABEL_CHARS]
        if bad:
            raise InvalidInputError(f"Label names must be 1-{MAX_LABEL_CHARS} characters; got {bad[:3]!r}.")
        twice = sorted(n for n, count in Counter(names).items() if count > 1)
        if twice:
            raise InvalidInputError(f"Label {twice[0]!r} is named twice; name each label once.")
        object.__setattr__(self, "names", names)

    @classmethod
    def parse(cls, spec: str) -> LabelSet:
        """Labels from a comma-separated list such as ``"billing,bug,feature request,other"``."""
        return cls(tuple(part for part in (p.strip() for p in spec.split(",")) if part))

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        return iter(self.names)

    def _help(self) -> str:
        shown = ", ".join(self.names[:12]) + (f", … ({len(self)} in all)" if len(self) > 12 else "")
        return f"use one of {shown} (or a number 0-{len(self) - 1})"

    @cached_property
    def _by_key(self) -> dict[str, tuple[int, ...]]:
        found: dict[str, tuple[int, ...]] = {}
        for i, name in enumerate(self.names):
            found[_key(name)] = (*found.get(_key(name), ()), i)
        return found

    def matches(self, name: str) -> tuple[int, ...]:
        """The indices ``name`` may mean: the label written exactly so, else every label equal to it but for case
        and spacing (more than one only when the label set names both, e.g. ``computers`` and ``COMPUTERS``)."""
        spaced = " ".join(name.split())
        exact = self._by_key.get(_key(name), ())
        return tuple(i for i in exact if self.names[i] == spaced) or exact

    def index(self, label: object) -> int:
        """The index of ``label``, given by name (case-insensitive unless two names differ only in case) or by
        number 0..n-1."""
        if isinstance(label, str):
            matches = self.matches(label)
            if len(matches) > 1:
                both = " and ".join(repr(self.names[i]) for i in matches)
                raise InvalidInputError(f"Label {label[:100]!r} could be {both}; write it exactly as one of them.")
            if matches:
                return matches[0]
            key = _key(label)
            if key.isdigit() and int(key) < len(self.names):
                return int(key)
        elif hasattr(label, "__index__") and not isinstance(label, bool):  # int and numpy integers
            number = int(label.__index__())  # type: ignore[attr-defined]
            if 0 <= number < len(self.names):
                return number
        raise InvalidInputError(f"Unknown label {str(label)[:100]!r}; {self._help()}.")

    def name(self, index: int) -> str:
        """The name of label ``index``."""
        return self.names[self.index(int(index))]

    def to_list(self) -> list[str]:
        """The names as a JSON-able list."""
        return list(self.names)


def clean_text(text: object) -> str:
    """The text stripped of surrounding whitespace; rejects empty, non-string, non-UTF-8 and oversized text."""
    if not isinstance(text, str):
        raise InvalidInputError(f"Text must be a string, got {type(text).__name__}.")
    stripped = text.strip()
    if not stripped:
        raise InvalidInputError("Text is empty; enter some text.")
    if len(stripped) > MAX_TEXT_CHARS:
        raise InvalidInputError(
            f"Text is {len(stripped):,} characters long; the limit is {MAX_TEXT_CHARS:,}. Shorten it."
        )
    try:
        stripped.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"Text holds a character that is not valid Unicode (a lone surrogate at position {exc.start}); "
            "send UTF-8 text."
        ) from exc
    return stripped


def text_key(text: str) -> str:
    """The key that makes two texts the same example: sha256 of the stripped text."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def normalized_text(text: str) -> str:
    """The form two texts share when they differ only in case, spacing or Unicode compatibility forms."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def near_key(text: str) -> str:
    """The key two texts share when they differ only in case, spacing or Unicode form: what the eval guard
    compares, so a near-copy of an eval text is never trained on."""
    return hashlib.sha256(normalized_text(text).encode("utf-8", "surrogatepass")).hexdigest()


def held_out(text: str, share: float) -> bool:
    """Whether ``text`` falls in the held-out ``share`` of texts: decided by a hash of its normalised form, so
    the same in every process and across restarts."""
    digest = hashlib.sha256(normalized_text(text).encode("utf-8", "surrogatepass")).hexdigest()
    return int(digest[:12], 16) / float(16**12) < share
