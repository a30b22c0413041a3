"""The API for scripts behind the Browse tab: search with filters, bulk labelling (preview, label, undo) and the
recent batches. ``hloop.ui.api`` registers them with the other endpoints.

The filters take the search's field names, as ``hloop search`` does (``label``: the counting label,
``labelled_by``: who gave it); "" means no filter. A bulk call's label to give is ``new_label``, as in
``hloop bulk-label``.
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from hloop.core import values
from hloop.core.search import FILTERS
from hloop.ui.browse import FIELDS
from hloop.ui.common import user_errors


def register(services, who: Callable[[object, gr.Request | None], str]) -> None:
    """Register the endpoints inside the current Blocks context; ``who`` names the annotator of a call."""

    def search(
        query: str = "",
        status: str = "any",
        label: str = "",
        predicted: str = "",
        min_confidence: float | None = None,
        max_confidence: float | None = None,
        labelled_by: str = "",
        source: str = "",
        since: str = "",
        until: str = "",
        sort: str = "",
        page: int = 1,
        per_page: int = 20,
    ) -> dict:
        """One page (``per_page``: 1-200) of the pool and labelled texts matching ``query`` (words, "a phrase",
        pref*) and the filters: hits, total, pages, the order used and notes. ``sort``: relevance, uncertainty,
        newest or oldest ("" = relevance with a query, newest without); ``since``/``until``: dates (2026-12-01)."""
        given = (query, status, label, predicted, min_confidence, max_confidence, labelled_by, source, since, until)
        fields = dict(zip(FIELDS, (*given, sort), strict=True))
        return user_errors(services.search, **fields, page=page, per_page=per_page).to_dict()

    def chosen(new_label: object, ids: object, relabel: object, *given: object) -> dict:
        """A bulk call's arguments: the label to give, the chosen ids (None: every result), relabel and the
        search (``given``: the values of ``FIELDS``)."""
        fields = dict(zip(FIELDS, given, strict=True))
        relabelling = values.parse_flag(relabel, "relabel")
        return {"new_label": values.parse_label(new_label), "ids": ids, "relabel": relabelling, **fields}

    def bulk_preview(
        new_label: str,
        annotator: str,
        query: str = "",
        ids: list[int] | None = None,
        relabel: bool = False,
        status: str = "any",
        label: str = "",
        predicted: str = "",
        min_confidence: float | None = None,
        max_confidence: float | None = None,
        labelled_by: str = "",
        source: str = "",
        since: str = "",
        until: str = "",
        sort: str = "",
        request: gr.Request = None,
    ) -> dict:
        """What ``bulk_label`` would do now: how many texts get ``new_label`` (``ids``, or every result of the
        search), how many it skips and why, and a sample. Texts with a label are skipped unless ``relabel``."""
        given = (query, status, label, predicted, min_confidence, max_confidence, labelled_by, source, since, until)

        def run():
            selection = chosen(new_label, ids, relabel, *given, sort)
            return services.bulk_preview(annotator=who(annotator, request), **selection)

        return user_errors(run).to_dict()

    def bulk_label(
        new_label: str,
        annotator: str,
        expected: int | None = None,
        query: str = "",
        ids: list[int] | None = None,
        relabel: bool = False,
        status: str = "any",
        label: str = "",
        predicted: str = "",
        min_confidence: float | None = None,
        max_confidence: float | None = None,
        labelled_by: str = "",
        source: str = "",
        since: str = "",
        until: str = "",
        sort: str = "",
        request: gr.Request = None,
    ) -> dict:
        """Give ``new_label`` to the selection as one batch (arguments as ``bulk_preview``). ``expected``: the size
        the preview showed; when the selection changed since, nothing is stored. Returns the batch with its id."""
        given = (query, status, label, predicted, min_confidence, max_confidence, labelled_by, source, since, until)

        def run():
            size = None if expected is None else values.parse_count(expected, "expected")
            selection = chosen(new_label, ids, relabel, *given, sort)
            return services.bulk_label(annotator=who(annotator, request), expected=size, **selection)

        return user_errors(run).to_dict()

    def undo_bulk(batch_id: int) -> dict:
        """Undo a whole batch: every text it labelled gets back the label it had before."""
        return user_errors(lambda: services.undo_bulk(values.parse_count(batch_id, "batch_id"))).to_dict()

    def bulk_batches(limit: int = 50) -> list[dict]:
        """The newest bulk batches (1-1000), with their searches, sizes and whether they were undone."""
        return [b.to_dict() for b in user_errors(lambda: services.bulk_batches(values.parse_limit(limit)))]

    def more_like_this(
        text: str = "",
        example_id: int | None = None,
        k: int = 10,
        status: str = "any",
        label: str = "",
        predicted: str = "",
        min_confidence: float | None = None,
        max_confidence: float | None = None,
        labelled_by: str = "",
        source: str = "",
        since: str = "",
        until: str = "",
    ) -> list[dict]:
        """Up to ``k`` (1-1000) pool or labelled texts most like ``text`` or the example ``example_id``, best first,
        that pass the search's filters: by embedding when the project keeps them, else by the text's telling
        words; ``score`` is the similarity or the relevance."""
        given = (status, label, predicted, min_confidence, max_confidence, labelled_by, source, since, until)
        filters = dict(zip(FILTERS, given, strict=True))

        def run():
            number = None if example_id in (None, "") else values.parse_example_id(example_id)
            found = services.more_like_this(text=text or None, example_id=number, k=values.parse_limit(k), **filters)
            return [h.to_dict() for h in found]

        return user_errors(run)

    for fn in (search, bulk_preview, bulk_label, undo_bulk, bulk_batches, more_like_this):
        gr.api(fn, api_name=fn.__name__)
