"""What the Label queue tab says besides the item: the strategy names, the counters line, why the model guesses
what it does, what each label means, and the dropdown's labels in the order of the model's probability."""

from __future__ import annotations

import gradio as gr

from hloop.core.errors import HLoopError
from hloop.core.records import QueueItem
from hloop.core.strategies import DEFAULT_STRATEGY, STRATEGIES
from hloop.ui.common import MAX_RADIO_LABELS, user_errors

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


def picker_update(services, item: QueueItem | dict | None):
    """The queue dropdown (more labels than keys) for the shown item: every label, most probable first, each
    with its probability; in project order without a guess; unchanged when the item is (``gr.skip()``)."""
    if isinstance(item, dict):
        return gr.skip()
    names = list(services.label_set.names)
    if item is None or item.prediction is None:
        return gr.Dropdown(choices=names, value=None)
    try:
        _version, row = services.probabilities_of(item.text)  # kept from the why line: no second model run
    except HLoopError:
        return gr.Dropdown(choices=names, value=None)
    order = sorted(range(len(names)), key=lambda i: -row[i])
    return gr.Dropdown(choices=[(f"{names[i]} · {row[i]:.0%}", names[i]) for i in order], value=None)
