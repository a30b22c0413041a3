"""Label queue tab: one pool item at a time (most uncertain first), a button per label (keys 1-9 for the first
nine; a searchable dropdown for the rest), Skip and Undo."""

from __future__ import annotations

import gradio as gr

from hloop.core.records import QueueItem
from hloop.core.strategies import DEFAULT_STRATEGY
from hloop.ui.common import MAX_RADIO_LABELS, UI, Refresh, annotator_name, user_errors
from hloop.ui.queue_lines import counters_line, label_legend, picker_update, strategy_choices, why_line


def shown_item(services, item: QueueItem | None, session_count: int, note: str = "", name: str = ""):
    """Outputs for an item (or the empty queue): state, the id on the page, text, the model's guess, why it
    guesses so, counters. (The why line was once an event of its own on the item's change; a label key pressed
    while it ran could stay queued for good in Gradio, so it is made here, a few milliseconds.)"""
    if item is None:
        guess = "The queue is empty: every pool item is labelled or held by someone else. Import more texts."
        return None, "", "", f"{note}{guess}", "", counters_line(services, session_count, name)
    until = f"Item {item.example_id}, yours until {(item.claim_expires_at or '').replace('T', ' ')[:19]} UTC."
    if item.prediction is None:
        guess = f"{user_errors(services.readiness)} {until}"
    else:
        guess = f"Model v{item.model_version} guesses **{item.prediction}** ({item.confidence or 0:.0%}). {until}"
    why = why_line(services, item)
    return item, str(item.example_id), item.text, f"{note}{guess}", why, counters_line(services, session_count, name)


# The queue's events show a small spinner, not Gradio's overlay over every output: drawing the overlay and taking
# it down again was about a fifth of key -> next item in Chromium (benchmarks/bench_keys.py)
QUICK = {**UI, "show_progress": "minimal"}
SHOWN_OUTPUTS = 6  # what ``shown_item`` returns; the label and skip handlers return the session count too


def answered_item(item: QueueItem | None, shown_id: str | int | None) -> QueueItem | None:
    """The item a label or skip is for: the one the page showed when the key was pressed (``shown_id``, sent by
    the page), if it is still the one this page holds; None when it was replaced meanwhile (a key pressed before
    the next item appeared). ``gr.Error`` when no item is shown."""
    shown = str(shown_id if shown_id is not None else "").strip()
    if item is None or not shown:
        raise gr.Error("No item is shown: enter your name and press Next item.")
    return item if shown == str(item.example_id) else None


def ignored(shown_id: str | int | None, session_count: int) -> tuple:
    """Outputs that change nothing, with a note: the key was for an item no longer on this page."""
    gr.Info(f"Ignored a key for item {shown_id}: it was already answered and the next item is shown.")
    return *(gr.skip() for _ in range(SHOWN_OUTPUTS)), session_count


def next_item(services, typed_name: str, strategy: str, session_count: int, request: gr.Request | None, note=""):
    """Claim the next item for the annotator and show it."""
    name = annotator_name(typed_name, request)
    item = user_errors(services.next_item, name, strategy)
    return shown_item(services, item, session_count, note, name)


def submit(
    services,
    item: QueueItem | None,
    shown_id: str | int | None,
    topic: str,
    typed_name: str,
    strategy: str,
    session_count: int,
    request: gr.Request | None,
):
    """Label the item the page showed (``shown_id``) with ``topic`` and show the next one; returns the new session
    count too. A label for an item this page no longer shows changes nothing."""
    item = answered_item(item, shown_id)
    if item is None:
        return ignored(shown_id, session_count)
    if not topic:
        raise gr.Error("Pick a label first.")
    saved = user_errors(services.submit_label, item.example_id, topic, annotator_name(typed_name, request))
    count = session_count + 1
    note = f"Saved **{saved.event.label}** for item {saved.event.example_id}. "
    if saved.trained_version:
        note += f"Enough labels for a first model: **v{saved.trained_version}** trained; ranking by it now. "
    return *next_item(services, typed_name, strategy, count, request, note), count


def skip(
    services,
    item: QueueItem | None,
    shown_id: str | int | None,
    typed_name: str,
    strategy: str,
    session_count: int,
    request: gr.Request | None,
):
    """Give the item the page showed back and show the next one (nothing, for an item no longer shown)."""
    item = answered_item(item, shown_id)
    if item is None:
        return ignored(shown_id, session_count)
    user_errors(services.skip, item.example_id, annotator_name(typed_name, request))
    note = f"Skipped item {item.example_id}. "
    return *next_item(services, typed_name, strategy, session_count, request, note), session_count


def undo(services, typed_name: str, session_count: int, request: gr.Request | None):
    """Undo the annotator's latest label; a queue label's item comes back on screen (the item shown until now
    returns to the queue). Returns the shown outputs and the session count."""
    name = annotator_name(typed_name, request)
    undone = user_errors(services.undo, name).event
    count = max(0, session_count - 1) if undone.source == "queue" else session_count
    line = f"Undid **{undone.label}** on item {undone.example_id} (label #{undone.label_id}). "
    back = user_errors(services.take_back, undone.example_id, name) if undone.source in ("queue", "overlap") else None
    if back is None:  # a correction, or an item someone else took meanwhile: the item on screen stays
        gr.Info(line.replace("**", ""))
        return *(gr.skip() for _ in range(SHOWN_OUTPUTS - 1)), counters_line(services, count, name), count
    return *shown_item(services, back, count, f"{line}It is back on screen: label it again. ", name), count


