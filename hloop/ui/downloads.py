"""Downloads of a model version (the zip of ``Services.export_model_archive``): for REST, and for the Model tab."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from hloop.ui.common import user_errors
from hloop.ui.data import export_dir, prune_exports


def model_zip_response(services, version: int | None) -> FileResponse:
    """The zip of ``version`` (None: the current one) as a response; its temporary folder goes once it is sent."""
    folder = tempfile.mkdtemp(prefix="hloop-model-export-")
    try:
        report = services.export_model_archive(version, Path(folder) / "model.zip")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    name = f"hloop-model-v{report['version']}.zip"
    return FileResponse(report["archive"], media_type="application/zip", filename=name, background=cleanup)


def model_zip_file(services, version: int | None) -> str:
    """The zip of ``version`` (None: the current one) in the app's export folder, for a gr.File download."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    which = "current" if version is None else f"v{version}"
    path = export_dir() / f"hloop-model-{which}-{stamp}-{secrets.token_hex(3)}.zip"
    user_errors(services.export_model_archive, version, path)
    prune_exports(export_dir())
    return str(path)


def version_download(services, picked) -> None:
    """The Model tab's *Download this version* button (the version picked in ``picked``) and its file."""
    import gradio as gr

    from hloop.ui.common import UI

    with gr.Row():
        button = gr.Button("Download this version (predicts without HumanLoopML)", scale=1, elem_id="model-download")
        file = gr.File(label="Model export", visible=False, interactive=False, scale=3, elem_id="model-download-file")

    def on_download(version: str | None):
        if not version:
            raise gr.Error("Pick a version first.")
        return gr.File(model_zip_file(services, int(str(version).lstrip("v"))), visible=True)

    button.click(on_download, inputs=picked, outputs=file, api_name="ui_export_model", **UI)
