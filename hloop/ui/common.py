"""What every tab shares: turning HLoopError into gr.Error, who the annotator is, the label choices."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import NamedTuple, TypeVar

import gradio as gr

from hloop.core.errors import HLoopError

T = TypeVar("T")
MAX_RADIO_LABELS = 9  # up to this many labels show as radio buttons (and queue keys 1-9); more: a searchable dropdown
# UI events are named (so scripts and tests can reach them) but kept out of the API page: the documented
# API is hloop.ui.api, whose signatures do not depend on the layout.
UI = {"api_visibility": "undocumented"}


def user_errors(call: Callable[..., T], *args, **kwargs) -> T:
    """Run a services call; an HLoopError becomes a gr.Error carrying its message (what to do next).

    The message can quote user input and Gradio renders error messages as HTML, so it is escaped.
    """
    try:
        return call(*args, **kwargs)
    except HLoopError as exc:
        raise gr.Error(html.escape(str(exc), quote=False), print_exception=False) from exc


def annotator_name(typed: str | None, request: gr.Request | None) -> str:
    """The logged-in user when login is on (HLOOP_AUTH), else the name typed into the page or the API call."""
    username = getattr(request, "username", None) if request is not None else None
    return username or typed or ""  # the services apply the name rule (hloop.core.values.parse_annotator)


def progress_callback(progress: gr.Progress) -> Callable[[float, str], None]:
    """Adapt a gr.Progress tracker to the services' ``progress(fraction, description)`` callback."""

    def report(fraction: float, desc: str) -> None:
        progress(fraction, desc=desc)

    return report


def shown_number(value: object, digits: int = 3) -> object:
    """A score as the tables show it: rounded to ``digits`` (never a raw float like 0.8303947368421053); empty for
    None; anything else as it is."""
    if value is None:
        return ""
    return round(value, digits) if isinstance(value, float) else value


class Refresh(NamedTuple):
    """What a tab re-reads when the page loads or the tab is selected: ``fn(*inputs) -> outputs``."""

    fn: Callable
    inputs: list
    outputs: list


def label_picker(names: list[str], label: str, elem_id: str, **kwargs):
    """Radio buttons for a few labels, a filterable dropdown for many."""
    if len(names) <= MAX_RADIO_LABELS:
        return gr.Radio(names, label=label, elem_id=elem_id, **kwargs)
    return gr.Dropdown(names, label=label, elem_id=elem_id, filterable=True, **kwargs)
