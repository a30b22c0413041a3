"""Backups: a round trip between backends keeps every row, card and the current version; bad archives are refused."""

import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from hloop.core.errors import InvalidInputError
from hloop.services import Services
from labeling.backup import restore_backup, write_backup
from labeling.db import make_engine
from tests.conftest import settings_in
from tests.labeling.test_migrations import all_rows


@pytest.fixture
def project(trained):
    """A trained project with human labels (one undone), a second version and v1 current again."""
    pool = [i.example_id for i in trained.ranked_pool(n=3)]
    for example_id, label in zip(pool, (0, 1, 2), strict=True):
        trained.label(example_id, label, "ana")
    trained.undo("ana")
    trained.retrain(force=True)
    trained.rollback(1)
    return trained


def _same_project(a: Services, b: Services) -> None:
    """Every row of every table, every card and the current version are identical."""
    assert all_rows(b.project.engine) == all_rows(a.project.engine)
    assert b.versions() == a.versions() and len(a.versions()) == 2
    assert b.project.registry.current_version() == a.project.registry.current_version() == 1
    assert b.predict("a match of the league season")["label"] == a.predict("a match of the league season")["label"]


def _restored(services: Services, url: str, folder: Path, archive: Path) -> Services:
    target = Services(settings_in(folder, database_url=url), corpus=services.corpus())
    restore_backup(target.project.engine, target.settings.models_dir, archive)
    return target


