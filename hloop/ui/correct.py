"""Correct tab: recent predictions and labels; change any label, undo your last one. History is kept."""

from __future__ import annotations

import gradio as gr

from hloop.ui.common import UI, Refresh, annotator_name, label_picker, user_errors

COLUMNS = ["label #", "example", "text", "model prediction", "human label", "who", "when", "model version", "status"]
TEXT_COLUMN = COLUMNS.index("text")
HISTORY_ROWS = 50


def history_rows(services) -> list[list]:
    """The newest predictions shown in the app and label events as table rows: an undone label is marked
    ``undone``, and one a newer label of the same example replaced ``replaced by #N``."""
    rows, newest = [], {}  # example id -> its newest live label's id (events come newest first)
    for event in user_errors(services.recent_activity, HISTORY_ROWS):
        status = "undone" if event.undone else event.source
        if event.label_id and not event.undone and event.example_id:
            later = newest.setdefault(event.example_id, event.label_id)
            status = status if later == event.label_id else f"replaced by #{later}"
        rows.append(
            [
                event.label_id or "",
                event.example_id or "",
                event.text,
                event.model_prediction or "",
                event.label or "",
                event.annotator,
                event.created_at.replace("T", " ")[:19],
                "" if event.model_version is None else f"v{event.model_version}",
                status,
            ]
        )
    return rows


def refused(message: str) -> tuple:
    """A refused change: said in the status line (and a pop-up), the table left as it is (not an error panel)."""
    gr.Warning(message)
    return f"**Not changed:** {message}", gr.skip()


def relabel(services, example_id: float | None, text: str, topic: str | None, typed_name: str, request: gr.Request):
    """Give stored example ``example_id`` (or, for a prediction row, its ``text``) a new label; returns a status
    line and the refreshed table."""
    if not (example_id or text) or not topic:
        raise gr.Error("Pick a row of the table (or type its example number) and the right label first.")
    who = annotator_name(typed_name, request)
    if example_id:
        saved = user_errors(services.label, int(example_id), topic, who, "correction")
    else:  # a prediction nobody labelled yet: store the text with its correction
        saved = user_errors(services.feedback, text, topic, who)
    event = saved.event
    return f"Example {event.example_id} is now **{event.label}** (label #{event.label_id}).", history_rows(services)


def undo_last(services, typed_name: str, request: gr.Request):
    """Undo the annotator's latest label; returns a status line and the refreshed table."""
    undone = user_errors(services.undo, annotator_name(typed_name, request)).event
    return (
        f"Undid label #{undone.label_id} (**{undone.label}** on example {undone.example_id}).",
        history_rows(services),
    )


def build(services, annotator: gr.Textbox) -> Refresh:
    """Render the Correct tab; returns what the app re-reads when the tab is shown."""
    table = gr.Dataframe(
        headers=COLUMNS,
        label="Recent predictions and labels (click a row to change it)",
        interactive=False,
        wrap=True,
        elem_id="correct-table",
        column_widths=["6%", "7%", "33%", "9%", "8%", "7%", "12%", "8%", "10%"],
    )
    with gr.Row():
        example = gr.Number(None, label="Example", precision=0, minimum=1, elem_id="correct-example", scale=1)
        topic = label_picker(services.label_set.to_list(), "Right label", "correct-topic", scale=3)
    with gr.Row():
        change = gr.Button("Change label", variant="primary", elem_id="correct-change")
        undo = gr.Button("Undo my last label", elem_id="correct-undo")
        refresh = gr.Button("Refresh", elem_id="correct-refresh")
    status = gr.Markdown(elem_id="correct-status")
    picked_text = gr.State("")  # the picked row's text: a prediction row has no example number yet

    def on_refresh():
        return history_rows(services)

    def on_select(event: gr.SelectData):
        row = event.row_value
        return row[1] or None, row[4] or None, row[TEXT_COLUMN]

    def on_change(example_id: float | None, text: str, topic_name: str | None, typed_name: str, request: gr.Request):
        try:
            return relabel(services, example_id, text, topic_name, typed_name, request)
        except gr.Error as exc:
            return refused(str(exc.message))

    def on_undo(typed_name: str, request: gr.Request):
        try:
            return undo_last(services, typed_name, request)
        except gr.Error as exc:
            return refused(str(exc.message))

    refresh.click(on_refresh, outputs=table, api_name="ui_history", **UI)
    table.select(on_select, outputs=[example, topic, picked_text], api_name="ui_pick_row", **UI)
    change.click(
        on_change, inputs=[example, picked_text, topic, annotator], outputs=[status, table], api_name="ui_relabel", **UI
    )
    undo.click(on_undo, inputs=annotator, outputs=[status, table], api_name="ui_undo", **UI)
    return Refresh(on_refresh, [], [table])
