"""Data tab: export the human labels (CSV or JSONL download), import unlabelled texts, download a backup."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import gradio as gr

from hloop.ui.common import UI, progress_callback, user_errors
from labeling.downloads import backup_file

FORMATS = {"csv": "CSV", "jsonl": "JSONL"}
UPLOAD_TYPES = [".csv", ".tsv", ".jsonl", ".ndjson", ".json"]


def export_file(services, fmt: str, history: bool = False) -> str:
    """Write the labels to a fresh temporary file in ``fmt`` (csv or jsonl); returns its path."""
    key = (fmt or "").strip().lower().lstrip(".")
    if key not in FORMATS:
        raise gr.Error(f"Unknown export format {fmt!r}; use csv or jsonl.")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.mkdtemp(prefix="hloop-export-")) / f"hloop-labels-{stamp}.{key}"
    user_errors(services.export, path, history=history)
    return str(path)


def import_report(services, upload: str | None, progress: gr.Progress):
    """Import an uploaded CSV/JSONL file; returns a report line and the rejected rows."""
    if not upload:
        raise gr.Error("Choose a .csv or .jsonl file with a 'text' column first.")
    report = user_errors(services.import_texts, upload, progress=progress_callback(progress))
    line = (
        f"Read **{report['rows']:,}** rows: **{report['added']:,}** added to the pool, "
        f"**{report['duplicates']:,}** duplicates, **{report['rejected']:,}** rejected."
    )
    if report["rejected"] > len(report["rejections"]):
        line += f" The first {len(report['rejections'])} rejections are listed."
    return line, [[r["row"], r["reason"]] for r in report["rejections"]]


def backup_download(services) -> str:
    """Write a backup of the store and the models to a temporary file; returns its path."""
    return str(user_errors(backup_file, services.settings))


def build(services) -> None:
    """Render the Data tab inside the current Blocks context."""
    gr.Markdown("### Export labels")
    with gr.Row(equal_height=True):
        fmt = gr.Radio(
            [(name, key) for key, name in FORMATS.items()], value="csv", label="Format", elem_id="data-format"
        )
        history = gr.Checkbox(label="Full history (undone and replaced labels too)", elem_id="data-history")
        export_button = gr.Button("Export labels", variant="primary", elem_id="data-export")
    download = gr.File(label="Download", interactive=False, elem_id="data-download")
    gr.Markdown(
        "### Import unlabelled texts\nA CSV with a `text` column or JSONL with a `text` field per line; "
        "new texts join the label queue's pool."
    )
    upload = gr.File(label="Texts to import", file_types=UPLOAD_TYPES, type="filepath", elem_id="data-upload")
    import_button = gr.Button("Import", elem_id="data-import")
    report = gr.Markdown(elem_id="data-report")
    rejected = gr.Dataframe(
        headers=["row", "reason"], label="Rejected rows", interactive=False, elem_id="data-rejected"
    )

    gr.Markdown(
        "### Backup\nOne archive with every table of the label store, the models folder and a manifest of "
        "sha256s; restore it with `python -m hloop restore FILE` into an empty store."
    )
    backup_button = gr.Button("Download backup", elem_id="data-backup")
    backup = gr.File(label="Backup", interactive=False, elem_id="data-backup-file")

    def on_export(fmt_key: str, full_history: bool):
        return export_file(services, fmt_key, full_history)

    def on_import(path: str | None, progress=gr.Progress()):  # noqa: B008 (Gradio injects the tracker)
        return import_report(services, path, progress)

    export_button.click(on_export, inputs=[fmt, history], outputs=download, api_name="ui_export", **UI)
    import_button.click(on_import, inputs=upload, outputs=[report, rejected], api_name="ui_import", **UI)
    backup_button.click(lambda: backup_download(services), outputs=backup, api_name="ui_backup", **UI)
