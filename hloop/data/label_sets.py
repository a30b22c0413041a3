"""Label columns of multi-label datasets: each cell a set of label names. A cell is a list (JSON, parquet), a JSON
list written as text, or in CSV a string of names joined by a separator (``HLOOP_LABEL_SEPARATOR``); a missing cell
is an unlabelled row, an empty list a text with no label. Names are matched as the single-label loader matches
them (``LabelSet``: case and spacing folded), and a name outside the label set is one clear error."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from hloop.core.errors import DatasetUnavailableError, HLoopError
from hloop.core.labels import LabelSet
from hloop.data.hygiene import label_spellings, missing_value

LISTS = (list, tuple, np.ndarray)


def holds_lists(cells: Sequence[object]) -> bool:
    """Whether a label column is multi-label: some cell is a list, or a JSON list written as text."""
    for cell in cells:
        if isinstance(cell, LISTS) or (isinstance(cell, str) and cell.strip().startswith("[")):
            return True
    return False


def label_set_cell(cell: object, separator: str = "", *, column: str = "label", row: int = 0) -> tuple[str, ...] | None:
    """A cell's label names, sorted, without blanks or repeats; None for a missing cell (an unlabelled row). With no
    separator, a plain string is one label."""
    if missing_value(cell):
        return None
    if isinstance(cell, str):
        text = cell.strip()
        if text.startswith("["):
            try:
                cell = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DatasetUnavailableError(
                    f"Row {row} of column {column!r} starts like a JSON list but is not one ({exc.msg}): "
                    f'{text[:60]!r}. Write it as a JSON list of names, e.g. ["a", "b"], or as names joined by '
                    "HLOOP_LABEL_SEPARATOR."
                ) from None
            if not isinstance(cell, list):
                cell = [cell]
        else:
            cell = text.split(separator) if separator else [text]
    elif not isinstance(cell, LISTS):
        cell = [cell]
    if any(isinstance(name, (*LISTS, dict)) for name in cell):
        raise DatasetUnavailableError(
            f"Row {row} of column {column!r} holds a list inside its list ({str(cell)[:60]}); a label set is a flat "
            "list of label names."
        )
    return tuple(sorted({str(name).strip() for name in cell if str(name).strip()}))


def label_set_cells(
    cells: Sequence[object], separator: str = "", column: str = "label"
) -> list[tuple[str, ...] | None]:
    """Every cell of a label column as ``label_set_cell`` reads it."""
    return [label_set_cell(cell, separator, column=column, row=i) for i, cell in enumerate(cells)]


def set_label_names(sets: Sequence[tuple[str, ...] | None]) -> tuple[str, ...]:
    """The label names of a multi-label column: its distinct names, sorted, where names that differ only in case or
    spacing are one label named as most cells write it."""
    names, _ = label_spellings(name for labels in sets if labels for name in labels)
    return names


def to_indicator(
    sets: Sequence[tuple[str, ...] | None], label_set: LabelSet, column: str = "label"
) -> tuple[np.ndarray, np.ndarray]:
    """(indicator, labelled): an (n, labels) bool matrix of each row's set and a bool vector of the rows that have
    a label cell (an empty set is labelled, with no label). Names outside the label set are one clear error."""
    indicator = np.zeros((len(sets), len(label_set)), dtype=bool)
    labelled = np.zeros(len(sets), dtype=bool)
    unknown: list[str] = []
    for i, labels in enumerate(sets):
        if labels is None:
            continue
        labelled[i] = True
        for name in labels:
            try:
                indicator[i, label_set.index(name)] = True
            except HLoopError:
                unknown.append(name)
    if unknown:
        few = ", ".join(repr(v[:40]) for v in dict.fromkeys(unknown))[:300]
        raise DatasetUnavailableError(
            f"{len(unknown):,} label names in column {column!r} are not in the label set "
            f"({', '.join(label_set.names[:12])}{' …' if len(label_set) > 12 else ''}), e.g. {few}. Fix the data, "
            "or list every label in HLOOP_LABELS."
        )
    return indicator, labelled
