"""Label sets in the store (multi-label projects): a label event's set is kept in ``label.labels`` as a JSON list
of label indices, sorted and without repeats (the canonical form, so equal sets are equal strings); ``label`` then
holds the set's first index, or -1 for the empty set. The latest event of an example that is not undone counts,
as for single labels, and undo, history and batches treat set events like any other."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from hloop.core.errors import InvalidInputError
from hloop.core.values import parse_annotator
from labeling.latest import latest_rows
from labeling.store import TRAINABLE_ORIGINS, get_example
from labeling.tables import SOURCES, Label

EMPTY_SET = -1  # ``label.label`` of an event whose set is empty


@dataclass(frozen=True)
class LatestLabelSet:
    """The label set that counts for one example."""

    example_id: int
    text: str
    labels: tuple[int, ...]
    human: bool
    bulk: bool = False


def encode_label_set(labels: Iterable[int], n_labels: int, allow_empty: bool = False) -> str:
    """The canonical JSON of a set of label indices (each in ``0 .. n_labels - 1``), refused with what to do when an
    index is out of range, not an index, or the set is empty and the project does not allow that."""
    values = list(labels)
    wrong = [v for v in values if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < n_labels]
    if wrong:
        raise InvalidInputError(
            f"A label set holds label indices 0 to {n_labels - 1}; got {wrong[:3]!r}. Give label names the project "
            "knows."
        )
    if not values and not allow_empty:
        raise InvalidInputError(
            "A label set needs at least one label: tick one, or skip the item (set HLOOP_ALLOW_EMPTY=1 if a text "
            "may have none)."
        )
    return json.dumps(sorted(set(values)), separators=(",", ":"))


def decode_label_set(stored: str | None) -> tuple[int, ...]:
    """The label indices of a stored set (``()`` for the empty set); an event of a single-label store has none."""
    if stored is None:
        raise InvalidInputError("This label event holds one label, not a set: the store is of a single-label project.")
    return tuple(int(v) for v in json.loads(stored))


def add_label_set(
    example_id: int,
    labels: Iterable[int],
    annotator: str,
    source: str,
    *,
    session: Session,
    n_labels: int,
    allow_empty: bool = False,
    model_version: int | None = None,
) -> Label:
    """Append a label-set event for an existing example (checked as ``encode_label_set`` does)."""
    if source not in SOURCES:
        raise InvalidInputError(f"Unknown label source {source!r}; use one of {', '.join(SOURCES)}.")
    stored = encode_label_set(labels, n_labels, allow_empty)
    indices = decode_label_set(stored)
    row = Label(
        example_id=get_example(example_id, session=session).id,
        label=indices[0] if indices else EMPTY_SET,
        labels=stored,
        annotator=parse_annotator(annotator),
        source=source,
        model_version=model_version,
    )
    session.add(row)
    session.flush()
    return row


def latest_label_sets(
    *, session: Session, origins: Sequence[str] = TRAINABLE_ORIGINS, up_to_id: int | None = None
) -> list[LatestLabelSet]:
    """The counting label set of every labelled example of the given origins (eval never), by example id. A single
    label event among them (a store that was single-label) is refused: sets and single labels are never mixed."""
    stmt = latest_rows(Label.labels, origins=origins, up_to_id=up_to_id)
    out = []
    for example_id, text, stored, source in session.exec(stmt):
        if stored is None:
            raise InvalidInputError(
                f"Example {example_id} has a single label, not a set: this store was made by a single-label "
                "project. Use a new store (HLOOP_DATABASE_URL) for the multi-label project."
            )
        out.append(LatestLabelSet(example_id, text, decode_label_set(stored), source != "seed", source == "bulk"))
    return out
