"""The registry: atomic versions, sha256 checks, growing numbers, the current pointer, crash safety."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hloop.core.errors import ModelIntegrityError, NoModelError, NotFoundError
from training.registry import ARTIFACT, CARD, Registry

ROOT = Path(__file__).resolve().parents[2]


def test_save_load_and_current(tmp_path, fitted):
    reg = Registry(tmp_path)
    with pytest.raises(NoModelError, match="hloop train"):
        reg.require_current()
    card1 = reg.save(fitted, {"parent": None, "metrics": {}})
    card2 = reg.save(fitted, {"parent": 1, "metrics": {}})
    assert (card1.version, card2.version) == (1, 2)
    assert reg.current_version() == 2
    fresh = Registry(tmp_path)
    assert fresh.load(1).predict(["goal match"]).tolist() == fitted.predict(["goal match"]).tolist()
    assert json.loads((tmp_path / "v1" / CARD).read_text())["artifact_sha256"] == card1.artifact_sha256
    fresh.set_current(1)
    assert Registry(tmp_path).current_version() == 1
    assert [c.is_current for c in fresh.cards()] == [True, False]


def test_version_numbers_only_grow(tmp_path, fitted):
    reg = Registry(tmp_path)
    reg.save(fitted, {})
    reg.save(fitted, {})
    import shutil

    shutil.rmtree(tmp_path / "v2")
    assert reg.save(fitted, {}).version == 3


def test_unknown_version(tmp_path, fitted):
    reg = Registry(tmp_path)
    reg.save(fitted, {})
    with pytest.raises(NotFoundError, match="versions: 1"):
        reg.card(7)
    with pytest.raises(NotFoundError):
        reg.set_current(7)


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_corrupt_or_tampered_artifact_is_refused(tmp_path, fitted, damage):
    Registry(tmp_path).save(fitted, {})
    artifact = tmp_path / "v1" / ARTIFACT
    data = artifact.read_bytes()
    if damage == "flip":
        artifact.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    elif damage == "truncate":
        artifact.write_bytes(data[: len(data) // 2])
    else:
        artifact.unlink()
    with pytest.raises(ModelIntegrityError, match="v1"):
        Registry(tmp_path).load(1)


def test_unreadable_card(tmp_path, fitted):
    Registry(tmp_path).save(fitted, {})
    (tmp_path / "v1" / CARD).write_text("{not json")
    with pytest.raises(ModelIntegrityError, match="unreadable"):
        Registry(tmp_path).load(1)


CRASHING_SAVE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.conftest import tiny_texts
    from training import registry as reg_mod
    from training.pipeline import fit_pipeline

    texts, labels = tiny_texts(10, seed=1)
    model = fit_pipeline(texts, labels).pipeline
    real_sha256_file = reg_mod.sha256_file

    def slow_check(path):  # called once the artifact is written, before the card
        Path({marker!r}).write_text("mid-write")
        time.sleep(60)
        return real_sha256_file(path)

    reg_mod.sha256_file = slow_check
    reg_mod.Registry(Path({models!r})).save(model, {{}})
    """
)


def test_killed_mid_save_leaves_the_registry_as_it_was(tmp_path, fitted):
    models = tmp_path / "models"
    Registry(models).save(fitted, {"note": "v1"})
    marker = tmp_path / "marker"
    script = CRASHING_SAVE.format(root=str(ROOT), marker=str(marker), models=str(models))
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the saving process died before reaching the middle of the write"
            assert time.monotonic() < deadline, "the saving process never reached the middle of the write"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    reg = Registry(models)
    assert reg.versions() == [1]
    assert reg.current_version() == 1
    assert reg.load(1) is not None
    (leftover,) = models.glob(".tmp-*")  # the half-written version, never renamed into place
    assert (leftover / ARTIFACT).exists() and not (leftover / "card.json").exists()
    old = time.time() - 2 * 3600
    os.utime(leftover, (old, old))
    assert reg.save(fitted, {}).version == 2
    assert not leftover.exists(), "a crash's leftover is cleaned up once it is stale"
