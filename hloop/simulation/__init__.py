"""The simulation that proves the loop: strategies x repeats on a dataset with a simulated annotator.

``python -m hloop simulate`` and the Model tab's "Simulate" button run it through ``Services.simulate``.
"""

from hloop.simulation.annotators import AnnotatorSpec, make_annotator, parse_annotator
from hloop.simulation.report import curves, curves_figure, format_table, save_figure, summary
from hloop.simulation.runner import SimulationConfig, quick_config, simulate, write_results

__all__ = [
    "AnnotatorSpec",
    "SimulationConfig",
    "curves",
    "curves_figure",
    "format_table",
    "make_annotator",
    "parse_annotator",
    "quick_config",
    "save_figure",
    "simulate",
    "summary",
    "write_results",
]
