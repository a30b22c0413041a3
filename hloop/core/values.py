"""Typed values at the edges: every raw argument (API JSON, CLI string) is validated once, here.

Each ``parse_*`` function takes whatever arrived and returns the typed value, or raises InvalidInputError with
one line saying what was wrong, what is allowed and what arrived. The constraints are pydantic types, defined
once; ``check_text`` is the one pure test for text that cannot be stored (lone surrogates).
"""

from __future__ import annotations

from typing import Annotated, Any, NewType

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError

from hloop.core.errors import InvalidInputError

MAX_ID = 2**63 - 1  # the largest id a 64-bit signed database column holds
MAX_LIMIT = 1000
MIN_WEIGHT = 0.001  # the one range of a feedback weight: the setting, the CLI, the API and training
MAX_WEIGHT = 100.0
MAX_NAME_CHARS = 100  # annotator names, strategies, formats (the store's annotator columns hold 100)

Annotator = NewType("Annotator", str)  # a name ``parse_annotator`` accepted: stripped, 1-100 characters


def check_text(text: str, what: str = "Text") -> str:
    """``text`` unchanged; InvalidInputError when it holds a lone surrogate (not encodable as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{what} contains an invalid character (lone surrogate U+{ord(text[exc.start]):04X} at position "
            f"{exc.start}); send valid UTF-8 text."
        ) from None
    return text


def _no_bool(value: Any) -> Any:
    # JSON true/false are not numbers, and bytes never arrive from JSON or argv
    if isinstance(value, bool | bytes | bytearray):
        raise ValueError("not a number")
    return value


def _valid_text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("lone surrogate") from exc
    return value


Number = BeforeValidator(_no_bool)
ExampleId = Annotated[int, Number, Field(gt=0, le=MAX_ID)]
Version = Annotated[int, Number, Field(ge=0, le=MAX_ID)]
Limit = Annotated[int, Number, Field(ge=1, le=MAX_LIMIT)]
Count = Annotated[int, Number, Field(ge=1, le=10**9)]
Seed = Annotated[int, Number, Field(ge=0, le=2**31 - 1)]
Weight = Annotated[float, Number, Field(ge=MIN_WEIGHT, le=MAX_WEIGHT, allow_inf_nan=False)]
Fraction = Annotated[float, Number, Field(gt=0, le=1, allow_inf_nan=False)]
Text = Annotated[str, Field(strict=True), AfterValidator(_valid_text)]
Flag = Annotated[bool, Field(strict=True)]

_ADAPTERS: dict[Any, TypeAdapter] = {}


def _parse(kind: Any, value: object, what: str, rule: str) -> Any:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:  # built once per type (a TypeAdapter costs about a millisecond)
        adapter = _ADAPTERS.setdefault(kind, TypeAdapter(kind))
    try:
        return adapter.validate_python(value)
    except ValidationError:
        raise InvalidInputError(f"{what} must be {rule}; got {_shown(value)}.") from None


def _shown(value: object) -> str:
    shown = repr(value)  # repr keeps the message on one line (newlines and surrogates come out escaped)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def parse_example_id(value: object) -> int:
    """An example id: a whole number from 1 to 2**63-1 (``12`` and ``"12"``; not ``1.7``, ``None`` or ``true``)."""
    return _parse(ExampleId, value, "Example id", f"a whole number from 1 to {MAX_ID}")


def parse_version(value: object) -> int:
    """A model version number: a whole number >= 0 (0 = the current version where that is allowed)."""
    return _parse(Version, value, "Version", "a whole number (0 or more)")


def parse_limit(value: object) -> int:
    """How many rows to return: a whole number from 1 to 1000."""
    return _parse(Limit, value, "Limit", f"a whole number from 1 to {MAX_LIMIT}")


def parse_count(value: object, what: str = "Count") -> int:
    """A positive whole number (repeats, batch sizes, budgets, workers)."""
    return _parse(Count, value, what, "a whole number from 1 to 1000000000")


def parse_seed(value: object) -> int:
    """A random seed: a whole number from 0 to 2**31-1."""
    return _parse(Seed, value, "Seed", f"a whole number from 0 to {2**31 - 1}")


def parse_weight(value: object) -> float:
    """A feedback weight: a finite number from ``MIN_WEIGHT`` to ``MAX_WEIGHT``."""
    return _parse(Weight, value, "Feedback weight", f"a number from {MIN_WEIGHT:g} to {MAX_WEIGHT:g}")


def parse_fraction(value: object, what: str = "Fraction") -> float:
    """A finite number above 0 and at most 1 (e.g. a target accuracy)."""
    return _parse(Fraction, value, what, "a number above 0 and at most 1")


def parse_text(value: object, what: str = "Text") -> str:
    """A string as sent (not stripped); refuses non-strings and lone surrogates."""
    if isinstance(value, str):
        check_text(value, what)
    return _parse(Text, value, what, "a string")


def parse_name(value: object, what: str = "Name") -> str:
    """An optional short name (strategy, format): a string of at most 100 characters; None is ""."""
    name = "" if value is None else parse_text(value, what)
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInputError(f"{what} must be at most {MAX_NAME_CHARS} characters; got {len(name):,}.")
    return name


def parse_annotator(value: object, *, optional: bool = False) -> Annotator:
    """An annotator's name, the one rule for every edge and the store: a string, stripped, 1-100 characters;
    a longer name is refused, never cut. None is empty; ``optional`` allows empty (""), e.g. an anonymous
    prediction."""
    name = "" if value is None else parse_text(value, "Annotator name").strip()
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInputError(
            f"Annotator name must be at most {MAX_NAME_CHARS} characters; got {len(name):,}. Use a shorter name."
        )
    if not name and not optional:
        raise InvalidInputError(f"Annotator name must be 1-{MAX_NAME_CHARS} characters; enter your name.")
    return Annotator(name)


def parse_label(value: object) -> str | int:
    """A label as a name (string) or an index (whole number); membership is checked by the label set."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise InvalidInputError(f"Label must be a label name or index; got {_shown(value)}.")
    return check_text(value, "Label")


def parse_flag(value: object, what: str = "Flag") -> bool:
    """A JSON boolean (true or false), nothing else."""
    return _parse(Flag, value, what, "true or false")
