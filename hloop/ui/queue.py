"""Label queue tab: one pool item at a time (most uncertain first), a button per label (keys 1-9 for the first
nine; a searchable dropdown for the rest), Skip and Undo."""

from __future__ import annotations

import gradio as gr

from hloop.core.errors import HLoopError
from hloop.core.records import QueueItem
from hloop.core.strategies import DEFAULT_STRATEGY, STRATEGIES
from hloop.ui.common import MAX_RADIO_LABELS, UI, Refresh, annotator_name, user_errors

STRATEGY_NAMES = {  # what the dropdown says for each registered strategy (the registry's names are for scripts)
    "warmup_margin": "Most uncertain (random for the first labels) · recommended",
    "margin": "Most uncertain: the two top labels closest",
    "least_confidence": "Least confident top label",
    "entropy": "Most spread-out guess (entropy)",
    "random": "Random order",
}


def strategy_choices() -> list[tuple[str, str]]:
    """(shown name, registry name) of every registered strategy, the default first."""
    names = sorted(STRATEGIES, key=lambda name: name != DEFAULT_STRATEGY)
    return [(STRATEGY_NAMES.get(name, name.replace("_", " ")), name) for name in names]


def counters_line(services, session_count: int, name: str = "") -> str:
    """This session (against the goal, when ``HLOOP_SESSION_GOAL`` sets one), today's labels by the annotator and
    by everyone, their pace, human labels in total and since the last retrain, and the queue's ranking."""
    counts = user_errors(services.counters)
    day = user_errors(services.progress, name)
    goal = day["goal"]
    session = f"Labelled this session: **{session_count}**"
    if goal:
        reached = " · goal reached" if session_count >= goal else ""
        session += f" of {goal:,} ({min(session_count / goal, 1):.0%}){reached}"
    others = ", ".join(f"{who} {n}" for who, n in list(day["today_by_annotator"].items())[:5])
    today = f"Today: **{day['today']}** by you, {day['today_all']} in all" if name else f"Today: {day['today_all']}"
    return (
        f"{session} · {today}{f' ({others})' if others else ''} · Pace: {day['per_minute']:g}/min (last 10 min)"
        f" · Human labels total: **{counts['labels_total']}** · Since last retrain: "
        f"**{counts['labels_since_retrain']}** · Queue: {services.queue_status()['message']}"
    )


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


def why_line(services, item: QueueItem | None) -> str:
    """Why the model guesses what it does for the shown item: its strongest words and, for a model that decides
    by embeddings, the nearest labelled text; empty without an item, a guess or a model that serves."""
    if item is None or item.prediction is None:
        return ""
    try:
        why = services.explain(item.text, top=5)
    except HLoopError:
        return ""
    parts = []
    if why["contributions"]:
        words = ", ".join(f"{c['feature']} ({c['weight']:+.2f})" for c in why["contributions"])
        parts.append(f"Words behind the guess: {words}")
    if why["neighbours"]:
        n = why["neighbours"][0]
        parts.append(f"Most like a labelled **{n['label']}** text ({n['similarity']:.2f}): {n['text'][:120]}")
    return " · ".join(parts)


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


def label_legend(names: list[str], guides: dict) -> str:
    """What each label means (``HLOOP_LABEL_DESCRIPTIONS``, ``LabelGuide``s by name), with its key for the first
    nine, as Markdown."""
    lines = []
    for i, name in enumerate(names):
        guide = guides.get(name)
        if guide is None:
            continue
        key = f"{i + 1} · " if i < MAX_RADIO_LABELS else ""
        examples = "; ".join(f"“{e}”" for e in guide.examples)
        lines.append(f"- **{key}{name}**: {guide.description}" + (f" (e.g. {examples})" if examples else ""))
    return "\n".join(lines)


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

    def on_next(typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return next_item(services, typed_name, strategy_name, count, request)

    def on_skip(current, shown: str, typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return skip(services, current, shown, typed_name, strategy_name, count, request)

    def on_undo(typed_name: str, count: int, request: gr.Request):
        return undo(services, typed_name, count, request)

    def on_show(current, typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return show_tab(services, current, typed_name, strategy_name, count, request)

    shown = [item, shown_id, text, guess, why, counters]
    fetch.click(on_next, inputs=[annotator, strategy, session_count], outputs=shown, api_name="ui_next_item", **UI)
    for i, (button, name) in enumerate(zip(topics, keyed, strict=True)):
        button.click(
            _submitter(services, name),
            inputs=[item, shown_id, annotator, strategy, session_count],
            outputs=[*shown, session_count],
            api_name=f"ui_label_{i + 1}",
            **UI,
        )
    if picker is not None:

        def on_pick(current, shown, chosen, typed_name, strategy_name, count, request: gr.Request):
            return submit(services, current, shown, chosen, typed_name, strategy_name, count, request)

        pick_button.click(
            on_pick,
            inputs=[item, shown_id, picker, annotator, strategy, session_count],
            outputs=[*shown, session_count],
            api_name="ui_label_picked",
            **UI,
        )
    skip_button.click(
        on_skip,
        inputs=[item, shown_id, annotator, strategy, session_count],
        outputs=[*shown, session_count],
        api_name="ui_skip",
        **UI,
    )
    undo_button.click(
        on_undo,
        inputs=[annotator, session_count],
        outputs=[*shown, session_count],
        api_name="ui_undo_queue",
        **UI,
    )
    return Refresh(on_show, [item, annotator, strategy, session_count], shown)


def _submitter(services, topic: str):
    def on_topic(current, shown: str, typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return submit(services, current, shown, topic, typed_name, strategy_name, count, request)

    return on_topic
