"""Use-cases of files: importing unlabelled texts into the pool, exporting human labels.

An import streams the file and writes it in chunks (``HLOOP_IMPORT_CHUNK_ROWS``), each one short transaction of
one bulk insert that skips texts already stored. It takes none of the app's locks, so labelling, predicting and
claiming go on during any import, in this process and in others; the unique text key makes two overlapping
imports store every text exactly once.
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path

from hloop.core import events
from hloop.core.errors import HLoopError, ImportStoppedError, storage_error
from hloop.core.labels import clean_text
from hloop.core.records import ImportReport, LabelEvent, Rejection
from hloop.data.files import write_records
from hloop.data.table_files import iter_texts
from hloop.services.embeddings import Embeddings
from hloop.services.project import Progress, Project, no_progress
from hloop.services.records import EXPORT_COLUMNS, label_record
from labeling import store

MAX_REJECTIONS_LISTED = 100


class Transfer:
    """Imports and exports."""

    def __init__(self, project: Project, embeddings: Embeddings) -> None:
        self.project = project
        self.embeddings = embeddings
        self.index_texts = None  # Search.update_index: the search index follows each chunk, in a thread

    def import_texts(
        self, path: str | Path, progress: Progress = no_progress, embed_after: bool = True
    ) -> ImportReport:
        """Add unlabelled texts from a CSV/JSONL file to the pool: counts of added, duplicate, rejected rows; then
        (``embed_after``) embed the new texts in the background if the store keeps embeddings (a command line
        that exits at once says no).

        A bad row is rejected (counted, the first ones listed) and the import reads on. When the import cannot go
        on (the store refuses a write, the file cannot be read further), ImportStoppedError says exactly what was
        added before it stopped; importing the file again adds the rest (texts already stored are duplicates)."""
        timer, rows = events.Timer(), iter_texts(path)
        first = next(rows, None)  # a file that cannot be read at all fails here, before the store is touched
        self.project.ensure_store()
        counts = {"rows": 0, "added": 0, "duplicates": 0, "rejected": 0}
        rejections: list[Rejection] = []
        where = {"row": 0}
        try:
            self._import_rows(chain([first] if first else [], rows), counts, rejections, where, progress)
        except (HLoopError, OSError) as exc:
            raise self._stopped(path, exc, counts, rejections, where["row"]) from exc
        if self.index_texts is not None and counts["added"]:
            progress(0.99, f"{counts['added']:,} added; indexing them for search")
            self.index_texts(True)  # returns once every imported text can be found
        progress(1.0, f"imported: {counts['added']:,} added")
        events.emit("import.done", duration_seconds=timer.seconds, source="import", count=counts["added"],
                    rows=counts["rows"], duplicates=counts["duplicates"], rejected=counts["rejected"])  # fmt: skip
        if embed_after and counts["added"]:
            self.embeddings.start_background(if_kept=True)
        return ImportReport(**counts, rejections=tuple(rejections))

    def _import_rows(self, rows, counts: dict, rejections: list[Rejection], where: dict, progress: Progress) -> None:
        chunk: dict[str, None] = {}  # clean texts of this chunk, in file order, each once
        for (number, value), fraction in rows:
            where["row"] = number
            counts["rows"] += 1
            try:
                if isinstance(value, HLoopError):
                    raise value
                text = clean_text(value)
            except HLoopError as exc:
                counts["rejected"] += 1
                if len(rejections) < MAX_REJECTIONS_LISTED:
                    rejections.append(Rejection(number, str(exc)))
                continue
            if text in chunk or self.project.guarded_split(
                text
            ):  # an eval or dev text, as the model reads it: not pooled
                counts["duplicates"] += 1
                continue
            chunk[text] = None
            if len(chunk) >= self.project.settings.import_chunk_rows:
                self._write_chunk(chunk, counts)
                progress(fraction, f"{counts['rows']:,} rows read, {counts['added']:,} added")
        self._write_chunk(chunk, counts)

    @staticmethod
    def _stopped(path, exc: Exception, counts: dict, rejections: list[Rejection], row: int) -> ImportStoppedError:
        """What an import that stopped at ``row`` had done: counts of the rows written before it stopped."""
        reason = str(storage_error(exc, "Reading the file") if isinstance(exc, OSError) else exc)
        report = ImportReport(**counts, rejections=tuple(rejections), stopped_at_row=row, error=reason)
        return ImportStoppedError(
            f"The import of {Path(path).name} stopped at row {row:,}: {reason} Before that, {counts['added']:,} "
            f"texts were added to the pool and stay there ({counts['rows']:,} rows read, {counts['duplicates']:,} "
            f"duplicates, {counts['rejected']:,} rejected; the rows read since the last chunk were not saved). "
            "Import the same file again once that is fixed: texts already added count as duplicates.",
            report,
        )

    def _write_chunk(self, chunk: dict[str, None], counts: dict) -> None:
        """One short transaction: bulk-insert the chunk's texts, count what was new and what was stored already."""
        if not chunk:
            return
        with self.project.session() as session:
            added = store.insert_new_texts(list(chunk), "import", session=session)
            session.commit()
        counts["added"] += added
        counts["duplicates"] += len(chunk) - added
        chunk.clear()
        if added and self.index_texts is not None:
            self.index_texts(False)  # indexed in a thread while the next chunk is read

    def export(self, path: str | Path, history: bool = False) -> dict:
        """Write the human labels (the counting ones, or every event with ``history``) as CSV or JSONL."""
        timer = events.Timer()
        with self.project.session() as session:
            stored = store.label_history(session=session)
        records = [label_record(lab, ex, self.project.label_set) for lab, ex in reversed(stored)]
        if not history:
            latest: dict[int, LabelEvent] = {}
            for record in records:
                if record.undone_at is None and record.example_id is not None:
                    latest[record.example_id] = record
            records = sorted(latest.values(), key=lambda r: r.label_id or 0)
        rows = ({k: getattr(r, k) for k in EXPORT_COLUMNS} for r in records)
        try:
            count = write_records(path, rows, EXPORT_COLUMNS)
        except OSError as exc:  # a full disk, a read-only folder: the target is untouched
            raise storage_error(exc, f"Writing the export {Path(path).name}") from exc
        fmt = Path(path).suffix.lower().lstrip(".")
        events.emit("export.done", duration_seconds=timer.seconds, count=count, format=fmt, history=bool(history))
        return {"path": str(path), "labels": count}
