"""Use-cases of files: importing unlabelled texts into the pool, exporting human labels."""

from __future__ import annotations

from pathlib import Path

from hloop.core.errors import HLoopError
from hloop.services.project import Progress, no_progress
from hloop.services.queue import Queue
from hloop.services.records import EXPORT_COLUMNS, label_record
from hloop.transfer import read_texts, write_records
from labeling import store


class Transfer(Queue):
    """Imports and exports."""

    def import_texts(self, path: str | Path, progress: Progress = no_progress) -> dict:
        """Add unlabelled texts from a CSV/JSONL file to the pool: counts of added, duplicate, rejected rows."""
        rows = read_texts(path)
        self.ensure_store()
        added, duplicates, rejected = 0, 0, []
        with self._lock, self.session() as session:
            for done, (number, value) in enumerate(rows, start=1):
                try:
                    if isinstance(value, HLoopError):
                        raise value
                    if isinstance(value, str) and self.is_eval_text(value):
                        duplicates += 1  # a near-copy of an eval text never reaches the pool
                        continue
                    _example, new = store.add_example(value, "import", session=session)
                except HLoopError as exc:
                    rejected.append({"row": number, "reason": str(exc)})
                    continue
                added += new
                duplicates += not new
                if done % 500 == 0:
                    progress(done / len(rows), f"{done:,} of {len(rows):,} rows")
            session.commit()
        progress(1.0, "imported")
        return {
            "rows": len(rows),
            "added": added,
            "duplicates": duplicates,
            "rejected": len(rejected),
            "rejections": rejected[:100],
        }

    def export(self, path: str | Path, history: bool = False) -> dict:
        """Write the human labels (the counting ones, or every event with ``history``) as CSV or JSONL."""
        with self.session() as session:
            events = store.label_history(session=session)
        records = [label_record(lab, ex, self.label_set) for lab, ex in reversed(events)]
        if not history:
            latest: dict[int, dict] = {}
            for record in records:
                if record["undone_at"] is None:
                    latest[record["example_id"]] = record
            records = sorted(latest.values(), key=lambda r: r["label_id"])
        count = write_records(path, ({k: r[k] for k in EXPORT_COLUMNS} for r in records), EXPORT_COLUMNS)
        return {"path": str(path), "labels": count}
