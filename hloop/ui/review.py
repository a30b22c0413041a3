"""Review tab: labels most likely wrong (disagreements first, then the model's suspects), kept or relabelled in
one click; and the agreement (Data tab) and live-quality (Model tab) panels."""

from __future__ import annotations

import gradio as gr

from hloop.ui.common import UI, Refresh, annotator_name, label_picker, shown_number, user_errors

# Installed when the tab is first shown: K keeps, A relabels to the suggestion, while the Review tab is showing and
# the focus is not in a text field.
SHORTCUTS_JS = """
if (!window.__hloopReviewKeys) {
  window.__hloopReviewKeys = true;
  const ids = {k: "review-keep", a: "review-accept"};
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const t = event.target;
    if (t && (t.isContentEditable || ["TEXTAREA", "SELECT", "INPUT"].includes(t.tagName))) return;
    const button = document.getElementById(ids[event.key.toLowerCase()]);
    if (!button || button.offsetParent === null || button.disabled) return;
    event.preventDefault();
    button.click();
  });
}
"""
LIST_COLUMNS = ["example", "label", "given by", "suggestion", "score", "why", "text"]
SHOWN = 20


def suspect_rows(suspects: list[dict]) -> list[list]:
    """Rows of the review list table."""
    return [
        [
            s["example_id"],
            s["label"],
            s["annotator"],
            s["suggestion"],
            shown_number(s["score"]),
            s["reason"],
            s["text"][:200],
        ]  # fmt: skip
        for s in suspects
    ]


EVERYONE = "everyone"


def show(services, note: str = "", given_by: str | None = None):
    """The first suspect (state, text, description), the list, and a status line; with ``given_by``, only that
    annotator's labels."""
    who = None if given_by in (None, "", EVERYONE) else given_by
    suspects = user_errors(services.suspects, SHOWN, annotator=who)
    if not suspects:
        left = "No suspect labels left to review" + (f" among {who}'s labels." if who else ".")
        return None, "", left, [], note
    first = suspects[0]
    why = "two annotators disagreed" if first["reason"] == "disagreement" else f"score {first['score']:.3f}"
    info = (
        f"Item {first['example_id']}: labelled **{first['label']}** by {first['annotator']} ({first['source']}); "
        f"the model suggests **{first['suggestion']}** ({why})."
    )
    return first, first["text"], info, suspect_rows(suspects), note


def decide(services, item: dict | None, label: str | None, typed_name: str, request: gr.Request | None, given_by=None):
    """Keep the shown label (``label`` None) or relabel it; then show the next suspect."""
    if item is None:
        raise gr.Error("No suspect is shown: press Refresh.")
    who = annotator_name(typed_name, request)
    if label is None:
        user_errors(services.keep_label, item["example_id"], who)
        note = f"Kept **{item['label']}** for item {item['example_id']}."
    else:
        user_errors(services.relabel, item["example_id"], label, who)
        note = f"Relabelled item {item['example_id']}: {item['label']} → **{label}**."
    return show(services, note, given_by)


def build(services, annotator: gr.Textbox) -> Refresh:
    """Render the Review tab; returns what the app re-reads when the tab is shown."""
    item = gr.State(None)
    gr.Markdown(
        "Labels most likely wrong, from cross-validated predictions over every labelled text; items two annotators "
        "labelled differently come first. Nothing is relabelled automatically: keep the label or change it "
        "(the history is kept, and a reviewed item leaves the list)."
    )
    with gr.Row(equal_height=True):
        given_by = gr.Dropdown([EVERYONE], value=EVERYONE, label="Labels given by", scale=3, elem_id="review-given-by")
        refresh = gr.Button("Refresh", elem_id="review-refresh", scale=1)
    text = gr.Textbox(label="Labelled text", lines=3, interactive=False, elem_id="review-text")
    info = gr.Markdown(elem_id="review-info")
    with gr.Row():
        keep = gr.Button("Keep label (K)", variant="primary", elem_id="review-keep")
        accept = gr.Button("Relabel to suggestion (A)", elem_id="review-accept")
    with gr.Row(equal_height=True):
        picker = label_picker(services.label_set.to_list(), "Another label", "review-picker")
        relabel = gr.Button("Relabel", elem_id="review-relabel")
    status = gr.Markdown(elem_id="review-status")
    keys_line = "Keyboard: <b>K</b> keep · <b>A</b> relabel to the suggestion"
    gr.HTML(keys_line, js_on_load=SHORTCUTS_JS, elem_id="review-keys")
    table = gr.Dataframe(headers=LIST_COLUMNS, label="Review list", interactive=False, wrap=True, elem_id="review-list")

    def on_show(who: str | None):
        return show(services, "", who)

    def on_tab(who: str | None):  # the filter lists everyone who has labelled so far
        choices = [EVERYONE, *user_errors(services.annotators)]
        kept = who if who in choices else EVERYONE
        return *show(services, "", kept), gr.Dropdown(choices=choices, value=kept)

    def on_keep(current, who, typed_name: str, request: gr.Request):
        return decide(services, current, None, typed_name, request, who)

    def on_accept(current, who, typed_name: str, request: gr.Request):
        suggestion = None if current is None else current["suggestion"]
        return decide(services, current, suggestion, typed_name, request, who)

    def on_relabel(current, chosen: str | None, who, typed_name: str, request: gr.Request):
        if not chosen:
            raise gr.Error("Pick a label first.")
        return decide(services, current, chosen, typed_name, request, who)

    shown = [item, text, info, table, status]
    in_place = {"show_progress": "minimal", **UI}  # the list keeps its rows while it updates
    refresh.click(on_show, inputs=given_by, outputs=shown, api_name="ui_review_list", **in_place)
    given_by.input(on_show, inputs=given_by, outputs=shown, api_name="ui_review_given_by", **in_place)
    keep.click(on_keep, inputs=[item, given_by, annotator], outputs=shown, api_name="ui_review_keep", **in_place)
    accept.click(on_accept, inputs=[item, given_by, annotator], outputs=shown, api_name="ui_review_accept", **in_place)
    relabel.click(
        on_relabel, inputs=[item, picker, given_by, annotator], outputs=shown, api_name="ui_review_relabel", **in_place
    )
    return Refresh(on_tab, [given_by], [*shown, given_by])


