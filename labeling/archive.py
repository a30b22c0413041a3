"""Reading a backup archive: every name, size and sha256 checked against the manifest before anything is used."""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from sqlmodel import SQLModel

from hloop.core.errors import InvalidInputError
from labeling import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from labeling.schema import head_revision

MANIFEST = "manifest.json"
TABLES = "tables/"
MODELS = "models/"
FORMATS = (1,)
DEFAULT_MAX_BYTES = 10 * 2**30  # what a restore may write unless told otherwise (HLOOP_RESTORE_MAX_BYTES)
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError)


def _refuse(path: Path, why: str) -> InvalidInputError:
    return InvalidInputError(f"Cannot restore {path.name}: {why}. Nothing was restored.")


class VerifiedArchive:
    """An open backup whose manifest, names and sha256s have been checked."""

    def __init__(self, zf: zipfile.ZipFile, manifest: dict) -> None:
        self._zf = zf
        self.revision: str = manifest["schema_revision"]
        self.row_counts: dict[str, int] = dict(manifest["rows"])
        self.model_names = sorted(n for n in manifest["files"] if n.startswith(MODELS))
        self.sizes: dict[str, int] = {name: entry["size"] for name, entry in manifest["files"].items()}

    def bytes_of(self, prefix: str) -> int:
        """The bytes the members under ``prefix`` (``TABLES`` or ``MODELS``) hold, as checked against the manifest."""
        return sum(size for name, size in self.sizes.items() if name.startswith(prefix))

    def rows(self, table) -> Iterator[dict]:
        """The rows of ``table`` as dicts (values as stored in the JSONL)."""
        with self._zf.open(f"{TABLES}{table.name}.jsonl") as fh:
            for line in fh:
                yield json.loads(line)

    def extract_to(self, name: str, target: Path) -> None:
        """Copy the member ``name`` to the file ``target``, never more bytes than its checked size."""
        limit, written = self.sizes[name], 0
        with self._zf.open(name) as src, target.open("wb") as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                written += len(chunk)
                if written > limit:  # cannot happen after the sha256 check, unless the file changed since
                    raise InvalidInputError(
                        f"{name} grew beyond its {limit:,} bytes while restoring; nothing was restored."
                    )
                out.write(chunk)


