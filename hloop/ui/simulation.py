"""Simulation panel of the Model tab: the latest simulation's curves beside this app's own versions."""

from __future__ import annotations

import gradio as gr

from hloop.experiments import curves_figure, format_table, latest_simulation, run_simulation, summary
from hloop.ui.common import UI, progress_callback, user_errors


def real_run(services) -> list[tuple[int, float]]:
    """(human labels, accuracy) of every model version of this app, oldest first."""
    cards = user_errors(services.versions)
    return [(c.training.human_labels, c.metrics.accuracy) for c in cards if c.metrics and c.training]


def describe(results: dict | None, table: str | None = None) -> str:
    """A Markdown line naming the shown simulation (and its table when just run)."""
    if results is None:
        return "No simulation yet: press **Simulate** (a few seconds) or run `python -m hloop simulate`."
    cfg = results.get("config", {})
    line = (
        f"Latest simulation: `{results.get('out_dir', '?')}` · annotator {cfg.get('annotator')} · seed "
        f"{cfg.get('seed_size')} · batch {cfg.get('batch')} · budget {cfg.get('budget')} · {cfg.get('repeats')} "
        f"repeats · default strategy `{results['default_strategy']}`. Both panels count human labels only."
    )
    return line if table is None else f"{line}\n\n{table}"


def panel(services):
    """The figure (simulated curves + this app's versions) and the description of the latest simulation."""
    latest = latest_simulation(services.settings.runs_dir)
    return curves_figure(latest, real_run(services), by="human_labels"), describe(latest)


def run_small_simulation(services, progress: gr.Progress):
    """Run the small simulation; returns the new figure and its table."""
    run = user_errors(run_simulation, services, progress=progress_callback(progress))
    results = {**run["results"], "out_dir": run["out_dir"]}
    # the table counts human labels, as the plot beside it does (the CLI's table.md counts seed + human labels)
    table = format_table(summary(results, run["target"], by="human_labels"), run["target"])
    return curves_figure(results, real_run(services), by="human_labels"), describe(results, table)


def build(services) -> None:
    """Render the simulation panel inside the current Blocks context."""
    gr.Markdown(
        "Simulated loops (a simulated annotator answers the queue; random vs the default strategy) beside "
        "this app's own model versions, by number of human labels."
    )
    plot = gr.Plot(value=lambda: panel(services)[0], label="Simulated vs this app", elem_id="simulation-plot")
    text = gr.Markdown(value=lambda: describe(latest_simulation(services.settings.runs_dir)), elem_id="simulation-text")
    with gr.Row():
        simulate_button = gr.Button("Simulate", elem_id="simulation-run")
        refresh_button = gr.Button("Refresh", elem_id="simulation-refresh")

    def on_simulate(progress=gr.Progress()):  # noqa: B008 (Gradio injects the tracker)
        return run_small_simulation(services, progress)

    def on_refresh():
        return panel(services)

    simulate_button.click(
        on_simulate, outputs=[plot, text], api_name="simulate", concurrency_id="simulation", concurrency_limit=1, **UI
    )
    refresh_button.click(on_refresh, outputs=[plot, text], api_name="simulation_refresh", **UI)
