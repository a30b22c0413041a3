"""The store filters of a search (status, label, annotator, source, dates) applied in memory to the ids the
full-text index found: from the counting labels of those ids alone (and their origins and times when a filter
needs them), read in a few batched queries rather than one join per matching row."""

from __future__ import annotations

from datetime import UTC

import numpy as np
from sqlmodel import Session

from hloop.core.search import SearchRequest
from labeling import search_queries


def needs_labels(request: SearchRequest) -> bool:
    """Whether a filter reads the texts' counting labels (or their origins and times)."""
    labelled = request.status != "any" or request.label is not None or request.labelled_by
    return bool(labelled or request.source or request.since or request.until)


def store_filtered(ids: np.ndarray, request: SearchRequest, *, session: Session) -> np.ndarray:
    """The ids (in their order) that pass the request's store filters."""
    if not needs_labels(request) or not ids.size:
        return ids
    counting = search_queries.counting_labels(ids.tolist(), session=session)
    facts = (
        search_queries.origins_and_times(ids.tolist(), session=session)
        if request.source or request.since or request.until
        else {}
    )
    keep = np.zeros(ids.size, bool)
    for position, example_id in enumerate(ids.tolist()):
        label = counting.get(example_id)  # (label, annotator, source, created_at) or None
        if request.status == "unlabelled" and label is not None:
            continue
        if request.status == "labelled" and label is None:
            continue
        if request.label is not None and (label is None or label[0] != request.label):
            continue
        if request.labelled_by and (label is None or label[1] != request.labelled_by):
            continue
        origin, stored_at = facts.get(example_id, (None, None))
        if request.source and request.source != origin and (label is None or label[2] != request.source):
            continue
        when = stored_at if label is None else label[3]
        if request.since is not None and (when is None or _aware(when) < request.since):
            continue
        if request.until is not None and (when is None or _aware(when) > request.until):
            continue
        keep[position] = True
    return ids[keep]


def _aware(when):
    """A stored time as UTC (SQLite gives it back without its zone)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)
