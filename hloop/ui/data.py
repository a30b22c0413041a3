"""Data tab: export the human labels (CSV or JSONL download), import unlabelled texts, download a backup."""

from __future__ import annotations

import atexit
import functools
import secrets
import shutil
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder

from hloop.core.errors import InvalidInputError
from hloop.ui import review
from hloop.ui.common import UI, progress_callback, user_errors

FORMATS = {"csv": "CSV", "jsonl": "JSONL"}
UPLOAD_TYPES = [".csv", ".tsv", ".jsonl", ".ndjson", ".json"]
KEEP_EXPORTS = 8  # newest export files kept for download; older ones are deleted when a new one is written
_PRUNING = threading.Lock()  # concurrent exports of one process prune one at a time


@functools.cache
def export_dir() -> Path:
    """This process's one folder of export files, removed when the process exits.

    It lives inside Gradio's cache folder, so Gradio serves the files from there instead of keeping a copy.
    """
    root = Path(get_upload_folder())
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="hloop-exports-", dir=root))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def prune_exports(folder: Path, keep: int = KEEP_EXPORTS) -> int:
    """Delete all but the newest ``keep`` export files in ``folder``; returns how many were deleted."""
    with _PRUNING:
        files = [
            *folder.glob("hloop-labels-*"),
            *folder.glob("hloop-backup-*"),
            *folder.glob("hloop-predictions-*"),
            *folder.glob("hloop-model-*"),
        ]
        files.sort(key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
        return max(0, len(files) - keep)


def export_format(fmt: str | None) -> str:
    """``csv`` or ``jsonl`` from what the user chose (case and a leading dot ignored); InvalidInputError otherwise."""
    key = (fmt or "").strip().lower().lstrip(".")
    if key not in FORMATS:
        raise InvalidInputError(f"Unknown export format {fmt!r}; use csv or jsonl.")
    return key


def export_file(services, fmt: str, history: bool = False) -> str:
    """Write the labels to a new file in ``fmt`` (csv or jsonl) in the export folder; returns its path."""
    key = user_errors(export_format, fmt)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = export_dir() / f"hloop-labels-{stamp}-{secrets.token_hex(3)}.{key}"
    user_errors(services.export, path, history=history)
    prune_exports(export_dir())
    return str(path)


def import_report(services, upload: str | None, progress: gr.Progress):
    """Import an uploaded CSV/JSONL file; returns a report line and the rejected rows."""
    if not upload:
        raise gr.Error("Choose a .csv or .jsonl file with a 'text' column first.")
    report = user_errors(services.import_texts, upload, progress=progress_callback(progress))
    line = (
        f"Read **{report.rows:,}** rows: **{report.added:,}** added to the pool, "
        f"**{report.duplicates:,}** duplicates, **{report.rejected:,}** rejected."
    )
    if report.rejected > len(report.rejections):
        line += f" The first {len(report.rejections)} rejections are listed."
    return line, [[r.row, r.reason] for r in report.rejections]


def backup_download(services) -> str:
    """Write a backup of the store and the models to a new file in the export folder; returns its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = export_dir() / f"hloop-backup-{stamp}-{secrets.token_hex(3)}.zip"
    user_errors(services.backup, path)
    prune_exports(export_dir())
    return str(path)


def build(services) -> None:
    """Render the Data tab inside the current Blocks context."""
    gr.Markdown("### Export labels")
    with gr.Row(equal_height=True):
        fmt = gr.Radio(
            [(name, key) for key, name in FORMATS.items()], value="csv", label="Format", elem_id="data-format"
        )
        history = gr.Checkbox(label="Full history (undone and replaced labels too)", elem_id="data-history")
        export_button = gr.Button("Export labels", variant="primary", elem_id="data-export")
    # the download boxes and the rejections table show once they have something (no empty panels)
    download = gr.File(label="Download", interactive=False, visible=False, elem_id="data-download")
    gr.Markdown(
        "### Import unlabelled texts\nA CSV with a `text` column or JSONL with a `text` field per line; "
        "new texts join the label queue's pool."
    )
    upload = gr.File(label="Texts to import", file_types=UPLOAD_TYPES, type="filepath", elem_id="data-upload")
    import_button = gr.Button("Import", elem_id="data-import")
    report = gr.Markdown(elem_id="data-report")
    rejected = gr.Dataframe(
        headers=["row", "reason"], label="Rejected rows", interactive=False, visible=False, elem_id="data-rejected"
    )

    gr.Markdown(
        "### Backup\nOne archive with every table of the label store, the models folder and a manifest of "
        "sha256s; restore it with `python -m hloop restore FILE` into an empty store."
    )
    backup_button = gr.Button("Download backup", elem_id="data-backup")
    backup = gr.File(label="Backup", interactive=False, visible=False, elem_id="data-backup-file")
    review.agreement_panel(services)

    def on_export(fmt_key: str, full_history: bool):
        return gr.File(export_file(services, fmt_key, full_history), visible=True)

    def on_import(path: str | None, progress=gr.Progress()):  # noqa: B008 (Gradio injects the tracker)
        line, rows = import_report(services, path, progress)
        return line, gr.Dataframe(rows, visible=bool(rows))

    def on_backup():
        return gr.File(backup_download(services), visible=True)

    export_button.click(on_export, inputs=[fmt, history], outputs=download, api_name="ui_export", **UI)
    import_button.click(
        on_import,
        inputs=upload,
        outputs=[report, rejected],
        api_name="ui_import",
        concurrency_id="import",
        concurrency_limit=2,
        **UI,
    )
    backup_button.click(on_backup, outputs=backup, api_name="ui_backup", **UI)
