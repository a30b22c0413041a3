"""The REST routes of search, more like this and bulk labelling (added to the ``/api`` router by ``hloop.ui.rest``).

Filters are the ``SearchRequest`` fields (query parameters of ``GET /api/search``, a ``filters`` object in the
bodies); the services check them and say what was wrong (400). With login on, the annotator is the user.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

SEARCH_HELP = 'words (all of them), "a phrase", prefix*; empty: every text that passes the filters'


def add_search_routes(router: APIRouter, services, user, default_annotator: str) -> None:
    """``GET /api/search``, ``POST /api/more-like-this``, and ``/api/bulk-label`` (preview, label, undo, list)."""

    @router.get("/search")
    def search(
        query: Annotated[str, Query(description=SEARCH_HELP)] = "",
        status: Annotated[str, Query(description="any, unlabelled or labelled")] = "any",
        label: Annotated[str, Query(description="the counting label")] = "",
        predicted: Annotated[str, Query(description="the current model's predicted label")] = "",
        min_confidence: Annotated[str, Query(description="the model's confidence at least (0-1)")] = "",
        max_confidence: Annotated[str, Query(description="the model's confidence at most (0-1)")] = "",
        labelled_by: Annotated[str, Query(description="the annotator of the counting label")] = "",
        source: Annotated[str, Query(description="where the text came from, or how its label was given")] = "",
        since: Annotated[str, Query(description="labelled (or stored) on or after: a date or ISO time")] = "",
        until: Annotated[str, Query(description="labelled (or stored) on or before: a date or ISO time")] = "",
        sort: Annotated[str, Query(description="relevance, uncertainty, newest or oldest")] = "",
        page: Annotated[str, Query(description="the page, from 1")] = "1",
        per_page: Annotated[str, Query(description="hits per page, 1-200")] = "20",
    ) -> dict:
        """One page of the pool and labelled texts that match (never eval or held-out texts, never gold labels)."""
        fields = {
            "query": query, "status": status, "label": label, "predicted": predicted,
            "min_confidence": min_confidence, "max_confidence": max_confidence, "labelled_by": labelled_by,
            "source": source, "since": since, "until": until, "sort": sort, "page": page, "per_page": per_page,
        }  # fmt: skip
        return services.search(**fields).to_dict()

    @router.post("/more-like-this")
    def more_like_this(
        text: Annotated[str | None, Body(description="the text to find texts like")] = None,
        example_id: Annotated[int | None, Body(description="or a stored example's id")] = None,
        k: Annotated[int, Body(description="how many, 1-1000")] = 10,
        filters: Annotated[dict[str, Any] | None, Body(description="search filters (no query)")] = None,
    ) -> dict:
        """The texts most like ``text`` or the example: by embedding when the project keeps them, else by words."""
        hits = services.more_like_this(text=text, example_id=example_id, k=k, **(filters or {}))
        return {"results": [h.to_dict() for h in hits]}

    def _selection(query: str, ids: list[int] | None, relabel: bool, filters: dict | None) -> dict:
        return {"query": query, "ids": ids, "relabel": relabel, **(filters or {})}

    @router.post("/bulk-label/preview")
    def bulk_preview(
        label: Annotated[str, Body(description="the label to give")],
        query: Annotated[str, Body(description=SEARCH_HELP)] = "",
        ids: Annotated[list[int] | None, Body(description="only these results (absent: all of them)")] = None,
        relabel: Annotated[bool, Body(description="also relabel texts that have a label")] = False,
        filters: Annotated[dict[str, Any] | None, Body(description="search filters")] = None,
        annotator: Annotated[str | None, Body(description="who gives the labels")] = None,
        who: str = Depends(user),
    ) -> dict:
        """How many texts the batch would label, what it skips and why, and a sample; nothing is stored."""
        name = who or annotator or default_annotator
        return services.bulk_preview(label, name, **_selection(query, ids, relabel, filters)).to_dict()

    @router.post("/bulk-label")
    def bulk_label(
        label: Annotated[str, Body(description="the label to give")],
        expected: Annotated[int, Body(description="the size the preview showed: refused if it changed since")],
        query: Annotated[str, Body(description=SEARCH_HELP)] = "",
        ids: Annotated[list[int] | None, Body(description="only these results (absent: all of them)")] = None,
        relabel: Annotated[bool, Body(description="also relabel texts that have a label")] = False,
        filters: Annotated[dict[str, Any] | None, Body(description="search filters")] = None,
        annotator: Annotated[str | None, Body(description="who gives the labels")] = None,
        who: str = Depends(user),
    ) -> dict:
        """Label the selection as one batch (its id undoes it); refused when it changed since the preview."""
        name = who or annotator or default_annotator
        selection = _selection(query, ids, relabel, filters)
        return services.bulk_label(label, name, expected=expected, **selection).to_dict()

    @router.post("/bulk-label/{batch_id}/undo")
    def undo_bulk(batch_id: int) -> dict:
        """Undo a batch: every text it labelled gets back the label it had before."""
        return services.undo_bulk(batch_id).to_dict()

    @router.get("/bulk-label")
    def bulk_batches(limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict]:
        """The newest bulk batches: label, annotator, size, query, and whether they were undone."""
        return [b.to_dict() for b in services.bulk_batches(limit)]
