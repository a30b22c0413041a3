"""What the labels mean and how to label: ``HLOOP_LABEL_DESCRIPTIONS`` and ``HLOOP_GUIDELINES``, read and checked.

The descriptions file is JSON or YAML: a mapping from label name to a sentence, or to
``{description: ..., examples: [...]}``. Every key must be a label of the project (a typo would silently describe
nothing); labels it leaves out simply have no description. The guidelines file is Markdown, shown as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from hloop.core.errors import InvalidInputError

MAX_DESCRIPTION = 500  # characters of a description; examples: at most MAX_EXAMPLES of MAX_DESCRIPTION each
MAX_EXAMPLES = 5
MAX_GUIDELINES_BYTES = 200_000


@dataclass(frozen=True)
class LabelGuide:
    """One label's description and example texts."""

    description: str
    examples: tuple[str, ...] = ()


def _read(path: Path, what: str, limit: int) -> str:
    path = Path(path).expanduser()
    try:
        if path.stat().st_size > limit:
            raise InvalidInputError(f"{what} {path} is larger than {limit:,} bytes; shorten it.")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{what} {path} does not exist; fix the path or unset the setting.") from exc
    except IsADirectoryError as exc:
        raise InvalidInputError(f"{what} {path} is a folder; give the file.") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{what} {path} is not UTF-8 text; save it as UTF-8.") from exc
    except OSError as exc:
        raise InvalidInputError(f"{what} {path} cannot be read ({exc.strerror or exc}).") from exc


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{where} must be a non-empty text; got {type(value).__name__} {value!r:.60}.")
    if len(value) > MAX_DESCRIPTION:
        raise InvalidInputError(f"{where} has {len(value):,} characters; keep it to {MAX_DESCRIPTION}.")
    return " ".join(value.split())


def read_descriptions(path: str | Path, labels: Sequence[str]) -> dict[str, LabelGuide]:
    """The label descriptions in ``path`` (JSON or YAML), keyed by label name, in the label set's order;
    InvalidInputError saying what is wrong (an unknown label, a wrong shape, an unreadable file)."""
    what = "The label descriptions file (HLOOP_LABEL_DESCRIPTIONS)"
    body = _read(Path(path), what, MAX_GUIDELINES_BYTES)
    try:
        loaded = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{what} {path} is neither JSON nor YAML: {str(exc).splitlines()[0]}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidInputError(
            f"{what} {path} must map each label to a description; it holds a {type(loaded).__name__}."
        )
    known = {str(name): name for name in labels}
    unknown = [str(k) for k in loaded if str(k) not in known]
    if unknown:
        raise InvalidInputError(
            f"{what} {path} describes labels the project does not have: {', '.join(unknown[:5])}. "
            f"Its labels are: {', '.join(list(known)[:20])}."
        )
    guides: dict[str, LabelGuide] = {}
    for key, value in loaded.items():
        where = f"The description of {key!s} in {path}"
        if isinstance(value, dict):
            extra = set(map(str, value)) - {"description", "examples"}
            if extra:
                raise InvalidInputError(f"{where} has unknown keys {sorted(extra)}; use description and examples.")
            examples = value.get("examples") or []
            if not isinstance(examples, list) or len(examples) > MAX_EXAMPLES:
                raise InvalidInputError(f"{where}: examples must be a list of at most {MAX_EXAMPLES} texts.")
            guide = LabelGuide(
                _text(value.get("description"), where),
                tuple(_text(e, f"An example of {key!s} in {path}") for e in examples),
            )
        else:
            guide = LabelGuide(_text(value, where))
        guides[str(key)] = guide
    return {name: guides[name] for name in known if name in guides}


def read_guidelines(path: str | Path) -> str:
    """The labelling guidelines (Markdown) in ``path``; InvalidInputError when it cannot be read or is empty."""
    what = "The guidelines file (HLOOP_GUIDELINES)"
    text = _read(Path(path), what, MAX_GUIDELINES_BYTES)
    if not text.strip():
        raise InvalidInputError(f"{what} {path} is empty; write the guidelines or unset the setting.")
    return text
