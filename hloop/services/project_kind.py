"""Which kind of project the settings describe (single-label or multi-label), found without changing anything."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from hloop.config import Settings
from hloop.core.errors import HLoopError
from hloop.data.corpus import read_dataset
from hloop.data.label_sets import holds_lists

KIND_KEY, KIND = "project_kind", "label-sets"  # the StoreInfo fact a multi-label project's store records


def is_multi_label(settings: Settings) -> bool:
    """Whether ``settings`` describe a multi-label project: HLOOP_MULTI_LABEL=1; or auto with a label separator set,
    a store filled by a multi-label project, or (no store yet) a dataset whose label column holds lists. Nothing is
    created or changed to find out; what cannot be read here is left for the command to report."""
    if settings.multi_label != "auto":
        return settings.multi_label == "1"
    if settings.label_separator:
        return True
    kind = _store_kind(settings.database_url)
    if kind is not None:
        return kind == KIND
    try:
        dsd = read_dataset(settings.dataset)
    except HLoopError:
        return False
    split = dsd[settings.train_split] if settings.train_split in dsd else None
    if split is None or settings.label_column not in split.column_names:
        return False
    return holds_lists(split.select(range(min(len(split), 1000)))[settings.label_column])


def _store_kind(url: str) -> str | None:
    """The project kind a filled store records (``KIND``, or "single" for a store without it); None when there is
    no filled store, or it cannot be read (a plain read: no file made, no migration run)."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database in (None, "", ":memory:") or not Path(parsed.database).expanduser().is_file():
                return None
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                if not inspect(connection).has_table("storeinfo"):
                    return None
                facts = dict(connection.execute(text("SELECT key, value FROM storeinfo")).all())
        finally:
            engine.dispose()
    except Exception:  # a broken URL, driver or file: the command reports it in its own words
        return None
    if not facts:
        return None
    return KIND if facts.get(KIND_KEY) == KIND else "single"