def test_sqlite_to_sqlite_round_trip(project, tmp_path):
    archive = tmp_path / "b.zip"
    report = write_backup(project.project.engine, project.settings.models_dir, archive)
    assert report.rows["label"] == len(all_rows(project.project.engine)["label"]) and report.model_files >= 5
    target = _restored(project, f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other", archive)
    _same_project(project, target)


def test_sqlite_to_postgresql_and_back(project, tmp_path, postgres_url):
    write_backup(project.project.engine, project.settings.models_dir, tmp_path / "a.zip")
    on_pg = _restored(project, postgres_url, tmp_path / "pg", tmp_path / "a.zip")
    _same_project(project, on_pg)
    write_backup(on_pg.project.engine, on_pg.settings.models_dir, tmp_path / "b.zip")
    back = _restored(on_pg, f"sqlite:///{tmp_path / 'back.db'}", tmp_path / "back", tmp_path / "b.zip")
    _same_project(project, back)
    example_id = on_pg.ranked_pool(n=1)[0].example_id
    new_label = on_pg.label(example_id, 3, "bo")  # the id sequences moved past the restored ids
    assert new_label.event.label_id > max(row.id for row in all_rows(project.project.engine)["label"])
    on_pg.project.engine.dispose()


def _repack(archive: Path, out: Path, change) -> Path:
    """Copy ``archive`` to ``out`` with ``change(members: dict[name, bytes])`` applied."""
    with zipfile.ZipFile(archive) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    change(members)
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def _listed(members: dict, name: str, data: bytes) -> None:
    """Add a member with a correct manifest entry (so only the name can be wrong)."""
    import hashlib

    members[name] = data
    manifest = json.loads(members["manifest.json"])
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    members["manifest.json"] = json.dumps(manifest).encode()


def _tamper(members: dict) -> None:
    members["models/current"] = b"2"


def _tamper_table(members: dict) -> None:
    members["tables/label.jsonl"] = members["tables/label.jsonl"].replace(b'"label": 0', b'"label": 3', 1)


BAD_ARCHIVES = {
    "tampered model file": (lambda a, o: _repack(a, o, _tamper), "does not match its sha256"),
    "tampered label": (lambda a, o: _repack(a, o, _tamper_table), "does not match its sha256"),
    "truncated": (lambda a, o: o.write_bytes(a.read_bytes()[: a.stat().st_size // 2]) and o, "damaged"),
    "path traversal": (lambda a, o: _repack(a, o, lambda m: _listed(m, "models/../../evil", b"x")), "unsafe"),
    "absolute path": (lambda a, o: _repack(a, o, lambda m: _listed(m, "/tmp/evil", b"x")), "unsafe"),
    "unlisted file": (lambda a, o: _repack(a, o, lambda m: m.update({"models/extra": b"x"})), "differ from"),
    "no manifest": (lambda a, o: _repack(a, o, lambda m: m.pop("manifest.json")), "no manifest.json"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARCHIVES))
def test_a_bad_archive_is_refused_and_nothing_is_written(project, tmp_path, case):
    good = tmp_path / "good.zip"
    write_backup(project.project.engine, project.settings.models_dir, good)
    make_bad, message = BAD_ARCHIVES[case]
    bad = make_bad(good, tmp_path / "bad.zip")
    target = tmp_path / "target"
    target.mkdir()
    engine = make_engine(f"sqlite:///{target / 'store.db'}")
    with pytest.raises(InvalidInputError, match=message):
        restore_backup(engine, target / "models", bad)
    assert all(rows == [] for rows in all_rows(engine).values())
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith("store.db")) == []
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("full", ["store", "models"])
def test_a_non_empty_target_is_refused(project, tmp_path, full):
    archive = tmp_path / "b.zip"
    write_backup(project.project.engine, project.settings.models_dir, archive)
    target = tmp_path / "target"
    engine = make_engine(f"sqlite:///{target / 'store.db'}")
    if full == "store":
        restore_backup(engine, target / "models", archive)
        before = all_rows(engine)
        (target / "models" / "current").write_text("2")
        with pytest.raises(InvalidInputError, match="label store is not empty"):
            restore_backup(engine, target / "fresh-models", archive)
        assert all_rows(engine) == before and not (target / "fresh-models").exists()
    else:
        (target / "models").mkdir()
        (target / "models" / "notes.txt").write_text("mine")
        with pytest.raises(InvalidInputError, match="models folder .* is not empty"):
            restore_backup(engine, target / "models", archive)
        assert all(rows == [] for rows in all_rows(engine).values())
        assert [p.name for p in (target / "models").iterdir()] == ["notes.txt"]


def test_the_archive_lists_every_table_and_model_file(project, tmp_path):
    archive = tmp_path / "b.zip"
    write_backup(project.project.engine, project.settings.models_dir, archive)
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
    models = project.settings.models_dir
    on_disk = {"models/" + p.relative_to(models).as_posix() for p in models.rglob("*") if p.is_file()}
    assert {"models/current", "models/LAST_VERSION", "models/v2/card.json"} <= on_disk
    assert (
        names - {"manifest.json"}
        == set(manifest["files"])
        == on_disk | {f"tables/{t.name}.jsonl" for t in SQLModel.metadata.sorted_tables}
    )
    assert manifest["schema_revision"] and manifest["rows"]["label"] == len(all_rows(project.project.engine)["label"])
    label = json.loads(zipfile.ZipFile(archive).read("tables/label.jsonl").splitlines()[0])
    assert label["created_at"].endswith("+00:00")


# Issue 15: a restore writes at most HLOOP_RESTORE_MAX_BYTES, and only when the disk has room for it
def _with_big_member(archive: Path, out: Path, size: int, listed_size: int | None = None) -> Path:
    """``archive`` plus a model file of ``size`` zero bytes, deflated (a few KiB), listed with ``listed_size``."""
    import hashlib

    with zipfile.ZipFile(archive) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    data = bytes(size)
    listed = data[: listed_size if listed_size is not None else size]
    manifest = json.loads(members.pop("manifest.json"))
    manifest["files"]["models/v1/padding.bin"] = {"sha256": hashlib.sha256(listed).hexdigest(), "size": len(listed)}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
        zf.writestr("models/v1/padding.bin", data)
        zf.writestr("manifest.json", json.dumps(manifest))
    return out


def _empty_target(tmp_path: Path):
    target = tmp_path / "target"
    target.mkdir()
    return target, make_engine(f"sqlite:///{target / 'store.db'}")


def _nothing_written(engine, target: Path) -> None:
    assert all(rows == [] for rows in all_rows(engine).values())
    assert sorted(p.name for p in target.iterdir() if not p.name.endswith((".db", ".db-wal", ".db-shm"))) == []


def test_a_restore_that_would_write_more_than_the_cap_is_refused_before_a_byte(trained, tmp_path):
    good = write_backup(trained.project.engine, trained.settings.models_dir, tmp_path / "good.zip").path
    bomb = _with_big_member(Path(good), tmp_path / "bomb.zip", 3 * 2**20)
    assert bomb.stat().st_size < 2**20, "a small archive that unpacks to far more"
    target = Services(settings_in(tmp_path / "target", restore_max_bytes=2 * 2**20), corpus=trained.corpus())
    with pytest.raises(InvalidInputError, match=r"more than HLOOP_RESTORE_MAX_BYTES \(2,097,152\)"):
        target.restore(bomb)
    _nothing_written(target.project.engine, tmp_path / "target")
    restore_backup(make_engine(f"sqlite:///{tmp_path / 'big.db'}"), tmp_path / "big-models", bomb, max_bytes=2**23)
    assert (tmp_path / "big-models" / "v1" / "padding.bin").stat().st_size == 3 * 2**20, "within the cap it works"


def test_a_member_bigger_than_its_manifest_says_is_refused_from_its_header(trained, tmp_path):
    good = write_backup(trained.project.engine, trained.settings.models_dir, tmp_path / "good.zip").path
    lying = _with_big_member(Path(good), tmp_path / "lying.zip", 3 * 2**20, listed_size=10)
    target, engine = _empty_target(tmp_path)
    with pytest.raises(InvalidInputError, match="by its zip header and 10 by the manifest"):
        restore_backup(engine, target / "models", lying)
    _nothing_written(engine, target)


def test_a_restore_checks_free_disk_space_first(trained, tmp_path, monkeypatch):
    import shutil

    from hloop.core.errors import StorageError

    archive = write_backup(trained.project.engine, trained.settings.models_dir, tmp_path / "b.zip").path
    target, engine = _empty_target(tmp_path)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=2**20))
    with pytest.raises(StorageError, match=r"needs about [\d,]+ MiB free on the disk of .* and 1 MiB are free"):
        restore_backup(engine, target / "models", Path(archive))
    _nothing_written(engine, target)
