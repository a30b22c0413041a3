"""Versions of a multi-label project's model, in their own folder (``<models dir>/label-sets``): ``vN.skops`` (the
model, ``training.set_artifact``) and ``vN.json`` (its card: family, thresholds, metrics, gate, the sha256 of the
file), and ``current`` (the version that serves). Every file is written to a temporary name and renamed, so a crash
leaves either the old state or the new one; a file that does not match its card's sha256 is refused."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from hloop.core.errors import ModelIntegrityError, NotFoundError
from hloop.core.set_cards import SetCard
from training import set_artifact
from training.set_artifact import SetModel

FOLDER = "label-sets"


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class SetRegistry:
    """The multi-label versions under ``models_dir``."""

    def __init__(self, models_dir: Path) -> None:
        self.root = Path(models_dir) / FOLDER

    def versions(self) -> list[int]:
        """Every saved version, oldest first."""
        if not self.root.is_dir():
            return []
        found = (re.fullmatch(r"v(\d+)\.json", p.name) for p in self.root.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def current_version(self) -> int | None:
        """The version that serves, or None before the first one."""
        pointer = self.root / "current"
        if not pointer.exists():
            return None
        text = pointer.read_text(encoding="utf-8").strip()
        if not text.isdigit() or int(text) not in self.versions():
            raise ModelIntegrityError(f"{pointer} names no saved version ({text[:20]!r}); set it with promote.")
        return int(text)

    def card(self, version: int) -> SetCard:
        """The card of ``version`` (NotFoundError when there is none)."""
        path = self.root / f"v{int(version)}.json"
        if not path.exists():
            raise NotFoundError(f"No multi-label version v{version}; saved: {self.versions() or 'none'}.")
        card = SetCard.from_dict(json.loads(path.read_text(encoding="utf-8")))
        return card.serving(card.version == self.current_version())

    def cards(self) -> list[SetCard]:
        """Every version's card, oldest first."""
        return [self.card(v) for v in self.versions()]

    def load(self, version: int, labels: tuple[str, ...]) -> SetModel:
        """The model of ``version``, checked against its card's sha256 and the project's ``labels``."""
        card = self.card(version)
        data = (self.root / f"v{int(version)}.skops").read_bytes()
        if hashlib.sha256(data).hexdigest() != card.sha256:
            raise ModelIntegrityError(f"v{version}'s model file does not match its card (altered or damaged); retrain.")
        return set_artifact.loads(data, labels=labels)

    def save(self, model: SetModel, card: SetCard, make_current: bool) -> SetCard:
        """Save ``model`` as the next version with ``card`` (its version and sha256 added); current if asked."""
        self.root.mkdir(parents=True, exist_ok=True)
        version = (self.versions() or [0])[-1] + 1
        data = set_artifact.dumps(model)
        card = card.saved(version, hashlib.sha256(data).hexdigest())
        _write(self.root / f"v{version}.skops", data)
        _write(self.root / f"v{version}.json", json.dumps(card.to_dict(), indent=1).encode())  # last: it lists it
        if make_current:
            self.set_current(version)
        return self.card(version)

    def set_current(self, version: int) -> None:
        """Make ``version`` the one that serves (promote, rollback)."""
        if int(version) not in self.versions():
            raise NotFoundError(f"No multi-label version v{version}; saved: {self.versions() or 'none'}.")
        _write(self.root / "current", str(int(version)).encode())
