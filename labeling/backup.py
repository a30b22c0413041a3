"""Backups: one zip with every table as JSONL, the models folder and a manifest of sha256s; restored into empty stores.

Layout: ``manifest.json``, ``tables/<table>.jsonl`` (one JSON object per row, datetimes ISO 8601 with a time zone)
and ``models/<path>`` (every file of the models folder; symlinks and hidden in-progress files left out).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel

from hloop.core.errors import InvalidInputError, StorageError, storage_error
from labeling import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from labeling.archive import DEFAULT_MAX_BYTES, MANIFEST, MODELS, TABLES, VerifiedArchive, read_archive
from labeling.schema import current_revision

FORMAT = 1
_CHUNK = 1 << 20
_INSERT_BATCH = 5000
STORE_GROWTH = 3  # a table's rows take up to this many times their JSONL bytes in the store (indexes, pages)
SPARE_BYTES = 64 * 2**20  # free space left over after a restore, so the disk is not filled to the brim


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds (or a restore wrote): rows per table, model files, schema revision."""

    path: str
    schema_revision: str
    rows: dict[str, int]
    model_files: int

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {**self.__dict__, "rows": dict(self.rows)}


def write_backup(engine: Engine, models_dir: Path, path: Path) -> BackupReport:
    """Write the store and the models folder to one archive at ``path`` (written aside, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            files: dict[str, dict] = {}
            revision, rows = _write_tables(engine, archive, files)
            for name, source in _model_files(Path(models_dir)):
                files[name] = _add(archive, name, _read_chunks(source))
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "schema_revision": revision,
                "rows": rows,
                "files": files,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    model_count = sum(name.startswith(MODELS) for name in files)
    return BackupReport(str(path), revision, rows, model_count)


def _write_tables(engine: Engine, archive: zipfile.ZipFile, files: dict[str, dict]) -> tuple[str, dict[str, int]]:
    """Every table as JSONL from one consistent snapshot; returns the schema revision and row counts."""
    rows: dict[str, int] = {}
    with _snapshot(engine) as connection:
        revision = current_revision(connection)
        for table in SQLModel.metadata.sorted_tables:
            result = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            counter = [0]
            name = f"{TABLES}{table.name}.jsonl"
            files[name] = _add(archive, name, _jsonl(result, counter))
            rows[table.name] = counter[0]
    return revision, rows


def _snapshot(engine: Engine) -> Connection:
    """A connection that reads one snapshot (a read transaction on SQLite, repeatable read on PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
    return connection


def _jsonl(rows: Iterable[dict], counter: list[int]) -> Iterator[bytes]:
    for row in rows:
        counter[0] += 1
        yield (json.dumps({key: _json_value(value) for key, value in row.items()}, ensure_ascii=False) + "\n").encode()


def _json_value(value):
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


def _model_files(models_dir: Path) -> Iterator[tuple[str, Path]]:
    """(archive name, file) for every regular file under ``models_dir``, sorted; symlinks and dot-names skipped."""
    if not models_dir.is_dir():
        return
    for root, dirs, names in os.walk(models_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not Path(root, d).is_symlink())
        for name in sorted(names):
            source = Path(root, name)
            if not name.startswith(".") and source.is_file() and not source.is_symlink():
                yield MODELS + source.relative_to(models_dir).as_posix(), source


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(_CHUNK), b"")


