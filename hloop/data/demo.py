"""The demo's defaults: the one place that knows a dataset by name.

AG News on the hub carries its label names (a ClassLabel); a local copy in parquet or CSV has only the integers
0-3, so its names come from here when ``HLOOP_LABELS`` does not give them.
"""

from __future__ import annotations

from pathlib import PurePath

HUB_DATASET = "fancyzhx/ag_news"
KNOWN_LABEL_NAMES: dict[str, tuple[str, ...]] = {
    "ag_news": ("World", "Sports", "Business", "Sci/Tech"),
}


def known_label_names(source: str) -> tuple[str, ...] | None:
    """Label names of a known dataset, by the last part of its hub id or folder name; None otherwise."""
    return KNOWN_LABEL_NAMES.get(PurePath(source.rstrip("/")).name.lower())
