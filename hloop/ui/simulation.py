"""Simulation panel of the Model tab (placeholder until the simulation lands; see issue 4)."""

from __future__ import annotations

import gradio as gr


def build(services) -> None:
    """Render the simulation panel inside the current Blocks context."""
    gr.Markdown("Simulation results will appear here.")
