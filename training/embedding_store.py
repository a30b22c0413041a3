"""Embeddings kept beside the label store: float16 rows keyed by example id, computed once per text.

A folder (``<store>.embeddings/`` beside ``hloop.db``) holds ``manifest.json`` (the embedder identity and the
list of segments) and segments, each a pair ``ids-<n>.npy`` (int64) / ``vectors-<n>.npy`` (float16, n x dim).
Adding rows writes a new segment, then replaces the manifest: every file is written under a temporary name,
synced and renamed, so a crash at any point leaves the previous manifest and every segment it names intact
(files no manifest names are removed by the next write). Segments are memory-mapped on load and never joined
unless asked; when there are more than ``MAX_SEGMENTS`` they are merged into one.
One process writes at a time (the background worker). A manifest made by another embedder, or for another label
store (``owner``: a key the label store keeps, so vectors keyed by ids are never read against a store whose ids
mean other texts), is refused, or (``rebuild=True``) emptied; vectors are never mixed. ``read_stored`` reads
without writing anything, for readers in other threads and processes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hloop.core.errors import EmbeddingMismatchError, StorageError, storage_error
from training.atomic_files import fsync_dir
from training.embeddings import Embedder, EmbedderIdentity, Progress

MANIFEST = "manifest.json"
FORMAT = 1
MAX_SEGMENTS = 8


def folder_beside(database_file: str | Path) -> Path:
    """The embeddings folder that belongs to a SQLite file: ``data/hloop.db`` -> ``data/hloop.embeddings``."""
    path = Path(database_file)
    return path.with_name(path.stem + ".embeddings")


@dataclass(frozen=True)
class StoredEmbeddings:
    """Every stored row: ``ids`` (int64, n) and the float16 vectors, kept as their memory-mapped segments so that
    loading copies nothing (``vectors`` joins them only when asked for the whole matrix)."""

    ids: np.ndarray
    segments: tuple[np.ndarray, ...]
    dim: int

    @property
    def vectors(self) -> np.ndarray:
        """(n, dim) float16: the one mapped segment itself, or a joined copy of several."""
        if len(self.segments) == 1:
            return self.segments[0]
        return np.concatenate(self.segments) if self.segments else np.zeros((0, self.dim), np.float16)

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """float32 rows at ``positions`` (indices into ``ids``), read from their segments."""
        out = np.empty((positions.size, self.dim), dtype=np.float32)
        start = 0
        for segment in self.segments:
            inside = (positions >= start) & (positions < start + segment.shape[0])
            out[inside] = segment[positions[inside] - start]
            start += segment.shape[0]
        return out

    def lookup(self, ids: Sequence[int]) -> np.ndarray:
        """float32 rows for ``ids`` in their order; KeyError naming the first id that is not stored."""
        wanted = np.asarray(ids, dtype=np.int64)
        order = np.argsort(self.ids, kind="stable")
        sorted_ids = self.ids[order]
        at = np.searchsorted(sorted_ids, wanted)
        found = (at < sorted_ids.size) & (sorted_ids[np.minimum(at, max(sorted_ids.size - 1, 0))] == wanted)
        if not found.all():
            raise KeyError(f"example id {int(wanted[~found][0])} has no stored embedding")
        return self.rows(order[at])

    def similarities(self, query: np.ndarray, chunk: int = 65536) -> np.ndarray:
        """(n,) float32 dot products of every stored row with ``query`` (dim,), in float32 chunks (float16 has
        no fast matrix product)."""
        q = np.asarray(query, dtype=np.float32)
        parts = [
            np.asarray(segment[i : i + chunk], dtype=np.float32) @ q
            for segment in self.segments
            for i in range(0, segment.shape[0], chunk)
        ]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def read_stored(folder: str | Path, identity: EmbedderIdentity, owner: str | None = None) -> StoredEmbeddings | None:
    """The rows stored in ``folder`` for this identity and owner, writing nothing; None when there is no manifest
    or it belongs to another embedder or store (a rebuild is pending)."""
    if not (Path(folder) / MANIFEST).exists():
        return None
    try:
        return EmbeddingStore(folder, identity, owner=owner).load()
    except EmbeddingMismatchError:
        return None


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a synced temporary file in the same folder, then rename it into place."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


class EmbeddingStore:
    """The embeddings folder of one label store, for one embedder identity."""

    def __init__(
        self, folder: str | Path, identity: EmbedderIdentity, *, rebuild: bool = False, owner: str | None = None
    ) -> None:
        self.folder, self.identity, self.owner = Path(folder), identity, owner
        manifest = self._read_manifest()
        if manifest is not None and manifest["identity"] != identity.to_dict():
            if not rebuild:
                raise EmbeddingMismatchError(
                    f"The embeddings in {self.folder} were made by {manifest['identity']}, not by "
                    f"{identity.to_dict()}; they were not used. Rebuild them (the embedder will embed every text "
                    "again), or set HLOOP_EMBEDDINGS back to the embedder that made them."
                )
            manifest = None
        if manifest is not None and manifest.get("owner") != owner:
            if not rebuild:
                raise EmbeddingMismatchError(
                    f"The embeddings in {self.folder} belong to another label store (its ids name other texts); "
                    "they were not used. Rebuild them."
                )
            manifest = None
        self._segments: list[str] = [] if manifest is None else list(manifest["segments"])
        if manifest is None:
            self._commit([])  # an empty manifest for this identity: what was there before is garbage now

    def _read_manifest(self) -> dict | None:
        path = self.folder / MANIFEST
        if not path.exists():
            return None
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            ok = manifest["format"] == FORMAT and all(isinstance(s, str) for s in manifest["segments"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"The embeddings manifest {path} cannot be read ({exc}); delete the folder.") from exc
        if not ok:
            raise StorageError(f"The embeddings manifest {path} is of another format; delete the folder to rebuild.")
        return manifest

    def _commit(self, segments: list[str]) -> None:
        manifest = {"format": FORMAT, "identity": self.identity.to_dict(), "segments": segments}
        if self.owner is not None:
            manifest["owner"] = self.owner
        body = json.dumps(manifest, indent=1).encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.folder / MANIFEST, lambda p: p.write_bytes(body))
        except OSError as exc:
            raise storage_error(exc, f"saving the embeddings manifest in {self.folder}") from exc
        self._segments = segments
        self._remove_unlisted()

    def _remove_unlisted(self) -> None:
        keep = {MANIFEST, *(f"{kind}-{s}.npy" for s in self._segments for kind in ("ids", "vectors"))}
        for path in self.folder.iterdir():
            if path.is_file() and path.name not in keep:
                path.unlink(missing_ok=True)

    def load(self) -> StoredEmbeddings:
        """Every stored row; one segment is returned memory-mapped, several are joined."""
        parts = [self._segment(s) for s in self._segments]
        ids = np.concatenate([i for i, _ in parts]) if parts else np.zeros(0, np.int64)
        return StoredEmbeddings(ids, tuple(v for _, v in parts), self.identity.dim)

    def _segment(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        ids = np.load(self.folder / f"ids-{name}.npy")
        vectors = np.load(self.folder / f"vectors-{name}.npy", mmap_mode="r")
        if vectors.dtype != np.float16 or vectors.shape != (ids.shape[0], self.identity.dim):
            raise StorageError(f"Embeddings segment {name} in {self.folder} is damaged; delete the folder.")
        return ids, vectors

    def missing(self, ids: Sequence[int]) -> np.ndarray:
        """The ids among ``ids`` (in their order, without repeats) that have no stored embedding."""
        wanted = np.asarray(ids, dtype=np.int64)
        _, first = np.unique(wanted, return_index=True)
        wanted = wanted[np.sort(first)]
        return wanted[~np.isin(wanted, self.load().ids)]

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Store rows for new ids (as one new segment); ids already stored are an error (a text's vector is
        computed once)."""
        ids_array, rows = np.asarray(ids, dtype=np.int64), np.asarray(vectors, dtype=np.float16)
        if rows.shape != (ids_array.size, self.identity.dim) or np.unique(ids_array).size != ids_array.size:
            raise ValueError(f"need distinct ids and ({ids_array.size}, {self.identity.dim}) vectors, got {rows.shape}")
        if np.isin(ids_array, self.load().ids).any():
            raise ValueError("some ids already have stored embeddings")
        if ids_array.size:
            self._write_segments([*self._segments, self._write_segment(ids_array, rows)])

    def _write_segment(self, ids: np.ndarray, vectors: np.ndarray) -> str:
        name = f"{max((int(s) for s in self._segments), default=0) + 1:06d}"
        try:
            _write_atomic(self.folder / f"vectors-{name}.npy", lambda p: np.save(p, vectors))
            _write_atomic(self.folder / f"ids-{name}.npy", lambda p: np.save(p, ids))
        except OSError as exc:
            raise storage_error(exc, f"saving embeddings in {self.folder}") from exc
        return name

    def _write_segments(self, segments: list[str]) -> None:
        if len(segments) > MAX_SEGMENTS:
            before, self._segments = self._segments, segments  # merged below; the manifest still names ``before``
            try:
                merged = self.load()
                segments = [self._write_segment(merged.ids, np.asarray(merged.vectors))]
            finally:
                self._segments = before
        self._commit(segments)

    def ensure(
        self, ids: Sequence[int], texts: Sequence[str], embedder: Embedder, progress: Progress | None = None
    ) -> int:
        """Embed and store the texts whose ids have no embedding yet; returns how many were embedded."""
        if embedder.identity != self.identity:
            raise EmbeddingMismatchError(f"Embedder {embedder.identity} does not match the store's {self.identity}.")
        by_id = dict(zip(np.asarray(ids, dtype=np.int64).tolist(), texts, strict=True))
        new = self.missing(list(by_id))
        if new.size:
            self.add(new, embedder.embed([by_id[int(i)] for i in new], progress=progress))
        return int(new.size)
