"""Model export: a version as a folder that predicts without HumanLoopML installed.

The folder holds the version's skops file exactly as the registry keeps it (``model.skops``), its card
(``card.json``, with the label names), the types the file may hold (``trusted_types.txt``), a ``requirements.txt``
pinned to the library versions that made it, a short ``predict.py`` that loads the file with skops alone, and
``vendor/``: copies of the few modules of this release whose classes a model file names (the families' steps and
what they import), so the file's own classes run, not look-alikes. The folder is written beside its target and
renamed into place, so an export that fails leaves nothing behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import hloop
import training
from hloop.core import events
from hloop.core.errors import InvalidInputError, NoModelError
from hloop.core.models import parse_spec
from hloop.services import exported_predict
from hloop.services.models import Models
from hloop.services.project import Project
from training import family_artifact
from training.families import embedding_steps

# the modules a model file's classes need (training.families and what it imports), relative to their package
VENDORED = {
    hloop: ("__init__.py", "core/__init__.py", "core/errors.py", "core/records.py", "core/models.py"),
    training: ("__init__.py", "families.py", "embeddings.py", "pipeline.py", "linear_parts.py"),
}
LIBRARIES = ("numpy", "scipy", "scikit-learn", "skops")
EMBEDDER_PACKAGES = {
    "wordllama": "wordllama",
    "model2vec": "model2vec",
    "sentence-transformers": "sentence-transformers",
}


class ModelExport:
    """Writing a version out as a folder that runs on its own."""

    def __init__(self, project: Project, models: Models) -> None:
        self.project = project
        self.models = models

    def export_model(self, version: int | None, folder: str | Path) -> dict:
        """Write ``version`` (None: the current one) to ``folder``, which must not exist or be empty; what was
        written. InvalidInputError for a folder that holds files; NotFoundError for an unknown version."""
        timer = events.Timer()
        report = self._write_folder(version, Path(folder))
        events.emit("model.exported", model_version=report["version"], duration_seconds=timer.seconds, format="folder")
        return report

    def _write_folder(self, version: int | None, target: Path) -> dict:
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise InvalidInputError(f"{target} exists and is not an empty folder; give a new folder for the export.")
        number = self._number(version)
        registry = self.project.registry
        artifact = registry.artifact(number)  # verified: a damaged version is refused, never exported
        model_card = registry.card(number)
        written = {**model_card.to_dict(), "labels": list(model_card.labels or self.project.label_set.names)}
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            (staging / "model.skops").write_bytes(artifact.data)
            (staging / "card.json").write_text(json.dumps(written, indent=2, default=str) + "\n", encoding="utf-8")
            trusted = sorted(set(family_artifact.TRUSTED_TYPES))
            (staging / "trusted_types.txt").write_text("\n".join(trusted) + "\n", encoding="utf-8")
            requirements = requirements_of(artifact.pipeline)
            (staging / "requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
            shutil.copyfile(exported_predict.__file__, staging / "predict.py")
            for package, files in VENDORED.items():
                root = Path(package.__file__).parent
                for name in files:
                    copy = staging / "vendor" / package.__name__ / name
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(root / name, copy)
            if target.exists():
                target.rmdir()
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return {
            "version": number,
            "family": model_card.model_family,
            "folder": str(target),
            "files": sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()),
            "requirements": requirements,
            "sha256": artifact.sha256,
        }

    def _number(self, version: int | None) -> int:
        """The version to export (None: the one that serves); NoModelError before v1."""
        number = self.models.serving_version() if version is None else int(version)
        if not number:
            raise NoModelError("There is no model version to export yet: train v1 first (`hloop train`).")
        return number

    def export_model_archive(self, version: int | None, archive: str | Path) -> dict:
        """``export_model`` as one zip file at ``archive`` (its folder ``hloop-model-vN`` inside), for a download;
        written beside the target and renamed into place."""
        archive, timer = Path(archive), events.Timer()
        if archive.suffix.lower() != ".zip":
            raise InvalidInputError(f"{archive.name}: a model export archive is a .zip file.")
        with tempfile.TemporaryDirectory(prefix="hloop-model-export-") as tmp:
            number = self._number(version)
            report = self._write_folder(number, Path(tmp) / f"hloop-model-v{number}")
            archive.parent.mkdir(parents=True, exist_ok=True)
            partial = archive.with_name(f".{archive.name}.partial")
            try:
                made = shutil.make_archive(str(partial), "zip", root_dir=tmp, base_dir=f"hloop-model-v{number}")
                Path(made).replace(archive)
            finally:
                Path(f"{partial}.zip").unlink(missing_ok=True)
        events.emit("model.exported", model_version=number, duration_seconds=timer.seconds, format="zip")
        return {**report, "folder": None, "archive": str(archive)}


def requirements_of(pipeline: object) -> list[str]:
    """The packages (pinned to this process's versions) that ``pipeline`` needs to predict."""
    needed = list(LIBRARIES)
    for step in embedding_steps(pipeline):
        package = parse_spec(step.spec)[0]
        if package in EMBEDDER_PACKAGES and package not in needed:
            needed.append(package)
    return [f"{name}=={metadata.version(name)}" for name in needed]
