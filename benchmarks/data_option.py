"""The ``--data`` option every benchmark shares: HLOOP_DATASET, else the local copy next to the repository."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def default_dataset() -> str:
    """HLOOP_DATASET, else ``<repo>/../shared/data/ag_news``."""
    return os.environ.get("HLOOP_DATASET") or str(REPO.parent / "shared" / "data" / "ag_news")


def settings_in(folder: str | Path, data: str, **overrides):
    """Settings for a benchmark: ``data`` as the dataset, the store and models in ``folder``, then ``overrides``."""
    from hloop.config import Settings

    folder = Path(folder)
    defaults = {"database_url": f"sqlite:///{folder / 'hloop.db'}", "models_dir": folder / "models"}
    return Settings(dataset=data, **{**defaults, **overrides})


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data FOLDER_OR_HUB_ID`` with the shared default."""
    parser.add_argument(
        "--data",
        default=default_dataset(),
        help="AG News folder or hub id (default: $HLOOP_DATASET or <repo>/../shared/data/ag_news)",
    )
