"""The registry of model versions: ``models/vN/`` holds ``model.skops`` and ``card.json``.

A version is written to a temporary folder and renamed into place (each file written by ``training.atomic_files``),
so a crash never leaves half a version. Loading checks the artifact's sha256 against the card (damage), then reads
it with ``training.artifact``, which refuses any type we do not trust: a model file cannot run code; then uses it
(``training.integrity``): its settings, sizes and the probe recorded on its card, so a file that loads but cannot
predict is damaged. Versions saved by older releases (``model.joblib``, a pickle) are refused until the user
converts them with ``trust_legacy`` (``training.legacy``). A loaded pipeline is served from memory only while its
files stay as they were verified (``training.verified``).

This is the cards' file edge: ``card.json`` is read into a ``ModelCard`` here (``ModelCard.from_dict``) and written
from one (``to_dict``, sorted keys); every card it returns is a ``ModelCard``, the one its file now holds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from sklearn.pipeline import Pipeline

from hloop.core.cards import UNSAVED, ModelCard
from hloop.core.errors import ModelIntegrityError, NoModelError, NotFoundError, StorageError, storage_error
from training.artifact import FORMAT, Artifact, sha256_bytes
from training.atomic_files import fsync_dir, sha256_file, write_atomic, write_synced
from training.family_artifact import from_bytes, from_pipeline
from training.integrity import check_against_card, record_probe
from training.legacy import LEGACY_ARTIFACT, from_legacy, require_format
from training.verified import Verified, stamp_of, verified_pipeline

ARTIFACT = "model.skops"
CARD = "card.json"
_VERSION_DIR = re.compile(r"^v(\d+)$")
STALE_SECONDS = 3600
NO_CURRENT = "none"
Draft = ModelCard | Mapping[str, object]  # a card to save: a ModelCard, or a dict of a card's fields


def card_text(card: ModelCard) -> str:
    """The ``card.json`` text of ``card``: its JSON, keys sorted (``current`` is never stored)."""
    return json.dumps(replace(card, current=None).to_dict(), indent=2, sort_keys=True)


def read_card(text: str) -> ModelCard:
    """The card of a ``card.json`` text (json.JSONDecodeError, or ModelIntegrityError naming a malformed field)."""
    return ModelCard.from_dict(json.loads(text))


def _draft(card: Draft) -> ModelCard:
    """The card to be saved: ``card`` itself, or the card of a dict of its fields."""
    return card if isinstance(card, ModelCard) else ModelCard.from_dict({"version": UNSAVED, **card})


class Registry:
    """Model versions on disk, with a ``current`` pointer."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise StorageError(
                f"The models folder {self.root} is a file, not a folder; move the file away, or point "
                "HLOOP_MODELS_DIR at a folder (it is created when missing)."
            )
        self._verified: dict[int, Verified] = {}  # what each version's files were verified to hold
        self._cards: dict[int, tuple[str, ModelCard]] = {}  # each version's card.json text and its parsed card

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
            if text == NO_CURRENT:  # every version was found damaged: serve none until a new one is trained
                return None
            if text.isdigit() and int(text) in versions:
                return int(text)
        return versions[-1] if versions else None

    def require_current(self) -> int:
        """The current version; NoModelError when nothing was trained yet."""
        version = self.current_version()
        if version is None:
            raise NoModelError("No model yet: run `python -m hloop train` (or start the app, which trains v1).")
        return version

    def card(self, version: int) -> ModelCard:
        """The card of ``version``, as its ``card.json`` holds it (ModelIntegrityError when that is unreadable)."""
        path = self.root / f"v{int(version)}" / CARD
        if not path.exists():
            known = ", ".join(str(v) for v in self.versions()) or "none"
            raise NotFoundError(f"No model version {version}; versions: {known}.")
        try:
            text = path.read_text()
            kept = self._cards.get(version)
            if kept is None or kept[0] != text:  # parsed again only when the file changed (cards are frozen)
                kept = self._cards[version] = (text, read_card(text))
            return kept[1]
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelIntegrityError(f"Card of v{version} is unreadable ({exc}); retrain or restore {path}.") from exc
        except ModelIntegrityError as exc:
            raise ModelIntegrityError(f"v{version}: {exc} Retrain, roll back or restore {path}.") from exc

    def cards(self) -> list[ModelCard]:
        """Every version's card, ascending, each with ``current`` set."""
        current = self.current_version()
        return [replace(self.card(v), current=v == current) for v in self.versions()]

    def load(self, version: int) -> Pipeline:
        """The verified pipeline of ``version``: from memory while its files are the ones verified, else read and
        checked again (a file damaged or replaced since is refused, never served from memory)."""
        version = int(version)
        known = self._verified.get(version)
        if known is not None and known.holds_for(stamp_of(*self._files(version))[0]):
            return known.result()
        return self.artifact(version).pipeline

    def artifact(self, version: int) -> Artifact:
        """The verified artifact of ``version``: its bytes (e.g. to send to Modal), sha256 and pipeline."""
        version = int(version)
        stamp, checked_ns = stamp_of(*self._files(version))  # before reading: a later change shows as a new stamp
        try:
            card, data, sha256 = self._read_checked(version)
        except ModelIntegrityError as exc:
            self._verified[version] = Verified(stamp, checked_ns, error=str(exc))
            raise
        known = self._verified.get(version)
        if known is not None and known.same_content(card, sha256):  # the same bytes and card: the same verdict
            self._verified[version] = Verified(stamp, checked_ns, card, sha256, known.pipeline, known.error)
            return Artifact(data, sha256, known.result())
        try:
            pipeline = verified_pipeline(version, data, card)
        except ModelIntegrityError as exc:
            self._verified[version] = Verified(stamp, checked_ns, card, sha256, error=str(exc))
            raise
        self._verified[version] = Verified(stamp, checked_ns, card, sha256, pipeline)
        return Artifact(data, sha256, pipeline)

    def _files(self, version: int) -> tuple[Path, Path]:
        folder = self.root / f"v{version}"
        return folder / ARTIFACT, folder / CARD

    def _read_checked(self, version: int) -> tuple[ModelCard, bytes, str]:
        """(card, artifact bytes, their sha256) of ``version`` once the card names our format and the bytes match
        its sha256."""
        card = self.card(version)
        require_format(version, card)
        path = self.root / f"v{version}" / ARTIFACT
        if not path.exists():
            raise ModelIntegrityError(f"v{version} has no {ARTIFACT}; retrain or roll back to another version.")
        data = path.read_bytes()
        sha256 = sha256_bytes(data)
        if sha256 != card.artifact_sha256:
            raise ModelIntegrityError(
                f"v{version}'s artifact fails its sha256 check (corrupt or tampered); it was not loaded. "
                "Roll back to another version or retrain."
            )
        return card, data, sha256

    def _remember(self, version: int, card: ModelCard, artifact: Artifact) -> None:
        """Keep the pipeline just written as ``version``, known by its files as they are now."""
        stamp, checked_ns = stamp_of(*self._files(version))
        self._verified[version] = Verified(stamp, checked_ns, card, artifact.sha256, artifact.pipeline)

    def legacy_versions(self) -> list[int]:
        """Versions still in the old pickle format, ascending."""
        return [v for v in self.versions() if self.card(v).is_legacy]

    def trust_legacy(self, version: int) -> ModelCard:
        """Convert an old pickle version to the safe format in place, at the user's explicit request.

        Unpickling runs code: call this only for files this program saved. The card swap is the one commit point:
        before it the version is still the pickle (run again), after it the new artifact (the pickle is removed).
        """
        version = int(version)
        card, folder = self.card(version), self.root / f"v{version}"
        legacy = folder / LEGACY_ARTIFACT
        if not card.is_legacy:
            require_format(version, card)
            legacy.unlink(missing_ok=True)  # left by a conversion that stopped after its card swap
            return card
        converted, artifact = from_legacy(version, legacy, card)
        write_atomic(folder / ARTIFACT, artifact.data)
        text = card_text(converted)
        write_atomic(folder / CARD, text)
        legacy.unlink()
        fsync_dir(folder)
        new_card = read_card(text)
        self._remember(version, new_card, artifact)
        return new_card

    def next_version(self) -> int:
        """One more than any version ever written (a removed folder's number is never reused)."""
        counter = self.root / "LAST_VERSION"
        last = int(counter.read_text()) if counter.exists() and counter.read_text().strip().isdigit() else 0
        return max([last, *self.versions()]) + 1

    def save(self, pipeline: Pipeline, card: Draft, make_current: bool = True) -> ModelCard:
        """Write a pipeline fitted in this process (of the card's family) as a new version and return its card."""
        draft = _draft(card)
        return self.save_artifact(from_pipeline(pipeline, draft.model_family), draft, make_current)

    def save_bytes(self, data: bytes, sha256: str, card: Draft, make_current: bool = True) -> ModelCard:
        """Write artifact bytes from elsewhere (e.g. Modal) as a new version, once they pass the checks of a load."""
        draft = _draft(card)
        return self.save_artifact(from_bytes(data, sha256, draft.model_family), draft, make_current)

    def save_artifact(self, artifact: Artifact, card: Draft, make_current: bool = True) -> ModelCard:
        """Write a new version atomically and return its card (with ``version``, ``format``, ``artifact_sha256``
        and ``probe``: the model's probabilities for a few texts, which every later load must reproduce).

        ``card`` is the card to be (its version is set here), or a dict of its fields (tests and tools). A failed
        write (a full disk, a read-only folder) is a StorageError and leaves no new version behind."""
        draft = _draft(card)
        draft = replace(draft, probe=record_probe(artifact.pipeline, draft.model_family))
        check_against_card(artifact.pipeline, draft)  # what is saved loads: nothing this program refuses later
        try:
            return self._save_artifact(artifact, draft, make_current)
        except OSError as exc:
            raise storage_error(exc, f"Saving a new model version under {self.root}") from exc

    def _save_artifact(self, artifact: Artifact, card: ModelCard, make_current: bool) -> ModelCard:
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporaries()
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            path = tmp / ARTIFACT
            write_synced(path, artifact.data)
            if sha256_file(path) != artifact.sha256:
                raise ModelIntegrityError(f"The artifact written under {self.root} does not read back; check the disk.")
            for _attempt in range(100):
                version = self.next_version()
                compute = "local" if card.compute is None else card.compute
                full = replace(card, version=version, format=FORMAT, artifact_sha256=artifact.sha256, compute=compute)
                text = card_text(full)
                write_synced(tmp / CARD, text)
                fsync_dir(tmp)
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
        try:
            write_atomic(self.root / "LAST_VERSION", str(version))
            if make_current:
                self.set_current(version)
            fsync_dir(self.root)
        except OSError:  # the pointers could not be written: the version never becomes known, so no half state
            shutil.rmtree(self.root / f"v{version}", ignore_errors=True)
            raise
        saved = read_card(text)  # the card as its file holds it: what ``card(version)`` returns from now on
        self._remember(version, saved, artifact)
        return saved

    def _remove_stale_temporaries(self) -> None:
        """Delete half-written versions left by a crash (an hour old: no live save takes that long)."""
        cutoff = time.time() - STALE_SECONDS
        for leftover in self.root.glob(".tmp-*"):
            if leftover.is_dir() and leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)

    def update_card(self, card: ModelCard) -> ModelCard:
        """Write ``card``, a changed copy of a version's card (say, the gate's override), as that version's card,
        atomically; returns it as its file now holds it."""
        self.card(card.version)  # NotFoundError for a version that does not exist
        text = card_text(card)
        write_atomic(self.root / f"v{card.version}" / CARD, text)
        return read_card(text)

    def set_current(self, version: int | None) -> None:
        """Point ``current`` at an existing version (rollback), or at none (every version is damaged)."""
        if version is None:
            write_atomic(self.root / "current", NO_CURRENT)
            return
        if int(version) not in self.versions():
            known = ", ".join(str(v) for v in self.versions()) or "none"
            raise NotFoundError(f"No model version {version}; versions: {known}.")
        write_atomic(self.root / "current", str(int(version)))
