"""Simulations as the CLI and the app run them: over a ``Services``' dataset and settings, into a runs folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hloop.experiments.report import format_families, format_table, save_figure, summary
from hloop.experiments.runner import Progress, SimulationConfig, quick_config, simulate, write_results

RELATIVE_TARGET = 0.97  # default target: this share of the accuracy of a model trained on the whole train split


def target_accuracy(results: dict, target: float | None, relative: float = RELATIVE_TARGET) -> float:
    """The accuracy to reach: ``target`` if given, else ``relative`` x the reference model's accuracy."""
    return float(target) if target is not None else round(relative * results["reference_accuracy"], 4)


def run_simulation(
    services,
    config: SimulationConfig | None = None,
    *,
    out_dir: str | Path | None = None,
    target: float | None = None,
    relative_target: float = RELATIVE_TARGET,
    progress: Progress | None = None,
) -> dict:
    """Simulate the loop on the services' dataset (their label store and registry are never touched);
    ``config=None`` runs the small simulation of the app's "Simulate" button.

    Writes ``results.json``, ``curves.png`` and ``table.md`` to ``out_dir`` (default: a new folder under
    ``settings.runs_dir``) and returns {"out_dir", "results", "summary", "table", "families", "target"}.
    """
    settings = services.settings
    if config is None:
        config = quick_config(
            len(services.corpus().train_texts),
            settings.seed_size,
            settings.random_seed,
            settings.feedback_weight,
            settings.model,
            settings.embeddings,
        )
    config = config.validated()  # before loading the dataset: a typo fails fast
    stamp = datetime.now(UTC).strftime("sim-%Y%m%d-%H%M%S")
    folder = Path(out_dir) if out_dir else Path(settings.runs_dir) / stamp
    results = simulate(services.corpus(), config, human_labels_file=settings.human_labels_file, progress=progress)
    goal = target_accuracy(results, target, relative_target)
    results["target"] = goal
    write_results(results, folder)
    save_figure(results, folder / "curves.png")
    rows = summary(results, goal)
    table = format_table(rows, goal)
    families = format_families(results)
    (folder / "table.md").write_text(f"{table}\n\n{families}\n")
    return {
        "out_dir": str(folder),
        "results": results,
        "summary": rows,
        "table": table,
        "families": families,
        "target": goal,
    }


def latest_simulation(runs_dir: str | Path) -> dict | None:
    """The newest simulation's results under ``runs_dir`` (with ``out_dir``); None if there is none."""
    found = sorted(Path(runs_dir).glob("*/results.json"), key=lambda p: p.stat().st_mtime)
    for path in reversed(found):
        try:
            return {**json.loads(path.read_text()), "out_dir": str(path.parent)}
        except (OSError, json.JSONDecodeError):
            continue  # a run still being written, or a damaged file: show the one before it
    return None
