"""What a search, a "more like this" and a bulk labelling return: frozen values with ``to_dict()`` for the edges."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class SearchHit:
    """One text found: its counting label (None when unlabelled), the current model's guess (None without a
    model or a score yet) and whether it can be labelled from the search (not claimed by someone else)."""

    example_id: int
    text: str
    origin: str
    label: str | None
    annotator: str | None
    source: str | None  # how the counting label was given (queue, correction, bulk, seed …)
    labelled_at: str | None  # ISO 8601, UTC, seconds
    predicted: str | None
    confidence: float | None
    claimed_by: str | None
    score: float | None = None  # relevance (higher is better) or similarity, when the order has one

    def to_dict(self) -> dict[str, Any]:
        """The hit as JSON values."""
        return asdict(self)


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: its hits, how many texts matched in all (``total``; ``total_is_lower_bound`` when the
    count stopped at its cap), the page and page count, the order used, and notes (e.g. texts not indexed yet)."""

    request: dict[str, Any]
    hits: tuple[SearchHit, ...]
    total: int
    total_is_lower_bound: bool
    page: int
    pages: int
    order: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The page as JSON values."""
        return {
            "request": self.request,
            "hits": [h.to_dict() for h in self.hits],
            "total": self.total,
            "total_is_lower_bound": self.total_is_lower_bound,
            "page": self.page,
            "pages": self.pages,
            "order": self.order,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class BulkBatch:
    """A bulk labelling: its id, the label, who gave it, the search it came from, how many texts it labelled,
    how many results it skipped and why, and whether it was undone (a preview has no id yet)."""

    batch_id: int | None
    label: str
    annotator: str
    request: dict[str, Any]
    size: int
    skipped: dict[str, int]
    created_at: str | None
    undone_at: str | None
    sample: tuple[SearchHit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The batch as JSON values (``sample``: the first texts it labels or labelled)."""
        out = asdict(self)
        out["sample"] = [h.to_dict() for h in self.sample]
        return out
