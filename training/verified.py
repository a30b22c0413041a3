"""The registry's memory of verified versions: a loaded pipeline serves from memory only while its files are the
ones that were verified, so a file damaged or replaced after the load is read and checked again, never trusted.

A version's files are known by their stat (device, inode, size, mtime and ctime, of the artifact and of the card).
A file rewritten within the file system's timestamp granularity of the moment it was checked can keep its stat, so
for ``RECHECK_NS`` after a file changed its bytes are hashed on every use (git treats its "racy" index entries so).
A failed check is kept the same way, so a damaged version is not read again on every request while it stays as it is.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sklearn.pipeline import Pipeline

from hloop.core.cards import ModelCard
from hloop.core.errors import ModelIntegrityError
from training.family_artifact import loads
from training.integrity import check_against_card

RECHECK_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT: 2 s; ext4, APFS, NTFS: finer)

FileStat = tuple[int, int, int, int, int] | None  # (device, inode, size, mtime_ns, ctime_ns); None: no file
Stamp = tuple[FileStat, ...]


def file_stat(path: Path) -> FileStat:
    """What tells one content of ``path`` from another without reading it (None when there is no file)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def stamp_of(*paths: Path) -> tuple[Stamp, int]:
    """(the stats of ``paths``, the time just before they were taken, in ns)."""
    now = time.time_ns()
    return tuple(file_stat(p) for p in paths), now


@dataclass(frozen=True)
class Verified:
    """The outcome of checking a version's files as they were at ``stamp``: its pipeline, or why it was refused."""

    stamp: Stamp
    checked_ns: int
    card: ModelCard | None = None
    sha256: str | None = None
    pipeline: Pipeline | None = None
    error: str | None = None

    def holds_for(self, stamp: Stamp) -> bool:
        """Whether the files at ``stamp`` are, for certain, the ones checked (else read and check them again)."""
        settled = all(s is None or self.checked_ns - max(s[3], s[4]) >= RECHECK_NS for s in self.stamp)
        return settled and stamp == self.stamp

    def same_content(self, card: ModelCard, sha256: str) -> bool:
        """Whether the card and artifact bytes just read are the ones this verdict was reached on."""
        return self.sha256 is not None and self.card == card and self.sha256 == sha256

    def result(self) -> Pipeline:
        """The verified pipeline; ModelIntegrityError (the same message) when the files were refused."""
        if self.pipeline is None:
            raise ModelIntegrityError(self.error or "The version was refused.")
        return self.pipeline


def verified_pipeline(version: int, data: bytes, card: ModelCard) -> Pipeline:
    """The pipeline in ``data`` once it loads safely and passes the checks of use against ``card``."""
    try:
        family, pipeline = loads(data)
    except ModelIntegrityError as exc:
        raise ModelIntegrityError(f"v{version}: {exc}") from exc
    if family != card.model_family:
        raise ModelIntegrityError(
            f"v{version}'s file holds a {family} model and its card says {card.model_family}; the card or the file "
            "was altered. Roll back to another version or retrain."
        )
    try:
        check_against_card(pipeline, card)  # before it serves: a model that cannot predict is damaged
    except ModelIntegrityError as exc:
        raise ModelIntegrityError(f"v{version}: {exc} Roll back to another version or retrain.") from exc
    return pipeline