def show_tab(services, item: QueueItem | None, typed_name: str, strategy: str, session_count: int, request):
    """When the tab is shown: the first item at once (no click) once the annotator has a name; the item on screen
    stays when there is one."""
    name = annotator_name(typed_name, request)
    if item is not None:
        return *(gr.skip() for _ in range(SHOWN_OUTPUTS - 1)), counters_line(services, session_count, name)
    if not name.strip():
        note = "Type your name in **Annotator** above, then press **Next item** (or come back to this tab)."
        return None, "", "", note, "", counters_line(services, session_count)
    try:
        return next_item(services, typed_name, strategy, session_count, request)
    except gr.Error as exc:  # said on the page rather than as a pop-up, as nobody pressed anything
        return None, "", "", str(exc.message), "", counters_line(services, session_count, name)


def build(services, annotator: gr.Textbox) -> Refresh:
    """Render the Label queue tab; returns what the app re-reads when the tab is shown."""
    names = services.label_set.to_list()
    item = gr.State(None)
    session_count = gr.State(0)
    with gr.Row():
        strategy = gr.Dropdown(
            strategy_choices(), value=DEFAULT_STRATEGY, label="Which items first", elem_id="queue-strategy", scale=2
        )
        fetch = gr.Button("Next item", variant="primary", elem_id="queue-next", scale=1)
    text = gr.Textbox(label="Item to label", lines=4, max_lines=12, interactive=False, elem_id="queue-text")
    # the id of the item on the page, sent with every label and skip (hidden by the page's CSS; scripts read it)
    shown_id = gr.Textbox(label="Item id", interactive=False, elem_id="queue-item-id", container=False)
    guess = gr.Markdown(elem_id="queue-guess")
    why = gr.Markdown(elem_id="queue-why")
    keyed = names[:MAX_RADIO_LABELS]
    with gr.Row():
        narrow = {"min_width": 90}  # nine labels, Skip and Undo on one row of a laptop screen
        topics = [
            gr.Button(f"{i + 1} · {name}", elem_id=f"queue-topic-{i + 1}", **narrow) for i, name in enumerate(keyed)
        ]
        skip_button = gr.Button("Skip (S)", elem_id="queue-skip", variant="secondary", **narrow)
        undo_button = gr.Button("Undo (U)", elem_id="queue-undo", variant="stop", **narrow)
    picker = None
    if len(names) > MAX_RADIO_LABELS:  # more labels than keys: every label in a searchable dropdown
        with gr.Row(equal_height=True):
            picker = gr.Dropdown(names, label="Any label (type to search)", filterable=True, elem_id="queue-picker")
            pick_button = gr.Button("Save this label", elem_id="queue-pick-save")
    guides, rules = services.guidance()
    if guides:
        gr.Markdown(label_legend(names, guides), elem_id="queue-descriptions")
    gr.Markdown(
        f"Keyboard: **1–{len(keyed)}** pick a label · **S** skip · **U** undo your last label"
        + (" · **H** guidelines (Esc closes)" if rules else "")
        + " (while the focus is not in a text field).",
        elem_id="queue-shortcuts",
    )
    if rules:
        gr.Button("Guidelines (H)", size="sm", elem_id="queue-guidelines-open").click(
            None, js="() => window.__hloopGuidelines(true)"
        )
        with gr.Column(elem_id="queue-guidelines", elem_classes=["hloop-guidelines"]):
            gr.Markdown(rules, elem_id="queue-guidelines-text")
            gr.Button("Close (Esc)", size="sm", elem_id="queue-guidelines-close").click(
                None, js="() => window.__hloopGuidelines(false)"
            )
    counters = gr.Markdown(elem_id="queue-counters")

    def with_picker(outputs: tuple) -> tuple:  # with many labels, the dropdown follows the shown item
        return outputs if picker is None else (*outputs, picker_update(services, outputs[0]))

    def on_next(typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return with_picker(next_item(services, typed_name, strategy_name, count, request))

    def on_topic(topic: str):
        def on_key(current, shown: str, typed_name: str, strategy_name: str, count: int, request: gr.Request):
            return with_picker(submit(services, current, shown, topic, typed_name, strategy_name, count, request))

        return on_key

    def on_skip(current, shown: str, typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return with_picker(skip(services, current, shown, typed_name, strategy_name, count, request))

    def on_undo(typed_name: str, count: int, request: gr.Request):
        return with_picker(undo(services, typed_name, count, request))

    def on_show(current, typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return with_picker(show_tab(services, current, typed_name, strategy_name, count, request))

    extra = [] if picker is None else [picker]
    shown = [item, shown_id, text, guess, why, counters]
    answered = [*shown, session_count, *extra]
    fetch.click(
        on_next, inputs=[annotator, strategy, session_count], outputs=[*shown, *extra], api_name="ui_next_item", **QUICK
    )
    for i, (button, name) in enumerate(zip(topics, keyed, strict=True)):
        button.click(
            on_topic(name),
            inputs=[item, shown_id, annotator, strategy, session_count],
            outputs=answered,
            api_name=f"ui_label_{i + 1}",
            **QUICK,
        )
    if picker is not None:

        def on_pick(current, shown, chosen, typed_name, strategy_name, count, request: gr.Request):
            return with_picker(submit(services, current, shown, chosen, typed_name, strategy_name, count, request))

        pick_button.click(
            on_pick,
            inputs=[item, shown_id, picker, annotator, strategy, session_count],
            outputs=answered,
            api_name="ui_label_picked",
            **QUICK,
        )
    skip_button.click(
        on_skip,
        inputs=[item, shown_id, annotator, strategy, session_count],
        outputs=answered,
        api_name="ui_skip",
        **QUICK,
    )
    undo_button.click(on_undo, inputs=[annotator, session_count], outputs=answered, api_name="ui_undo_queue", **QUICK)
    return Refresh(on_show, [item, annotator, strategy, session_count], [*shown, *extra])