@contextmanager
def read_archive(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[VerifiedArchive]:
    """Open and verify a backup; InvalidInputError (saying what is wrong) for a damaged or tampered one, or one
    that would write more than ``max_bytes``: sizes are checked before any member is read, and while reading."""
    if not path.is_file():
        raise InvalidInputError(f"No backup file at {path}; give the path of a file written by `hloop backup`.")
    zf = None
    try:
        zf = zipfile.ZipFile(path)
        manifest = _manifest(zf, path)
        _check_names(zf, manifest, path)
        _check_sizes(zf, manifest, path, max_bytes)
        _check_contents(zf, manifest, path)
    except BaseException as exc:
        if zf is not None:
            zf.close()
        if isinstance(exc, _UNREADABLE):
            raise _refuse(path, f"the archive is damaged or not a backup ({type(exc).__name__}: {exc})") from exc
        raise
    with zf:
        yield VerifiedArchive(zf, manifest)


def _manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    """The manifest, checked for format, schema revision and shape."""
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError as exc:
        raise _refuse(path, f"it has no {MANIFEST}; it was not written by `hloop backup`") from exc
    if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
        raise _refuse(path, f"unknown backup format {manifest.get('format') if isinstance(manifest, dict) else '?'}")
    files, rows = manifest.get("files"), manifest.get("rows")
    if not isinstance(files, dict) or not isinstance(rows, dict):
        raise _refuse(path, "its manifest lacks the file list or the row counts")
    if manifest.get("schema_revision") != head_revision():
        raise _refuse(
            path,
            f"it holds schema revision {manifest.get('schema_revision')!r} and this release's is {head_revision()!r}; "
            "restore it with the release that wrote it, then start this one to upgrade",
        )
    return manifest


def _check_names(zf: zipfile.ZipFile, manifest: dict, path: Path) -> None:
    """Every member is listed, safe and expected; every listed file and every table is present."""
    names = zf.namelist()
    if len(names) != len(set(names)):
        raise _refuse(path, "it holds the same name twice")
    members = [n for n in names if n != MANIFEST]
    for name in members + list(manifest["files"]):
        _check_safe(name, path)
    unlisted = sorted(set(members) - set(manifest["files"]))
    missing = sorted(set(manifest["files"]) - set(members))
    if unlisted or missing:
        raise _refuse(path, f"its files differ from its manifest (unlisted: {unlisted[:3]}, missing: {missing[:3]})")
    expected = {f"{TABLES}{t.name}.jsonl" for t in SQLModel.metadata.sorted_tables}
    table_files = {n for n in members if n.startswith(TABLES)}
    if table_files != expected or set(manifest["rows"]) != {t.name for t in SQLModel.metadata.sorted_tables}:
        raise _refuse(path, f"it does not hold exactly the store's tables ({', '.join(sorted(expected))})")


def _check_safe(name: str, path: Path) -> None:
    """Refuse absolute names, ``..``, backslashes and anything outside tables/ and models/."""
    parts = PurePosixPath(name).parts
    if (
        not isinstance(name, str)
        or name.startswith("/")
        or "\\" in name
        or ":" in name
        or any(p in ("..", ".", "") for p in name.split("/"))
        or len(parts) < 2
        or parts[0] + "/" not in (TABLES, MODELS)
    ):
        raise _refuse(path, f"it holds an unsafe or unexpected entry {name!r}")


def _check_sizes(zf: zipfile.ZipFile, manifest: dict, path: Path, max_bytes: int) -> None:
    """Every member's size in the manifest is a whole number that its zip header agrees with, and together they
    stay within ``max_bytes`` (HLOOP_RESTORE_MAX_BYTES): checked before a byte is decompressed."""
    total = 0
    for name, expected in manifest["files"].items():
        size = expected.get("size") if isinstance(expected, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _refuse(path, f"its manifest gives {name} no valid size")
        if zf.getinfo(name).file_size != size:
            raise _refuse(
                path,
                f"{name} is {zf.getinfo(name).file_size:,} bytes by its zip header and {size:,} by "
                "the manifest (the archive was changed)",
            )
        total += size
    if total > max_bytes:
        raise _refuse(
            path,
            f"it would write {total:,} bytes, more than HLOOP_RESTORE_MAX_BYTES ({max_bytes:,}); if you trust this "
            "backup, raise HLOOP_RESTORE_MAX_BYTES above its size and restore again",
        )


def _check_contents(zf: zipfile.ZipFile, manifest: dict, path: Path) -> None:
    """Every file's size and sha256 match the manifest; every table's line count matches its row count."""
    for name, expected in manifest["files"].items():
        digest, size, lines = hashlib.sha256(), 0, 0
        with zf.open(name) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):  # noqa: B023 (read at once, in this iteration)
                digest.update(chunk)
                size += len(chunk)
                lines += chunk.count(b"\n")
                if size > expected["size"]:  # the zip header lied: stop reading at once
                    raise _refuse(path, f"{name} holds more than the {expected['size']:,} bytes its manifest says")
        if (
            not isinstance(expected, dict)
            or digest.hexdigest() != expected.get("sha256")
            or size != expected.get("size")
        ):
            raise _refuse(path, f"{name} does not match its sha256 in the manifest (the archive was changed)")
        table = name[len(TABLES) : -len(".jsonl")] if name.startswith(TABLES) else None
        if table is not None and lines != manifest["rows"][table]:
            raise _refuse(path, f"{name} holds {lines} rows and the manifest says {manifest['rows'][table]}")
