"""Use-cases of the whole project's data: one archive of the label store and the models folder, and back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import DBAPIError

from hloop.core import events
from hloop.core.errors import storage_error
from hloop.services.embeddings import Embeddings
from hloop.services.pool import PoolRanking
from hloop.services.project import Project, safe_url
from labeling.backup import BackupReport, restore_backup, write_backup
from labeling.faults import store_error


class Backups:
    """Backup and restore."""

    def __init__(self, project: Project, pool: PoolRanking, embeddings: Embeddings) -> None:
        self.project = project
        self.pool = pool
        self.embeddings = embeddings

    def backup(self, path: str | Path) -> BackupReport:
        """Write every table of the label store and the models folder to one archive with a manifest of sha256s."""
        timer = events.Timer()
        try:
            report = write_backup(self.project.engine, self.project.settings.models_dir, Path(path))
        except OSError as exc:  # a full disk, a read-only folder: the half-written archive was removed
            raise storage_error(exc, f"Writing the backup {Path(path).name}") from exc
        _announce("backup.written", report, Path(path), timer.seconds)
        return report

    def restore(self, path: str | Path, embed_after: bool = True) -> BackupReport:
        """Fill an empty label store and models folder from an archive; refuses a damaged one or a non-empty
        target. Cached models and scores are dropped, so this object serves the restored project. The archive
        carries no embeddings: the store's embeddings key is dropped, so vectors kept beside it (from whatever store
        was there before) are never read against the restored ids; they are rebuilt, in the background with
        ``embed_after``, else by the app's start or ``hloop embed``."""
        timer = events.Timer()
        try:
            report = restore_backup(
                self.project.engine,
                self.project.settings.models_dir,
                Path(path),
                max_bytes=self.project.settings.restore_max_bytes,
            )
        except DBAPIError as exc:  # e.g. the store's disk filled up: the transaction was rolled back
            raise self.project.broken(
                store_error(exc, safe_url(self.project.settings.database_url), "nothing was restored")
            ) from exc
        self.pool.reset()
        self.project.reload_models()
        self.embeddings.reset(embed_after)
        _announce("backup.restored", report, Path(path), timer.seconds)
        return report


def _announce(name: str, report: BackupReport, path: Path, seconds: float) -> None:
    """The event of a backup written or restored: the archive's file name (not its folder) and size, its rows."""
    size = path.stat().st_size if path.is_file() else None
    events.emit(name, duration_seconds=seconds, path=path.name, size_bytes=size, rows=sum(report.rows.values()),
                model_files=report.model_files)  # fmt: skip
