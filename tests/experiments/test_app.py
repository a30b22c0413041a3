"""The app's side: run_simulation on the tiny corpus, the panel, and the default strategy in the queue."""

from __future__ import annotations

import gradio as gr
import numpy as np

from hloop.core import strategies
from hloop.experiments import latest_simulation, run_simulation
from hloop.services import Services
from hloop.ui import simulation as panel


def test_the_apps_small_simulation_goes_to_the_runs_dir(trained):
    seen = []
    run = run_simulation(trained, progress=lambda fraction, desc: seen.append(fraction))
    assert run["out_dir"].startswith(str(trained.settings.runs_dir))
    assert latest_simulation(trained.settings.runs_dir)["checkpoints"] == run["results"]["checkpoints"]
    assert {c["strategy"] for c in run["results"]["checkpoints"]} == {"random", "default"}
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert len(trained.versions()) == 1, "the simulation never trains into the app's registry"


def test_the_panel_shows_the_simulation_beside_the_apps_versions(trained):
    figure, text = panel.panel(trained)
    assert "No simulation yet" in text
    run_simulation(trained)
    figure, text = panel.panel(trained)
    lines = [line.get_label() for line in figure.axes[0].get_lines()]
    assert "this app's model versions" in lines and "default (warmup_margin)" in lines
    assert "annotator oracle" in text
    with gr.Blocks() as demo:
        panel.build(trained)
    assert "simulate" in {d.get("api_name") for d in demo.config["dependencies"]}


def test_the_queue_ranks_with_the_models_training_size(trained, monkeypatch):
    """Past the warm-up the default ranks like margin; during it (v1 has 20 labels) like random."""
    warm = [i.example_id for i in trained.ranked_pool("default", n=15)]
    assert warm != [i.example_id for i in trained.ranked_pool("margin", n=15)]
    monkeypatch.setattr(strategies, "WARMUP_PER_LABEL", 5)  # v1's 20 labels over 4 labels: past the warm-up
    trained = Services(trained.settings, corpus=trained.corpus())  # a fresh process: no cached ranking
    ranked = trained.ranked_pool("default", n=15)
    assert [i.example_id for i in ranked] == [i.example_id for i in trained.ranked_pool("margin", n=15)]
    assert np.all(np.diff([i.score for i in ranked]) <= 0)
    item = trained.next_item("ana")
    assert item.example_id == ranked[0].example_id, "next_item uses the default strategy"


def test_the_simulate_button_tables_human_labels_as_its_plot_does(trained):
    from hloop.experiments import format_table, summary

    _figure, text = panel.run_small_simulation(trained, lambda *a, **k: None)
    results = latest_simulation(trained.settings.runs_dir)
    target = results["target"]
    assert format_table(summary(results, target, by="human_labels"), target) in text
    assert format_table(summary(results, target), target) not in text, "not the seed + human count"
    assert "Both panels count human labels only" in text
