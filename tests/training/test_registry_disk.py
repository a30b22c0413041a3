"""A full or read-only disk while saving a version: a StorageError saying what to do, and no half version."""

from __future__ import annotations

import errno
import os

import pytest

from hloop.cli import main
from hloop.core.errors import StorageError
from tests.conftest import settings_in


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_full_disk_on_retrain_keeps_the_current_version_and_says_what_to_do(trained, monkeypatch, where):
    models = trained.settings.models_dir
    before = sorted(p.name for p in models.iterdir())
    monkeypatch.setattr(os, where, _disk_full)
    with pytest.raises(StorageError, match="No space left on device.*free disk space") as caught:
        trained.retrain(force=True)
    assert "Try again" not in str(caught.value)
    monkeypatch.undo()
    assert sorted(p.name for p in models.iterdir()) == before  # no new version, no temporary folder or file
    assert trained.project.registry.versions() == [1] and trained.project.registry.current_version() == 1
    assert trained.retrain(force=True).version == 2  # once there is space, the same retrain works


def test_the_cli_turns_any_disk_error_into_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    for name in [n for n in os.environ if n.startswith("HLOOP_")]:
        monkeypatch.delenv(name)
    settings = settings_in(tmp_path)
    monkeypatch.setenv("HLOOP_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HLOOP_MODELS_DIR", str(settings.models_dir))

    def full_disk_export(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out.csv"))

    monkeypatch.setattr("hloop.services.Services.export", full_disk_export)
    assert main(["export", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "No space left" in err and "free disk space" in err


@pytest.mark.parametrize("what", ["export", "backup"])
def test_a_full_disk_on_export_or_backup_is_a_storage_error_and_leaves_no_file(trained, tmp_path, monkeypatch, what):
    trained.feedback("a story about rockets", "delta", "ana")
    monkeypatch.setattr(os, "replace", _disk_full)
    target = tmp_path / ("labels.csv" if what == "export" else "backup.zip")
    with pytest.raises(StorageError, match="No space left on device.*free disk space"):
        getattr(trained, what)(target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("hloop.db", "models")) == [
        p for p in ("hloop.db-shm", "hloop.db-wal") if (tmp_path / p).exists()
    ]
