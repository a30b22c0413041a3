"""Browse tab: search the stored texts by words and filters, label many results at once (preview, confirm, undo
the batch), list texts like one of them, and, before the first model, find examples of the labels v1 waits for."""

from __future__ import annotations

import re

import gradio as gr

from hloop.core import values
from hloop.core.search import FILTERS, SORTS, SOURCES, STATUSES
from hloop.ui.browse_lines import (
    BATCH_COLUMNS,
    COLUMNS,
    ORDERS,
    SIMILAR_COLUMNS,
    SIMILAR_WIDTHS,
    WIDTHS,
    batch_rows,
    hit_rows,
    lacking_labels,
    preview_line,
    results_line,
    seeding,
    similar_rows,
    texts,
)
from hloop.ui.common import UI, Refresh, annotator_name, user_errors
from hloop.ui.seeding import SeedSearch

FIELDS = ("query", *FILTERS, "sort")  # the search's fields, in the order of the tab's filter inputs
PER_PAGE = [10, 20, 50, 100, 200]
ANY = ("any", "")  # a dropdown's "no filter" choice: "" is no filter for the search


def form_fields(given: tuple | list) -> dict:
    """The search fields from the tab's filter inputs (``FIELDS`` order); the confidence sliders' ends (0, 1) are
    no filter: a band filter needs the model's scores, and drops texts it has not scored."""
    fields = dict(zip(FIELDS, given, strict=True))
    low, high = fields["min_confidence"], fields["max_confidence"]
    return fields | {"min_confidence": low or None, "max_confidence": None if high is None or high >= 1 else high}


def search(services, fields: dict, page: int | None = 1, per_page: int | None = 20) -> tuple[list[list], str, int]:
    """(result rows, the results line, the page shown) of a search by ``fields`` (``FIELDS``; "" = no filter)."""
    found = user_errors(services.search, **fields, page=page, per_page=per_page)
    if found.page > found.pages:  # past the last page (fewer results than before): show the last one
        found = user_errors(services.search, **fields, page=found.pages, per_page=per_page)
    return hit_rows(found.hits), results_line(found), found.page


def turn(services, fields: dict, page: int | None, per_page: int | None, step: int) -> tuple[list[list], str, int]:
    """The previous (``step`` -1) or next (+1) page."""
    return search(services, fields, max(1, (page or 1) + step), per_page)


def chosen_ids(text: str | None) -> list[int] | None:
    """The ids typed (separated by commas or spaces); None for none: every result of the search."""
    parts = [p for p in re.split(r"[\s,;]+", text or "") if p]
    return user_errors(lambda: list(dict.fromkeys(values.parse_example_id(p) for p in parts))) or None


def preview(services, fields: dict, label: str | None, ids_text: str, relabel: bool, who: str):
    """(the preview line, its sample rows, what a confirm sends: the selection with its size; None when nothing
    would be labelled)."""
    if not label:
        raise gr.Error("Pick the label to give first.")
    ids = chosen_ids(ids_text)
    selection = {"new_label": label, "ids": ids, "relabel": bool(relabel), **fields}
    batch = user_errors(services.bulk_preview, annotator=who, **selection)
    return preview_line(batch), hit_rows(batch.sample), {**selection, "expected": batch.size} if batch.size else None


def confirm(services, previewed: dict | None, who: str) -> tuple[str, int]:
    """Label what was previewed (refused when the selection changed since); (the line, the batch's id)."""
    if not previewed:
        raise gr.Error("Preview first: Label them gives the label to the texts the preview counted.")
    batch = user_errors(services.bulk_label, annotator=who, **previewed)
    done = (
        f"Batch #{batch.batch_id}: labelled {texts(batch.size)} as **{batch.label}**. **Undo batch** gives them back."
    )
    return done, batch.batch_id


def typed_number(value: int | str | None, what: str) -> int | None:
    """A whole number typed or filled in (``what`` names it in the error); None when the box is empty."""
    text = str(value if value is not None else "").strip()
    return user_errors(values.parse_count, text, what) if text else None


def undo(services, batch_id: int | str | None) -> str:
    """Undo a whole batch; the line says so."""
    number = typed_number(batch_id, "Batch")
    if number is None:
        raise gr.Error("Give the number of the batch to undo (Recent batches lists them).")
    batch = user_errors(services.undo_bulk, number)
    return f"Undid batch #{batch.batch_id}: its {texts(batch.size)} have their previous labels back."


def more_like_this(services, example_id: int | str | None) -> tuple[list[list], str]:
    """(rows of the 10 texts most like the example ``example_id``, or like a typed text, a line); a refusal is
    said in the line."""
    typed = str(example_id if example_id is not None else "").strip()
    if not typed:
        return [], "Type an example id or a text, or click a result, then press **More like this**."
    what = f"item {typed}" if typed.isdigit() else "the text"
    try:
        given = {"example_id": typed_number(typed, "Example id")} if typed.isdigit() else {"text": typed}
        hits = user_errors(services.more_like_this, k=10, **given)
    except gr.Error as exc:
        return [], f"**No similar texts:** {exc.message}"
    return similar_rows(hits), f"{len(hits)} texts most like {what}, most similar first."