def agreement_tables(services) -> tuple[list[list], list[list], str]:
    """(pairs of annotators, annotators vs consensus) as table rows, and a line saying what they cover."""
    result = user_errors(services.agreement)
    pairs = [
        [p["annotators"], p["items"], shown_number(p["agreement"]), shown_number(p["kappa"])] for p in result["pairs"]
    ]
    people = [[a["annotator"], a["items"], shown_number(a["agreement_with_consensus"])] for a in result["annotators"]]
    if pairs:
        line = f"{result['items']} items labelled by two or more people."
    elif services.settings.overlap > 0:
        line = "No item has been labelled by two people yet: the queue offers a share of items to a second annotator."
    else:
        line = "No item has been labelled by two people: set HLOOP_OVERLAP (e.g. 0.1) to offer some to a second one."
    return pairs, people, line


def agreement_panel(services) -> None:
    """The Data tab's agreement section (items labelled by two annotators through ``HLOOP_OVERLAP``)."""
    gr.Markdown(
        f"### Agreement\nItems offered to a second annotator (HLOOP_OVERLAP = {services.settings.overlap:g}): "
        "Cohen's kappa per pair, and each annotator's agreement with the consensus (the majority of annotators "
        "and reviewers). Disagreements join the Review tab's list."
    )
    button = gr.Button("Show agreement", elem_id="data-agreement")
    line = gr.Markdown(elem_id="data-agreement-status")
    pairs = gr.Dataframe(headers=["annotators", "items", "agreement", "kappa"], interactive=False, label="Pairs")
    people = gr.Dataframe(
        headers=["annotator", "items", "agreement with consensus"], interactive=False, label="Annotators"
    )
    button.click(lambda: agreement_tables(services), outputs=[pairs, people, line], api_name="ui_agreement", **UI)


def live_quality_tables(services) -> tuple[list[list], list[list], str]:
    """(per version, per annotator) rows of the live-quality panel, and a line saying which version the
    per-annotator rows are for."""
    result = user_errors(services.live_quality)
    versions = [
        [f"v{v['version']}", shown_number(v["eval_accuracy"]), v["labels"], shown_number(v["agreement"])]
        for v in result["versions"]
    ]
    people = [[a["annotator"], a["labels"], shown_number(a["agreement"])] for a in result["annotators"]]
    shown, current = result["annotators_version"], result["current"]
    if shown is None:
        line = "No human label has been given against a model's guess yet: label in the queue, then look again."
    elif shown == current:
        line = f"By annotator: the labels given since v{current} (current) was trained."
    else:
        line = f"By annotator: v{current} (current) has no fresh labels yet, so these are v{shown}'s."
    return versions, people, line


def live_quality_panel(services) -> None:
    """The Model tab's live quality: each version's agreement with the human labels given since it was trained."""
    with gr.Accordion("Live quality (fresh human labels vs the model's guess)", open=False):
        button = gr.Button("Show live quality", elem_id="model-live-quality")
        versions = gr.Dataframe(
            headers=["version", "eval accuracy", "fresh labels", "agreement"], interactive=False, label="Versions"
        )
        line = gr.Markdown(elem_id="model-live-quality-status")
        people = gr.Dataframe(
            headers=["annotator", "fresh labels", "agreement"], interactive=False, label="By annotator"
        )
        button.click(
            lambda: live_quality_tables(services), outputs=[versions, people, line], api_name="ui_live_quality", **UI
        )
