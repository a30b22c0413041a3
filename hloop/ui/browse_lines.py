"""What the Browse tab shows besides its inputs: the results and sample tables, the results line, the preview
line, the recent batches, the similar texts and, before the first model, the labels that lack examples."""

from __future__ import annotations

import gradio as gr

from hloop.core.search_records import BulkBatch, SearchHit, SearchPage
from hloop.ui.common import shown_number, user_errors

COLUMNS = ["id", "text", "label", "annotator", "source", "predicted", "confidence", "claimed by"]
WIDTHS = ["6%", "44%", "8%", "9%", "8%", "9%", "9%", "7%"]
BATCH_COLUMNS = ["batch", "label", "annotator", "texts", "selection", "when (UTC)", "undone (UTC)"]
SIMILAR_COLUMNS = ["id", "score", "label", "origin", "text"]
SIMILAR_WIDTHS = ["8%", "8%", "12%", "8%", "64%"]
SHOWN_CHARS = 200
ORDERS = {
    "relevance": "best matches first",
    "uncertainty": "least sure first",
    "newest": "newest first",
    "oldest": "oldest first",
}


def shown_text(text: str) -> str:
    """A text cut to ``SHOWN_CHARS`` for a table."""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def hit_rows(hits: tuple[SearchHit, ...] | list[SearchHit]) -> list[list]:
    """Rows of the results (and of a preview's sample), in ``COLUMNS`` order."""
    return [
        [
            h.example_id,
            shown_text(h.text),
            h.label or "",
            h.annotator or "",
            h.source or "",
            h.predicted or "",
            shown_number(h.confidence),
            h.claimed_by or "",
        ]
        for h in hits
    ]


def results_line(found: SearchPage) -> str:
    """``N results (page p of P)``, the order, and the search's notes."""
    count = f"at least {found.total:,}" if found.total_is_lower_bound else f"{found.total:,}"
    line = f"**{count}** result{'' if found.total == 1 else 's'} (page {found.page} of {found.pages}), "
    return " ".join([line + ORDERS.get(found.order, found.order) + ".", *found.notes])


def texts(n: int) -> str:
    """``1 text``, ``1,200 texts``."""
    return f"{n:,} text{'' if n == 1 else 's'}"


def preview_line(batch: BulkBatch) -> str:
    """``Would label N texts as X; skips …``, or why nothing would be labelled."""
    skips = "; skips " + ", ".join(f"{n:,} {why}" for why, n in batch.skipped.items()) if batch.skipped else ""
    if not batch.size:
        return f"Nothing to label as **{batch.label}**{skips or '; the search has no results'}."
    sample = f" The first {len(batch.sample)}:" if batch.sample else ""
    return f"Would label **{texts(batch.size)}** as **{batch.label}**{skips}. Press **Label them** to confirm.{sample}"


def selection_text(request: dict) -> str:
    """What a batch's selection was, in a few words (the batch's recorded search)."""
    if request.get("ids"):
        parts = [f"{len(request['ids'])} chosen ids"]
    else:
        parts = [f"“{request['query']}”" if request.get("query") else "every text"]
        shown = ("status", "predicted", "source", "min_confidence", "max_confidence", "since", "until")
        parts += [f"{k} {request[k]}" for k in shown if request.get(k) not in (None, "", "any")]
    return ", ".join(parts) + (" (relabel)" if request.get("relabel") else "")


def _when(stamp: str | None) -> str:
    return (stamp or "").replace("T", " ")[:19]


def batch_rows(batches: list[BulkBatch]) -> list[list]:
    """Rows of the recent batches table, newest first."""
    return [
        [b.batch_id, b.label, b.annotator, b.size, selection_text(b.request), _when(b.created_at), _when(b.undone_at)]
        for b in batches
    ]


def similar_rows(hits: list) -> list[list]:
    """Rows of the similar texts table (``SearchHit`` values), in ``SIMILAR_COLUMNS`` order."""
    return [[h.example_id, shown_number(h.score), h.label or "", h.origin, shown_text(h.text)] for h in hits]


def seeding_line(lacking: dict[str, int], then: str = "search for its texts, then label them below") -> str:
    """The cold-start line: the labels that still need examples (empty when none does)."""
    if not lacking:
        return ""
    listed = ", ".join(f"{name} ({n} more)" for name, n in lacking.items())
    return f"**No model yet.** Labels that still need examples: {listed}. Pick one and {then}."


def lacking_labels(services) -> dict[str, int]:
    """Before the first model: each label that still lacks examples, with how many more it needs (else empty)."""
    if services.current_version() is not None:
        return {}
    return {name: n for name, n in user_errors(services.labels_needed).items() if n > 0}


def seeding(services, then: str | None = None) -> tuple[dict, str, dict]:
    """The cold-start row: (its visibility, its line, the dropdown of labels lacking examples)."""
    lacking = lacking_labels(services)
    choices = gr.update(choices=list(lacking), value=next(iter(lacking), None))
    line = seeding_line(lacking) if then is None else seeding_line(lacking, then)
    return gr.update(visible=bool(lacking)), line, choices
