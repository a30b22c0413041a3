"""Label queue tab: one pool item at a time (most uncertain first), four topic buttons, Skip and Undo."""

from __future__ import annotations

import json

import gradio as gr

from hloop.core.strategies import DEFAULT_STRATEGY, STRATEGIES
from hloop.ui.common import TOPICS, UI, Refresh, annotator_name, user_errors

SHORTCUTS = {**{str(i + 1): f"queue-topic-{i + 1}" for i in range(len(TOPICS))}, "s": "queue-skip", "u": "queue-undo"}
# Installed once per page: a key press clicks the matching button, but only while the queue tab is showing
# and the focus is not in a text field (so typing a name or a text never labels anything).
SHORTCUTS_JS = """
() => {
  if (window.__hloopShortcuts) return;
  window.__hloopShortcuts = true;
  const ids = __IDS__;
  const typing = new Set(["text", "search", "number", "password", "email", "url", ""]);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target;
    if (target && (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT"
        || (target.tagName === "INPUT" && typing.has(target.type)))) return;
    const button = document.getElementById(ids[event.key.toLowerCase()]);
    if (!button || button.offsetParent === null || button.disabled) return;
    event.preventDefault();
    button.click();
  });
}
""".replace("__IDS__", json.dumps(SHORTCUTS))


def strategy_choices() -> list[tuple[str, str]]:
    """(shown name, registry name) of every registered strategy."""
    return [(name.replace("_", " "), name) for name in STRATEGIES]


def counters_line(services, session_count: int) -> str:
    """Labelled this session, human labels in total and since the last retrain."""
    counts = user_errors(services.counters)
    return (
        f"Labelled this session: **{session_count}** · Human labels total: **{counts['labels_total']}** · "
        f"Since last retrain: **{counts['labels_since_retrain']}**"
    )


def shown_item(services, item: dict | None, session_count: int, note: str = ""):
    """Outputs for an item (or the empty queue): state, text, the model's guess, counters."""
    if item is None:
        guess = "The queue is empty: every pool item is labelled or held by someone else. Import more texts."
        return None, "", f"{note}{guess}", counters_line(services, session_count)
    guess = (
        f"Model v{item['model_version']} guesses **{item['prediction']}** ({item['confidence']:.0%}). "
        f"Item {item['example_id']}, yours until {item['claim_expires_at'].replace('T', ' ')[:19]} UTC."
    )
    return item, item["text"], f"{note}{guess}", counters_line(services, session_count)


def next_item(services, typed_name: str, strategy: str, session_count: int, request: gr.Request | None, note=""):
    """Claim the next item for the annotator and show it."""
    item = user_errors(services.next_item, annotator_name(typed_name, request), strategy)
    return shown_item(services, item, session_count, note)


def submit(
    services,
    item: dict | None,
    topic: str,
    typed_name: str,
    strategy: str,
    session_count: int,
    request: gr.Request | None,
):
    """Label the shown item with ``topic`` and show the next one; returns the new session count too."""
    if item is None:
        raise gr.Error("No item is shown: enter your name and press Next item.")
    saved = user_errors(services.submit_label, item["example_id"], topic, annotator_name(typed_name, request))
    count = session_count + 1
    note = f"Saved **{saved['label']}** for item {saved['example_id']}. "
    return *next_item(services, typed_name, strategy, count, request, note), count


def skip(services, item: dict | None, typed_name: str, strategy: str, session_count: int, request: gr.Request | None):
    """Give the shown item back and show the next one."""
    if item is None:
        raise gr.Error("No item is shown: enter your name and press Next item.")
    user_errors(services.skip, item["example_id"], annotator_name(typed_name, request))
    note = f"Skipped item {item['example_id']}. "
    return *next_item(services, typed_name, strategy, session_count, request, note), session_count


def undo(services, typed_name: str, session_count: int, request: gr.Request | None):
    """Undo the annotator's latest label; returns a status line, the counters and the session count."""
    undone = user_errors(services.undo, annotator_name(typed_name, request))
    count = max(0, session_count - 1) if undone["source"] == "queue" else session_count
    line = f"Undid **{undone['label']}** on item {undone['example_id']} (label #{undone['label_id']})."
    return line, counters_line(services, count), count


def build(services, annotator: gr.Textbox) -> Refresh:
    """Render the Label queue tab; returns what the app re-reads when the tab is shown."""
    item = gr.State(None)
    session_count = gr.State(0)
    with gr.Row():
        strategy = gr.Dropdown(
            strategy_choices(), value=DEFAULT_STRATEGY, label="Which items first", elem_id="queue-strategy", scale=2
        )
        fetch = gr.Button("Next item", variant="primary", elem_id="queue-next", scale=1)
    text = gr.Textbox(label="Item to label", lines=4, max_lines=12, interactive=False, elem_id="queue-text")
    guess = gr.Markdown(elem_id="queue-guess")
    with gr.Row():
        topics = [gr.Button(f"{i + 1} · {name}", elem_id=f"queue-topic-{i + 1}") for i, name in enumerate(TOPICS)]
        skip_button = gr.Button("Skip (S)", elem_id="queue-skip", variant="secondary")
        undo_button = gr.Button("Undo (U)", elem_id="queue-undo", variant="stop")
    gr.Markdown(
        "Keyboard: **1–4** pick a topic · **S** skip · **U** undo your last label "
        "(while the focus is not in a text field).",
        elem_id="queue-shortcuts",
    )
    counters = gr.Markdown(elem_id="queue-counters")

    def on_next(typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return next_item(services, typed_name, strategy_name, count, request)

    def on_skip(current: dict | None, typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return skip(services, current, typed_name, strategy_name, count, request)

    def on_undo(typed_name: str, count: int, request: gr.Request):
        return undo(services, typed_name, count, request)

    def on_show(count: int):
        return counters_line(services, count)

    shown = [item, text, guess, counters]
    fetch.click(on_next, inputs=[annotator, strategy, session_count], outputs=shown, api_name="ui_next_item", **UI)
    for i, (button, name) in enumerate(zip(topics, TOPICS, strict=True)):
        button.click(
            _submitter(services, name),
            inputs=[item, annotator, strategy, session_count],
            outputs=[*shown, session_count],
            api_name=f"ui_label_{i + 1}",
            **UI,
        )
    skip_button.click(
        on_skip,
        inputs=[item, annotator, strategy, session_count],
        outputs=[*shown, session_count],
        api_name="ui_skip",
        **UI,
    )
    undo_button.click(
        on_undo,
        inputs=[annotator, session_count],
        outputs=[guess, counters, session_count],
        api_name="ui_undo_queue",
        **UI,
    )
    return Refresh(on_show, [session_count], [counters])


def _submitter(services, topic: str):
    def on_topic(current: dict | None, typed_name: str, strategy_name: str, count: int, request: gr.Request):
        return submit(services, current, topic, typed_name, strategy_name, count, request)

    return on_topic