def build(services, annotator: gr.Textbox) -> tuple[Refresh, SeedSearch]:
    """Render the Browse tab; returns what the app re-reads when the tab is shown, and its seeding search."""
    names = list(services.label_set.names)
    label_choices = [ANY, *((n, n) for n in names)]
    with gr.Group(visible=False) as seed_row:
        seed_line = gr.Markdown(elem_id="browse-seed-line")
        with gr.Row(equal_height=True):
            seed_label = gr.Dropdown([], label="Label lacking examples", scale=3, elem_id="browse-seed-label")
            seed_search = gr.Button("Search for it", scale=1, elem_id="browse-seed-search")
    with gr.Row(equal_height=True):
        query = gr.Textbox(
            label="Search the texts",
            placeholder='words, "a phrase", or pref*  (empty: every text)',
            scale=5,
            elem_id="browse-query",
        )
        go = gr.Button("Search", variant="primary", scale=1, elem_id="browse-search")
    with gr.Accordion("Filters and order", open=True):
        with gr.Row():
            status = gr.Dropdown(list(STATUSES), value="any", label="Status", elem_id="browse-filter-status")
            label = gr.Dropdown(label_choices, value="", label="Label", elem_id="browse-filter-label")
            predicted = gr.Dropdown(label_choices, value="", label="Predicted", elem_id="browse-filter-predicted")
            source = gr.Dropdown([ANY, *((s, s) for s in SOURCES)], value="", label="Source", elem_id="browse-source")
            sort = gr.Dropdown(
                [("default", ""), *((ORDERS[s], s) for s in SORTS)], value="", label="Order", elem_id="browse-sort"
            )
        with gr.Row():
            low = gr.Slider(0, 1, value=0, step=0.05, label="Confidence from", elem_id="browse-min-conf")
            high = gr.Slider(0, 1, value=1, step=0.05, label="Confidence to", elem_id="browse-max-conf")
            given_by = gr.Textbox(label="Labelled by", placeholder="anyone", elem_id="browse-filter-labelled-by")
            since = gr.Textbox(label="Since", placeholder="2026-01-31", elem_id="browse-since")
            until = gr.Textbox(label="Until", placeholder="2026-12-31", elem_id="browse-until")
    line = gr.Markdown(elem_id="browse-status")
    table = gr.Dataframe(
        headers=COLUMNS,
        label="Results (click one for more like it)",
        interactive=False,
        wrap=True,
        column_widths=WIDTHS,
        elem_id="browse-results",
    )
    with gr.Row(equal_height=True):
        prev = gr.Button("◀ Previous", scale=0, min_width=140, elem_id="browse-prev")
        page = gr.Number(1, label="Page", precision=0, minimum=1, scale=1, elem_id="browse-page")
        per_page = gr.Dropdown(PER_PAGE, value=20, label="Per page", scale=1, elem_id="browse-per-page")
        after = gr.Button("Next ▶", scale=0, min_width=140, elem_id="browse-next")
    with gr.Accordion("Label many at once", open=True):
        with gr.Row(equal_height=True):
            bulk_label = gr.Dropdown(
                names, value=None, label="Label to give", filterable=True, scale=2, elem_id="browse-bulk-label"
            )
            ids = gr.Textbox(
                label="Chosen ids (comma-separated; empty: every result of the search)",
                scale=4,
                elem_id="browse-bulk-ids",
            )
            relabel = gr.Checkbox(label="Relabel texts that have a label", scale=2, elem_id="browse-bulk-relabel")
        with gr.Row():
            show = gr.Button("Preview", elem_id="browse-bulk-preview")
            give = gr.Button("Label them", variant="primary", interactive=False, elem_id="browse-bulk-confirm")
        bulk_line = gr.Markdown(elem_id="browse-bulk-status")
        sample = gr.Dataframe(
            headers=COLUMNS,
            label="Preview",
            interactive=False,
            wrap=True,
            column_widths=WIDTHS,
            elem_id="browse-bulk-sample",
        )
        with gr.Row(equal_height=True):
            batch_id = gr.Textbox(label="Batch", placeholder="its number", scale=1, elem_id="browse-undo-id")
            undo_button = gr.Button("Undo batch", scale=1, elem_id="browse-undo")
        batches = gr.Dataframe(
            headers=BATCH_COLUMNS,
            label="Recent batches (click one to undo it)",
            interactive=False,
            wrap=True,
            elem_id="browse-batches",
        )
    with gr.Accordion("More like this", open=True):
        with gr.Row(equal_height=True):
            like_id = gr.Textbox(
                label="Example id or text", placeholder="or click a result", scale=1, elem_id="browse-similar-id"
            )
            like = gr.Button("More like this", scale=1, elem_id="browse-more-like-this")
            choose = gr.Button("Add it to the chosen ids", scale=1, elem_id="browse-choose")
        like_line = gr.Markdown(elem_id="browse-similar-status")
        like_table = gr.Dataframe(
            headers=SIMILAR_COLUMNS,
            label="Similar texts",
            interactive=False,
            wrap=True,
            column_widths=SIMILAR_WIDTHS,
            elem_id="browse-similar",
        )
    previewed = gr.State(None)
    filters = [query, status, label, predicted, low, high, given_by, source, since, until, sort]

    def on_search(per: int, *given):
        return search(services, form_fields(given), 1, per)

    def on_turn(step: int):
        return lambda number, per, *given: turn(services, form_fields(given), number, per, step)

    def on_seed(name: str | None, per: int, *given):
        if not name:
            raise gr.Error("Pick a label first.")
        # the choices go with the value: a search opened from another tab can come before this tab's dropdown was
        # filled, and a dropdown refuses a value outside its choices
        picked = gr.update(choices=list(dict.fromkeys([*lacking_labels(services), name])), value=name)
        return picked, name, name, *search(services, {**form_fields(given), "query": name}, 1, per)

    def on_preview(chosen, typed, relabelling, typed_name: str, request: gr.Request, *given):
        said, rows, selection = preview(
            services, form_fields(given), chosen, typed, relabelling, annotator_name(typed_name, request)
        )
        return said, rows, selection, gr.Button(interactive=selection is not None)

    def on_confirm(selection, typed_name: str, request: gr.Request):
        said, number = confirm(services, selection, annotator_name(typed_name, request))
        return said, None, gr.Button(interactive=False), str(number)

    def on_pick(event: gr.SelectData):
        return str(event.row_value[0])

    def on_choose(example_id: str, typed: str):
        picked, listed = typed_number(example_id, "Example id"), chosen_ids(typed) or []
        return typed if picked in (None, *listed) else ", ".join(str(i) for i in [*listed, picked])

    def on_tab():
        return *seeding(services), batch_rows(user_errors(services.bulk_batches, 20))

    def on_unpreview():
        return "", [], None, gr.Button(interactive=False)

    again = on_turn(0)  # the page shown, searched again: its labels changed

    def again_args(name: str) -> dict:
        return {"inputs": [page, per_page, *filters], "outputs": shown, "api_name": f"ui_browse_{name}_again", **UI}

    shown = [table, line, page]
    seeded = [seed_label, query, bulk_label, *shown]  # a seeding search: the label picked, searched, ready to give
    bulk_out = [bulk_line, sample, previewed, give]
    refreshed = [seed_row, seed_line, seed_label, batches]
    go.click(on_search, inputs=[per_page, *filters], outputs=shown, api_name="ui_browse_search", **UI)
    query.submit(on_search, inputs=[per_page, *filters], outputs=shown, api_name="ui_browse_submit", **UI)
    prev.click(on_turn(-1), inputs=[page, per_page, *filters], outputs=shown, api_name="ui_browse_prev", **UI)
    after.click(on_turn(1), inputs=[page, per_page, *filters], outputs=shown, api_name="ui_browse_next", **UI)
    seed_search.click(
        on_seed,
        inputs=[seed_label, per_page, *filters],
        outputs=seeded,
        api_name="ui_browse_seed",
        **UI,
    )
    table.select(on_pick, outputs=like_id, api_name="ui_browse_pick", **UI)
    choose.click(on_choose, inputs=[like_id, ids], outputs=ids, api_name="ui_browse_choose", **UI)
    for name, changed in {"label": bulk_label, "ids": ids, "relabel": relabel}.items():  # a new preview is needed
        changed.input(on_unpreview, outputs=bulk_out, api_name=f"ui_browse_unpreview_{name}", **UI)
    show.click(
        on_preview,
        inputs=[bulk_label, ids, relabel, annotator, *filters],
        outputs=bulk_out,
        api_name="ui_browse_preview",
        **UI,
    )
    give.click(
        on_confirm,
        inputs=[previewed, annotator],
        outputs=[bulk_line, previewed, give, batch_id],
        api_name="ui_browse_confirm",
        **UI,
    ).success(on_tab, outputs=refreshed, api_name="ui_browse_after", **UI).success(again, **again_args("labelled"))
    undo_button.click(
        lambda number: undo(services, number), inputs=batch_id, outputs=bulk_line, api_name="ui_browse_undo", **UI
    ).success(on_tab, outputs=refreshed, api_name="ui_browse_undone", **UI).success(again, **again_args("undone"))
    batches.select(on_pick, outputs=batch_id, api_name="ui_browse_pick_batch", **UI)
    like.click(
        lambda number: more_like_this(services, number),
        inputs=like_id,
        outputs=[like_table, like_line],
        api_name="ui_browse_similar",
        **UI,
    )
    return Refresh(on_tab, [], refreshed), SeedSearch(on_seed, [seed_label, per_page, *filters], seeded)
