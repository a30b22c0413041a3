"""The checks the settings' validators share: a number within its range, comma-separated lists of browser origins
and of trusted proxies, the model and its embeddings; each raises ValueError with a message that says what is
allowed."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

from hloop.core.errors import InvalidInputError
from hloop.core.models import EMBEDDING_FAMILIES, canonical_spec, parse_model


def entries(value: str) -> list[str]:
    """The non-empty, stripped entries of a comma-separated value."""
    return [part.strip() for part in value.split(",") if part.strip()]


def origin(entry: str) -> str:
    """One browser origin, ``scheme://host[:port]`` without a path; '*' is refused (list the origins)."""
    if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?/?|https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?/?", entry):
        raise ValueError(
            f"{entry!r} is not an origin; list origins such as https://user.github.io or http://localhost:8000 "
            "(scheme://host[:port], no path, no '*'), separated by commas"
        )
    return entry.rstrip("/").lower()


def proxy(entry: str) -> str:
    """One trusted proxy: an IP address or network (CIDR), or '*' for any (only behind a proxy you control)."""
    if entry == "*":
        return entry
    try:
        return str(ipaddress.ip_network(entry, strict=False))
    except ValueError:
        raise ValueError(
            f"{entry!r} is not an IP address or network; list the proxies' addresses such as 10.0.0.5 or "
            "10.0.0.0/8 (or '*' for any), separated by commas"
        ) from None


def within(value: float, low: float, high: float, unit: str, low_open: bool = False) -> float:
    """``value`` when it is finite and in [low, high] (or (low, high] with ``low_open``); ValueError otherwise."""
    inside = math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
    if not inside:
        bound = f"above {_num(low)}" if low_open else f"at least {_num(low)}"
        raise ValueError(f"must be {bound} and at most {_num(high)} ({unit}); got {value!r}")
    return value


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else str(x)


def _parsed(parse: Callable[[str], str]) -> Callable[[str], str]:
    """A setting's check from one of ``hloop.core.models``' parsers (their InvalidInputError as pydantic's
    ValueError, so a bad value refuses to start with its one line)."""

    def check(value: str) -> str:
        try:
            return parse(value)
        except InvalidInputError as exc:
            raise ValueError(str(exc)) from None

    return check


ModelSetting = Annotated[str, AfterValidator(_parsed(parse_model))]
SessionGoal = Annotated[int, AfterValidator(lambda value: within(value, 0, 100_000, "labels"))]
BulkMax = Annotated[int, AfterValidator(lambda value: within(value, 1, 1_000_000, "texts"))]
EmbeddingsSetting = Annotated[str, AfterValidator(_parsed(canonical_spec))]


def multi_label(value: str) -> str:
    """HLOOP_MULTI_LABEL as ``"1"``, ``"0"`` or ``"auto"``."""
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return "1"
    if word in ("0", "false", "no", "off"):
        return "0"
    if word == "auto":
        return "auto"
    raise ValueError(f"HLOOP_MULTI_LABEL must be 1 (a text has a set of labels), 0 (one label) or auto; got {value!r}")


MultiLabel = Annotated[str, AfterValidator(multi_label)]


def needs_embeddings(model: str, embeddings: str) -> None:
    """ValueError when ``model`` is a family that needs embeddings and ``embeddings`` is none."""
    if model in EMBEDDING_FAMILIES and embeddings == "none":
        raise ValueError(
            f"HLOOP_MODEL={model} needs embeddings and HLOOP_EMBEDDINGS is none: set HLOOP_EMBEDDINGS=wordllama (or "
            "another embedder), or HLOOP_MODEL=auto or a TF-IDF family (tfidf-lr, tfidf-cnb)"
        )
