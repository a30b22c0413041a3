"""The simulation that proves the loop: strategies x repeats on a dataset with a simulated annotator.

``python -m hloop simulate`` and the Model tab's "Simulate" button run it through ``run_simulation``.
"""

from hloop.experiments.annotators import AnnotatorSpec, make_annotator, parse_annotator
from hloop.experiments.app_runs import RELATIVE_TARGET, latest_simulation, run_simulation, target_accuracy
from hloop.experiments.report import curves, curves_figure, format_families, format_table, save_figure, summary
from hloop.experiments.runner import SimulationConfig, quick_config, simulate, write_results

__all__ = [
    "RELATIVE_TARGET",
    "latest_simulation",
    "run_simulation",
    "target_accuracy",
    "AnnotatorSpec",
    "SimulationConfig",
    "curves",
    "curves_figure",
    "format_families",
    "format_table",
    "make_annotator",
    "parse_annotator",
    "quick_config",
    "save_figure",
    "simulate",
    "summary",
    "write_results",
]