def _add(archive: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> dict:
    """Stream ``chunks`` into the archive as ``name``; returns its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    with archive.open(name, "w", force_zip64=True) as out:
        for chunk in chunks:
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def restore_backup(engine: Engine, models_dir: Path, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> BackupReport:
    """Fill an empty store and an empty models folder from a verified archive; nothing is written on refusal.

    The archive may hold at most ``max_bytes`` (HLOOP_RESTORE_MAX_BYTES), and the disks must have room for it."""
    models_dir = Path(models_dir)
    with read_archive(Path(path), max_bytes) as archive:
        if models_dir.is_dir() and any(models_dir.iterdir()):
            raise InvalidInputError(
                f"The models folder {models_dir} is not empty; restore into an empty folder (HLOOP_MODELS_DIR)."
            )
        _require_space(engine, models_dir, archive, Path(path))
        try:
            return _restore(engine, models_dir, archive, Path(path))
        except OSError as exc:
            raise storage_error(exc, f"Restoring {Path(path).name}") from exc


def _require_space(engine: Engine, models_dir: Path, archive: VerifiedArchive, path: Path) -> None:
    """StorageError unless the disk of the models folder (and of a SQLite store) has room for what is restored."""
    needs: dict[Path, int] = {_existing(models_dir): archive.bytes_of(MODELS)}
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = _existing(Path(database).expanduser().resolve().parent)
        needs[folder] = needs.get(folder, 0) + STORE_GROWTH * archive.bytes_of(TABLES)
    by_disk: dict[int, tuple[Path, int]] = {}
    for folder, size in needs.items():
        device = folder.stat().st_dev
        by_disk[device] = (folder, by_disk.get(device, (folder, 0))[1] + size)
    for folder, size in by_disk.values():
        free = shutil.disk_usage(folder).free
        if free < size + SPARE_BYTES:
            raise StorageError(
                f"Cannot restore {path.name}: it needs about {(size + SPARE_BYTES) / 2**20:,.0f} MiB free on the disk "
                f"of {folder} and {free / 2**20:,.0f} MiB are free. Free space or restore elsewhere; nothing was "
                "restored."
            )


def _existing(folder: Path) -> Path:
    """``folder`` or its nearest existing parent (whose disk a new folder would be on)."""
    folder = Path(folder).expanduser().resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _restore(engine: Engine, models_dir: Path, archive: VerifiedArchive, path: Path) -> BackupReport:
    """Stage the model files, insert every row in one transaction, then put the models folder in place."""
    staged = _stage_models(archive, models_dir)
    placed = False
    try:
        with engine.begin() as connection:
            _require_empty_store(connection)
            _insert_all(connection, archive, path)
            if models_dir.is_dir():
                models_dir.rmdir()
            os.rename(staged, models_dir)
            placed = True
    except BaseException:
        shutil.rmtree(models_dir if placed else staged, ignore_errors=True)
        raise
    return BackupReport(str(path), archive.revision, archive.row_counts, len(archive.model_names))


def _stage_models(archive: VerifiedArchive, models_dir: Path) -> Path:
    """Write the archive's model files to a hidden folder beside ``models_dir``; returns it."""
    models_dir.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{models_dir.name}.restore-", dir=models_dir.parent))
    try:
        for name in archive.model_names:
            target = staged / name[len(MODELS) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            archive.extract_to(name, target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _insert_all(connection: Connection, archive: VerifiedArchive, path: Path) -> None:
    """Every table's rows (parents first), then fresh sequences; rows that do not fit refuse the whole restore."""
    try:
        for table in SQLModel.metadata.sorted_tables:
            _insert(connection, table, archive.rows(table))
    except (ValueError, TypeError, StatementError) as exc:
        raise InvalidInputError(
            f"Cannot restore {Path(path).name}: its rows do not fit the store ({str(exc)[:200]}). Nothing was restored."
        ) from exc
    _reset_sequences(connection)


def _require_empty_store(connection: Connection) -> None:
    """Refuse a store that holds any row."""
    for table in SQLModel.metadata.sorted_tables:
        if connection.execute(select(func.count()).select_from(table)).scalar_one():
            raise InvalidInputError(
                f"The label store is not empty (table {table.name!r} has rows); restore into a new, empty store "
                "(point HLOOP_DATABASE_URL at one). Nothing was restored."
            )


def _insert(connection: Connection, table, rows: Iterable[dict]) -> None:
    """Insert rows with their primary keys, in batches; datetimes parsed back from ISO text."""
    stamps = [c.name for c in table.columns if isinstance(getattr(c.type, "impl", c.type), DateTime)]
    columns = set(table.columns.keys())
    batch: list[dict] = []
    for row in rows:
        if not isinstance(row, dict) or not set(row) <= columns:
            raise InvalidInputError(f"A row of table {table.name!r} does not fit the store's columns.")
        for name in stamps:
            if row.get(name) is not None:
                row[name] = datetime.fromisoformat(row[name])
        batch.append(row)
        if len(batch) >= _INSERT_BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)


def _reset_sequences(connection: Connection) -> None:
    """On PostgreSQL, move each id sequence past the restored ids so new rows get fresh ones."""
    if connection.dialect.name != "postgresql":
        return
    for table in SQLModel.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].autoincrement is False or keys[0].type.python_type is not int:
            continue
        quote = connection.dialect.identifier_preparer.quote
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({quote(keys[0].name)}) FROM {quote(table.name)}), 0) + 1, false)"
            ),
            {"table": quote(table.name), "column": keys[0].name},
        )
