"""Texts' tokens kept beside the label store, keyed by example id, so a new version never tokenizes the pool again.

A folder (``<store>.tokens/`` beside ``hloop.db``, next to ``<store>.embeddings/``) holds ``manifest.json`` (the
reading the tokens were made with, the label store they belong to, the segments) and segments, each three files:
``ids-<n>.npy`` (int64, ascending), ``offsets-<n>.npy`` (int64, n + 1) and ``hashes-<n>.npy`` (uint64, one per
token; ``token_counts``). A new segment is written under temporary names, synced and renamed, then the manifest is
replaced, so a crash leaves the previous manifest and every segment it names; files no manifest names are removed
by the next write. One process writes (the app's, from its background scoring); worker processes only read.
The tokens are a cache: a folder made with another reading or for another label store is emptied, never mixed.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hloop.core.errors import HLoopError, StorageError, storage_error
from training.atomic_files import fsync_dir, write_atomic
from training.token_counts import Tokens, kept_steps, kept_tokens_steps, tokenize, with_tokens

MANIFEST = "manifest.json"
FORMAT = 1
MAX_SEGMENTS = 16  # a first scoring of 1,000,000 texts writes 5 (FLUSH_ROWS each); then one per import
KINDS = ("ids", "offsets", "hashes")


def tokens_folder(embeddings_folder: str | Path) -> Path:
    """``data/hloop.tokens`` beside ``data/hloop.embeddings`` (and ``models.tokens`` beside ``models.embeddings``)."""
    return Path(embeddings_folder).with_suffix(".tokens")


@dataclass(frozen=True)
class Segment:
    ids: np.ndarray
    offsets: np.ndarray
    hashes: np.ndarray

    def in_range(self, first: int, last: int) -> tuple[np.ndarray, Tokens]:
        """(ids, tokens) of the stored rows with ids in ``first..last``."""
        lo, hi = np.searchsorted(self.ids, first), np.searchsorted(self.ids, last, side="right")
        offsets = np.asarray(self.offsets[lo : hi + 1], dtype=np.int64)
        hashes = np.asarray(self.hashes[offsets[0] : offsets[-1]], dtype=np.uint64)
        return np.asarray(self.ids[lo:hi]), Tokens(offsets - offsets[0], hashes)


class TokenStore:
    """The tokens folder of one label store (``owner``), for one reading (``token_counts.reading``)."""

    def __init__(self, folder: str | Path, reading: dict, owner: str) -> None:
        self.folder, self.reading, self.owner = Path(folder), reading, owner
        manifest = self._read_manifest()
        if manifest is None or manifest.get("reading") != reading or manifest.get("owner") != owner:
            self._commit([])  # another reading or store (or none yet): what was there is garbage now
        else:
            self._segments = list(manifest["segments"])

    def _read_manifest(self) -> dict | None:
        path = self.folder / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if manifest["format"] == FORMAT and all(isinstance(s, str) for s in manifest["segments"]):
                return manifest
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None  # unreadable or of another format: a cache, so it is rebuilt

    def _commit(self, segments: list[str]) -> None:
        manifest = {"format": FORMAT, "reading": self.reading, "owner": self.owner, "segments": segments}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1))
            fsync_dir(self.folder)
        except OSError as exc:
            raise storage_error(exc, f"saving the tokens manifest in {self.folder}") from exc
        self._segments = segments
        keep = {MANIFEST, *(f"{kind}-{s}.npy" for s in segments for kind in KINDS)}
        for path in self.folder.iterdir():
            if path.is_file() and path.name not in keep:
                path.unlink(missing_ok=True)

    def segments(self) -> list[Segment]:
        """Every stored segment, memory-mapped."""
        return _load_segments(self.folder, self._segments)

    def add(self, ids: np.ndarray, tokens: Tokens) -> None:
        """Keep the tokens of new ids (ascending; none stored yet) as one new segment, merging every segment into
        one when there would be more than ``MAX_SEGMENTS``."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size != len(tokens) or (ids.size > 1 and np.any(np.diff(ids) <= 0)):
            raise ValueError("token rows need ascending, distinct ids, one per text")
        if not ids.size:
            return
        parts = [(ids, tokens)]
        names = list(self._segments)
        if len(names) + 1 > MAX_SEGMENTS:
            parts = [(np.asarray(s.ids), Tokens(np.asarray(s.offsets), np.asarray(s.hashes))) for s in self.segments()]
            parts.append((ids, tokens))
            names = []
            every = np.concatenate([i for i, _ in parts])
            order = np.argsort(every, kind="stable")
            parts = [(every[order], Tokens.join([t for _, t in parts]).take(order))]
        name = uuid.uuid4().hex[:12]
        try:
            for kind, array in zip(KINDS, (parts[0][0], parts[0][1].offsets, parts[0][1].hashes), strict=True):
                path = self.folder / f"{kind}-{name}.npy"
                with path.open("wb") as handle:
                    np.save(handle, array)
                    handle.flush()
                    os.fsync(handle.fileno())
        except OSError as exc:
            raise storage_error(exc, f"saving tokens in {self.folder}") from exc
        self._commit([*names, name])


