"""The registry of model versions: ``models/vN/`` holds ``model.joblib`` and ``card.json``.

A version is written to a temporary folder and renamed into place, so a crash never leaves half a version.
Loading checks the artifact's sha256 against the card before joblib (which runs code) touches it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import joblib
from sklearn.pipeline import Pipeline

from hloop.core.errors import ModelIntegrityError, NoModelError, NotFoundError

ARTIFACT = "model.joblib"
CARD = "card.json"
_VERSION_DIR = re.compile(r"^v(\d+)$")
STALE_SECONDS = 3600


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Registry:
    """Model versions on disk, with a ``current`` pointer."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._loaded: dict[int, Pipeline] = {}

    def versions(self) -> list[int]:
        """Every complete version, ascending."""
        if not self.root.is_dir():
            return []
        found = (_VERSION_DIR.match(p.name) for p in self.root.iterdir() if p.is_dir())
        return sorted(int(m.group(1)) for m in found if m and (self.root / m.group(0) / CARD).exists())

    def current_version(self) -> int | None:
        """The version the app serves: the ``current`` pointer, else the newest version."""
        pointer = self.root / "current"
        versions = self.versions()
        if pointer.exists():
            text = pointer.read_text().strip()
            if text.isdigit() and int(text) in versions:
                return int(text)
        return versions[-1] if versions else None

    def require_current(self) -> int:
        """The current version; NoModelError when nothing was trained yet."""
        version = self.current_version()
        if version is None:
            raise NoModelError("No model yet: run `python -m hloop train` (or start the app, which trains v1).")
        return version

    def card(self, version: int) -> dict:
        """The card of ``version``."""
        path = self.root / f"v{int(version)}" / CARD
        if not path.exists():
            known = ", ".join(str(v) for v in self.versions()) or "none"
            raise NotFoundError(f"No model version {version}; versions: {known}.")
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelIntegrityError(f"Card of v{version} is unreadable ({exc}); retrain or restore {path}.") from exc

    def cards(self) -> list[dict]:
        """Every version's card, ascending, each with ``current`` set."""
        current = self.current_version()
        return [{**self.card(v), "current": v == current} for v in self.versions()]

    def load(self, version: int) -> Pipeline:
        """The verified pipeline of ``version`` (cached: versions never change once written)."""
        version = int(version)
        if version in self._loaded:
            return self._loaded[version]
        card = self.card(version)
        artifact = self.root / f"v{version}" / ARTIFACT
        if not artifact.exists():
            raise ModelIntegrityError(f"v{version} has no {ARTIFACT}; retrain or roll back to another version.")
        actual = sha256_file(artifact)
        if actual != card.get("artifact_sha256"):
            raise ModelIntegrityError(
                f"v{version}'s artifact fails its sha256 check (corrupt or tampered); it was not loaded. "
                "Roll back to another version or retrain."
            )
        try:
            pipeline = joblib.load(artifact)
        except Exception as exc:  # a verified file that still fails to unpickle: library mismatch
            raise ModelIntegrityError(f"v{version} could not be loaded ({type(exc).__name__}: {exc}).") from exc
        self._loaded[version] = pipeline
        return pipeline

    def next_version(self) -> int:
        """One more than any version ever written (a removed folder's number is never reused)."""
        counter = self.root / "LAST_VERSION"
        last = int(counter.read_text()) if counter.exists() and counter.read_text().strip().isdigit() else 0
        return max([last, *self.versions()]) + 1

    def save(self, pipeline: Pipeline, card: dict, make_current: bool = True) -> dict:
        """Write a new version atomically and return its card (with ``version`` and ``artifact_sha256``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporaries()
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            artifact = tmp / ARTIFACT
            joblib.dump(pipeline, artifact)
            for _attempt in range(100):
                version = self.next_version()
                full = {**card, "version": version, "artifact_sha256": sha256_file(artifact)}
                _write_synced(tmp / CARD, json.dumps(full, indent=2, sort_keys=True))
                _fsync_dir(tmp)
                try:
                    os.rename(tmp, self.root / f"v{version}")
                except OSError:  # another process took this number first
                    continue
                break
            else:
                raise ModelIntegrityError(f"Could not find a free version number under {self.root}.")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _write_atomic(self.root / "LAST_VERSION", str(version))
        if make_current:
            self.set_current(version)
        _fsync_dir(self.root)
        self._loaded[version] = pipeline
        return full

    def _remove_stale_temporaries(self) -> None:
        """Delete half-written versions left by a crash (an hour old: no live save takes that long)."""
        cutoff = time.time() - STALE_SECONDS
        for leftover in self.root.glob(".tmp-*"):
            if leftover.is_dir() and leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)

    def update_card(self, version: int, fields: dict) -> dict:
        """Set ``fields`` (status fields such as the gate's override) on a version's card, atomically."""
        card = {**self.card(version), **fields}
        _write_atomic(self.root / f"v{int(version)}" / CARD, json.dumps(card, indent=2, sort_keys=True))
        return card

    def set_current(self, version: int) -> None:
        """Point ``current`` at an existing version (rollback)."""
        if int(version) not in self.versions():
            known = ", ".join(str(v) for v in self.versions()) or "none"
            raise NotFoundError(f"No model version {version}; versions: {known}.")
        _write_atomic(self.root / "current", str(int(version)))


def _write_synced(path: Path, text: str) -> None:
    with path.open("w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    _write_synced(tmp, text)
    os.replace(tmp, path)
