"""``python -m hloop backup`` and ``restore``: one archive out, an empty project filled from it, refusals exit 2."""

import json

from hloop.cli import main


def _use(monkeypatch, folder, url=None):
    monkeypatch.setenv("HLOOP_DATABASE_URL", url or f"sqlite:///{folder / 'hloop.db'}")
    monkeypatch.setenv("HLOOP_MODELS_DIR", str(folder / "models"))


def test_backup_then_restore_into_a_new_project(trained, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HLOOP_DATABASE_URL", trained.settings.database_url)
    monkeypatch.setenv("HLOOP_MODELS_DIR", str(trained.settings.models_dir))
    archive = tmp_path / "backup.zip"
    assert main(["backup", str(archive), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert archive.exists() and written["rows"]["label"] == trained.settings.seed_size == 20

    _use(monkeypatch, tmp_path / "copy")
    assert main(["restore", str(archive)]) == 0
    assert "restored from" in capsys.readouterr().out
    assert (tmp_path / "copy" / "models" / "current").read_text() == "1"

    assert main(["restore", str(archive)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_restore_of_a_missing_file_is_one_line(tmp_path, monkeypatch, capsys):
    _use(monkeypatch, tmp_path)
    assert main(["restore", str(tmp_path / "nope.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No backup file") and err.count("\n") == 1