def read_range(folder: str | Path, reading: dict, owner: str, first: int, last: int) -> tuple[np.ndarray, Tokens]:
    """(ids, tokens) stored for ids in ``first..last`` in ascending id order, writing nothing (a reader in a worker
    process); nothing when the folder is missing or made with another reading or for another store."""
    empty = (np.zeros(0, np.int64), Tokens.join([]))
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if manifest.get("format") != FORMAT or manifest.get("reading") != reading or manifest.get("owner") != owner:
        return empty
    found = [segment.in_range(first, last) for segment in _load_segments(Path(folder), manifest["segments"])]
    found = [(i, t) for i, t in found if i.size]
    if not found:
        return empty
    ids = np.concatenate([i for i, _ in found])
    order = np.argsort(ids, kind="stable")
    return ids[order], Tokens.join([t for _, t in found]).take(order)


def _load_segments(folder: Path, names: list[str]) -> list[Segment]:
    out = []
    for name in names:
        try:
            ids, offsets, hashes = (np.load(folder / f"{k}-{name}.npy", mmap_mode="r") for k in KINDS)
        except (OSError, ValueError) as exc:
            raise StorageError(f"Tokens segment {name} in {folder} cannot be read ({exc}); delete the folder.") from exc
        if offsets.shape != (ids.shape[0] + 1,) or hashes.shape != (int(offsets[-1]),):
            raise StorageError(f"Tokens segment {name} in {folder} is damaged; delete the folder.")
        out.append(Segment(ids, offsets, hashes))
    return out


@dataclass(frozen=True)
class NewTokens:
    """Tokens a worker made for texts that had none kept, for the writing process to keep."""

    reading: dict
    ids: np.ndarray
    tokens: Tokens


def kept_inputs(
    model: object, inputs: Sequence[str], ids: np.ndarray, folder: str | Path, owner: str
) -> tuple[Sequence[str], NewTokens | None]:
    """``inputs`` (of example ``ids``, ascending) carrying their tokens, with ``model``'s TF-IDF steps made to read
    them (in place): kept tokens for the ids that have them, the rest tokenized now and returned to be kept. The
    inputs as they are, and None, when the model has no such step, or steps that read texts differently."""
    steps = kept_steps(kept_tokens_steps(model))
    readings = [step.reading for step in steps]
    if not readings or any(r != readings[0] for r in readings) or not len(inputs):
        return inputs, None
    try:
        stored_ids, stored = read_range(folder, readings[0], owner, int(ids[0]), int(ids[-1]))
    except StorageError:  # a segment another process is replacing: tokenize this chunk
        stored_ids, stored = np.zeros(0, np.int64), Tokens.join([])
    at = np.minimum(np.searchsorted(stored_ids, ids), max(stored_ids.size - 1, 0))
    found = (stored_ids[at] == ids) if stored_ids.size else np.zeros(ids.size, dtype=bool)
    missing = np.flatnonzero(~found)
    made = tokenize([inputs[int(i)] for i in missing], steps[0].fitted)
    order = np.argsort(np.concatenate([np.flatnonzero(found), missing]), kind="stable")
    tokens = Tokens.join([stored.take(at[found]), made]).take(order)
    new = NewTokens(readings[0], np.asarray(ids)[missing], made) if missing.size else None
    return with_tokens(inputs, tokens), new


FLUSH_ROWS = 200_000  # texts' tokens held before they are written, so a first scoring never holds the whole pool's


class TokenKeeper:
    """Keeps what workers tokenized as their chunks come back: written every ``FLUSH_ROWS`` texts and at ``flush``.
    The tokens are a cache, so failing to keep them costs a later rescoring time, never a result: the failure is
    logged once and the rest is dropped."""

    def __init__(self, folder: str | Path, owner: str) -> None:
        self.folder, self.owner = folder, owner
        self._held: list[NewTokens] = []
        self._rows = 0
        self.kept = 0
        self.failed: str | None = None

    def add(self, new: NewTokens) -> None:
        if self.failed is not None:
            return
        self._held.append(new)
        self._rows += new.ids.size
        if self._rows >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        held, self._held, self._rows = self._held, [], 0
        if not held or self.failed is not None:
            return
        try:
            self.kept += keep_new(self.folder, self.owner, held)
        except (HLoopError, OSError, ValueError) as exc:
            self.failed = str(exc)
            print(f"hloop: pool tokens not kept: {exc}", file=sys.stderr, flush=True)


def keep_new(folder: str | Path, owner: str, made: Sequence[NewTokens]) -> int:
    """Keep what workers tokenized (chunks of ascending ids), one segment per reading; how many texts were kept."""
    kept = 0
    for read in {json.dumps(m.reading, sort_keys=True) for m in made}:
        parts = [m for m in made if json.dumps(m.reading, sort_keys=True) == read]
        ids = np.concatenate([m.ids for m in parts])
        order = np.argsort(ids, kind="stable")
        store = TokenStore(folder, parts[0].reading, owner)
        store.add(ids[order], Tokens.join([m.tokens for m in parts]).take(order))
        kept += ids.size
    return kept
