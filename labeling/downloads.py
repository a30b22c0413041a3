"""A backup as a download: written to its own temporary folder; folders of earlier downloads are cleaned up."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from labeling.backup import write_backup
from labeling.db import make_engine

PREFIX = "hloop-backup-"
KEEP_SECONDS = 3600  # long enough for the browser to fetch the file


def backup_file(settings, *, now: float | None = None) -> Path:
    """Back up the store and models of ``settings`` (database_url, db_timeout, models_dir) to a fresh temp file."""
    clean_old_downloads(now=now)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    engine = make_engine(settings.database_url, settings.db_timeout)
    try:
        return Path(write_backup(engine, settings.models_dir, folder / f"hloop-backup-{stamp}.zip").path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        engine.dispose()


def clean_old_downloads(*, now: float | None = None, keep_seconds: float = KEEP_SECONDS) -> int:
    """Remove download folders older than ``keep_seconds``; returns how many were removed."""
    cutoff = (time.time() if now is None else now) - keep_seconds
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:  # another process cleaned it first
            continue
    return removed
