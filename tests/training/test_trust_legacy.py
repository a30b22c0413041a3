"""`python -m hloop trust-legacy`: an old pickle version is converted in place only when the user asks."""

import hashlib
import json
import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest

from hloop.cli import main
from hloop.core.errors import ModelIntegrityError
from tests.conftest import tiny_texts
from tests.training.test_artifact import MakesAFile
from training.registry import ARTIFACT, CARD, LEGACY_ARTIFACT, Registry

TEXTS, _ = tiny_texts(5, seed=9)


def _old_version(root: Path, version: int, pipeline=None, payload: bytes | None = None) -> None:
    """A version as the previous release wrote it: model.joblib and a card without a format."""
    folder = root / f"v{version}"
    folder.mkdir(parents=True)
    if payload is None:
        joblib.dump(pipeline, folder / LEGACY_ARTIFACT)
    else:
        (folder / LEGACY_ARTIFACT).write_bytes(payload)
    digest = hashlib.sha256((folder / LEGACY_ARTIFACT).read_bytes()).hexdigest()
    card = {"parent": None, "metrics": {}, "version": version, "artifact_sha256": digest}
    (folder / CARD).write_text(json.dumps(card))


@pytest.fixture
def models(tmp_path, monkeypatch):
    """The models folder the CLI's settings point at."""
    monkeypatch.setenv("HLOOP_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HLOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'hloop.db'}")
    return tmp_path / "models"


def test_old_version_is_refused_until_trusted_then_converted(models, fitted, capsys):
    _old_version(models, 1, fitted)
    with pytest.raises(ModelIntegrityError, match="old pickle format"):
        Registry(models).load(1)
    assert main(["trust-legacy", "1"]) == 0
    assert "v1: skops artifact" in capsys.readouterr().out
    assert not (models / "v1" / LEGACY_ARTIFACT).exists() and (models / "v1" / ARTIFACT).exists()
    card = Registry(models).card(1)
    assert card.format == "skops" and card.converted is not None and "trusted" in card.converted["note"]
    assert np.array_equal(Registry(models).load(1).predict_proba(TEXTS), fitted.predict_proba(TEXTS))
    assert main(["trust-legacy", "1"]) == 0, "converting again is harmless"


def test_all_converts_every_old_version_and_only_those(models, fitted):
    Registry(models).save(fitted, {"note": "new"})
    _old_version(models, 2, fitted)
    _old_version(models, 3, fitted)
    assert Registry(models).legacy_versions() == [2, 3]
    assert main(["trust-legacy", "--all"]) == 0
    assert Registry(models).legacy_versions() == []
    assert all(Registry(models).load(v) is not None for v in (1, 2, 3))


def test_a_tampered_pickle_is_not_trusted(models, tmp_path, fitted, capsys):
    marker = tmp_path / "marker"
    _old_version(models, 1, fitted)
    (models / "v1" / LEGACY_ARTIFACT).write_bytes(pickle.dumps(MakesAFile(marker)))  # card still has the old sha
    assert main(["trust-legacy", "1"]) == 2
    assert "fails its sha256 check" in capsys.readouterr().err
    assert not marker.exists() and Registry(models).legacy_versions() == [1]


def test_versions_or_all_must_be_given(models, capsys):
    assert main(["trust-legacy"]) == 2
    assert "--all" in capsys.readouterr().err
