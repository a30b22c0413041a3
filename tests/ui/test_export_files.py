"""Exports leave a bounded number of files: one folder per process, newest kept, removed at exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gradio as gr
import httpx
import pytest

from hloop.ui.data import KEEP_EXPORTS, export_dir, export_file

ROOT = Path(__file__).resolve().parents[2]


def _exports(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("hloop-labels-*") if p.is_file()]


def test_many_exports_leave_a_bounded_number_of_files(trained):
    trained.feedback("a corrected headline about shares", "gamma", "ana")
    paths = [export_file(trained, "csv" if i % 2 else "jsonl", history=bool(i % 3)) for i in range(KEEP_EXPORTS + 12)]
    assert len(_exports(export_dir())) <= KEEP_EXPORTS
    assert all(Path(p).parent == export_dir() for p in paths)
    assert Path(paths[-1]).read_text(encoding="utf-8").count("a corrected headline about shares") == 1
    assert not [p for p in export_dir().iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_a_bad_format_is_an_escaped_error_and_writes_nothing(trained):
    before = len(_exports(export_dir()))
    with pytest.raises(gr.Error, match="&lt;b&gt;"):
        export_file(trained, "<b>xlsx</b>")
    assert len(_exports(export_dir())) == before


def test_api_exports_are_served_from_the_folder_without_copies(url):
    base = f"{url.rstrip('/')}/gradio_api/call/export"
    served = []
    for _ in range(KEEP_EXPORTS + 4):  # raw HTTP: gradio_client would save its own downloads in Gradio's folder
        event = httpx.post(base, json={"data": ["csv", False]}).json()["event_id"]
        result = httpx.get(f"{base}/{event}", timeout=60).text
        served.append(json.loads(result.split("data: ", 1)[1].splitlines()[0])[0])
    # the path Gradio serves is the file itself (a copy would live in a hash-named folder of Gradio's cache)
    assert {Path(s["path"]).parent for s in served} == {export_dir()}
    assert httpx.get(served[-1]["url"]).text.startswith("label_id,")
    assert len(_exports(export_dir())) <= KEEP_EXPORTS


@pytest.mark.slow
def test_the_export_folder_is_removed_when_the_process_exits(tmp_path):
    code = (
        "from hloop.ui.data import export_dir; d = export_dir(); (d / 'hloop-labels-x.csv').write_text('x'); print(d)"
    )
    env = {**os.environ, "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    folder = Path(done.stdout.strip())
    assert folder.parent == tmp_path / "gradio" and not folder.exists()


def test_backup_downloads_are_whole_archives_and_do_not_pile_up(trained):
    import zipfile

    from hloop.ui.data import KEEP_EXPORTS, backup_download, export_dir

    paths = [Path(backup_download(trained)) for _ in range(KEEP_EXPORTS + 3)]
    assert zipfile.ZipFile(paths[-1]).testzip() is None and "manifest.json" in zipfile.ZipFile(paths[-1]).namelist()
    assert paths[-1].parent == export_dir() and len(list(export_dir().glob("hloop-backup-*"))) <= KEEP_EXPORTS
