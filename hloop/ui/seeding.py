"""Seeding a cold start by search, offered on the Predict and Label queue tabs: before v1, which labels still lack
examples, and a button that opens the Browse tab with a search for the chosen one (its results are labelled
there, one by one or in bulk)."""

from __future__ import annotations

from typing import NamedTuple

import gradio as gr

from hloop.ui.browse_lines import seeding
from hloop.ui.common import UI

THEN = "find its texts in the Browse tab, where you label them one by one or in bulk"


class SeedOffer(NamedTuple):
    """The row a tab shows before v1: its group, its line, the labels lacking examples and the button."""

    row: gr.Group
    line: gr.Markdown
    labels: gr.Dropdown
    find: gr.Button


class SeedSearch(NamedTuple):
    """What the Browse tab runs for a seeding search: ``fn(label, *inputs[1:]) -> outputs`` (``inputs[0]`` is its
    own dropdown of labels, replaced by the offer's)."""

    fn: object
    inputs: list
    outputs: list


def offer(name: str) -> SeedOffer:
    """Render the (hidden until refreshed) offer in the current tab; ``name`` prefixes its element ids."""
    with gr.Group(visible=False, elem_id=f"{name}-seed") as row:
        line = gr.Markdown(elem_id=f"{name}-seed-line")
        with gr.Row(equal_height=True):
            labels = gr.Dropdown([], label="Label lacking examples", scale=3, elem_id=f"{name}-seed-label")
            find = gr.Button("Find examples in Browse", scale=1, elem_id=f"{name}-seed-search")
    return SeedOffer(row, line, labels, find)


def wire(offers: dict[str, SeedOffer], tabs: gr.Tabs, browse_tab: str, target: SeedSearch) -> None:
    """Each offer's button switches to the Browse tab and runs its search for the chosen label; the offers are
    refreshed when the page loads and their tabs are shown (the caller registers ``refresh``)."""

    def open_browse(label: str | None):
        if not label:
            raise gr.Error("Pick a label lacking examples first.")
        return gr.Tabs(selected=browse_tab)

    for name, shown in offers.items():
        shown.find.click(open_browse, inputs=shown.labels, outputs=tabs, api_name=f"ui_{name}_seed_open", **UI).success(
            target.fn,
            inputs=[shown.labels, *target.inputs[1:]],
            outputs=target.outputs,
            api_name=f"ui_{name}_seed_search",
            **UI,
        )


def outputs(offers: dict[str, SeedOffer]) -> list:
    """The components ``refresh`` fills, offer by offer."""
    return [c for shown in offers.values() for c in (shown.row, shown.line, shown.labels)]


def refresh(services, count: int) -> tuple:
    """The values of ``outputs`` for ``count`` offers: visible before v1 while a label lacks examples."""
    return seeding(services, then=THEN) * count
