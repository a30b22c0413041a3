"""Stored JSON objects (model cards and their parts) as frozen dataclasses, with exact round trips.

A card on disk may come from any release: keys missing, keys this release does not know, a part stored as
null or as ``{}``. A ``Stored`` value keeps the unknown keys in ``extra`` and, in ``layout``, the keys it was read
from (in order) and the stored form of a part read as None, so ``to_dict(from_dict(d)) == d``, key for key. A
value built here (no layout) writes its own keys in field order. A malformed known field is a
ModelIntegrityError that names it: the card was altered.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hloop.core.errors import ModelIntegrityError

Json = Any  # a JSON value: None, bool, int, float, str, list or dict of JSON values


@dataclass(frozen=True)
class Layout:
    """How a stored object was laid out: its keys in order and the stored form of parts read as None."""

    keys: tuple[str, ...] | None = None  # None: built here, not read
    blanks: tuple[tuple[str, Json], ...] = ()  # (key, stored form) of known keys read as None when not null: {}


@dataclass(frozen=True)
class Stored:
    """Base of the stored values: ``extra`` holds the keys this release does not know, unchanged."""

    KEYS: ClassVar[tuple[str, ...]] = ()  # the known keys, in the order a value built here writes them
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()  # known keys a value built here writes only when set
    EMPTY_IS_NONE: ClassVar[frozenset[str]] = frozenset()  # known keys for which a stored {} means None

    extra: Mapping[str, Json] = field(default_factory=dict, kw_only=True)
    layout: Layout = field(default=Layout(), kw_only=True, compare=False, repr=False)

    def json_fields(self) -> dict[str, Json]:
        """Every known key's JSON value (None when the field is None), in ``KEYS`` order."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Json]:
        """The JSON-ready dict: the one this value was read from, with any field changed since."""
        values, blanks = self.json_fields(), dict(self.layout.blanks)
        read, order = self.layout.keys is not None, self.layout.keys
        out: dict[str, Json] = {}
        for key in self.KEYS if order is None else order:
            if key in values:
                value = values[key]
                if value is None and not read and key in self.OPTIONAL:
                    continue
                out[key] = blanks.get(key) if value is None else value
            elif key in self.extra:
                out[key] = self.extra[key]
        for key, value in values.items():  # set after reading (dataclasses.replace)
            if key not in out and value is not None:
                out[key] = value
        for key, value in self.extra.items():
            if key not in out:
                out[key] = value
        return copy.deepcopy(out)  # the caller may change it: this value stays as it is


def split(d: Json, cls: type[Stored], where: str) -> tuple[dict[str, Json], dict[str, Any]]:
    """(the known keys' non-None values, the ``extra`` and ``layout`` keyword arguments) of the stored ``d``."""
    if not isinstance(d, Mapping):
        raise ModelIntegrityError(f"The card's {where} is not a JSON object; the card was altered.")
    known: dict[str, Json] = {}
    blanks: list[tuple[str, Json]] = []
    for key, value in d.items():
        if key not in cls.KEYS:
            continue
        if value == {} and key in cls.EMPTY_IS_NONE:
            blanks.append((key, {}))
        elif value is not None:
            known[key] = value
    extra = {k: copy.deepcopy(v) for k, v in d.items() if k not in cls.KEYS}
    return known, {"extra": extra, "layout": Layout(tuple(d), tuple(blanks))}


def _bad(where: str, key: str, want: str, value: object) -> ModelIntegrityError:
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return ModelIntegrityError(f"The card's {where}{key} must be {want}; got {shown}. The card was altered.")


def whole(d: Mapping[str, Json], key: str, where: str = "", *, required: bool = True) -> Any:
    """``d[key]`` as a whole number (not a bool); None when absent and not ``required``."""
    value = d.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(where, key, "a whole number", value)
    return value


def number(d: Mapping[str, Json], key: str, where: str = "", *, required: bool = True) -> Any:
    """``d[key]`` as a number, kept as stored (an int stays an int); None when absent and not ``required``."""
    value = d.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _bad(where, key, "a number", value)
    return value


def text(d: Mapping[str, Json], key: str, where: str = "", *, required: bool = True) -> Any:
    """``d[key]`` as a string; None when absent and not ``required``."""
    value = d.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _bad(where, key, "a string", value)
    return value


def flag(d: Mapping[str, Json], key: str, where: str = "", *, required: bool = True) -> Any:
    """``d[key]`` as a bool; None when absent and not ``required``."""
    value = d.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, bool):
        raise _bad(where, key, "true or false", value)
    return value


def numbers(d: Mapping[str, Json], key: str, where: str = "", *, size: int | None = None) -> Any:
    """``d[key]`` as a tuple of numbers (of ``size`` when given); None when absent."""
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or (size is not None and len(value) != size):
        raise _bad(where, key, "a list of numbers" if size is None else f"a list of {size} numbers", value)
    return tuple(number({"n": v}, "n", f"{where}{key}.") for v in value)


def texts(d: Mapping[str, Json], key: str, where: str = "") -> tuple[str, ...] | None:
    """``d[key]`` as a tuple of strings; None when absent."""
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(where, key, "a list of strings", value)
    return tuple(value)


def blob(d: Mapping[str, Json], key: str, where: str = "") -> Mapping[str, Json] | None:
    """``d[key]``, a JSON object kept as stored (a copy); None when absent."""
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _bad(where, key, "a JSON object", value)
    return copy.deepcopy(dict(value))
