"""A pipeline kept in memory serves only while its files are the ones verified: a file damaged, replaced or
restored after the load is read and checked again, in the same registry (a running process)."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

from hloop.core.errors import ModelIntegrityError
from tests.conftest import tiny_texts
from training.artifact import dumps
from training.pipeline import fit_pipeline
from training.registry import ARTIFACT, CARD, Registry
from training.verified import RECHECK_NS, Verified, stamp_of

HOUR_NS = 3600 * 1_000_000_000


def _flip(path, at: int = 100) -> None:
    """One byte changed in place: the same size and inode."""
    with path.open("r+b") as fh:
        fh.seek(at)
        byte = fh.read(1)
        fh.seek(at)
        fh.write(bytes([byte[0] ^ 0xFF]))


def _backdate(*paths) -> None:
    """Make files look written an hour ago, as a version loaded long after it was saved."""
    then = time.time_ns() - HOUR_NS
    for path in paths:
        os.utime(path, ns=(then, then))


@pytest.fixture
def registry(tmp_path, fitted):
    registry = Registry(tmp_path)
    registry.save(fitted, {})
    return registry


@pytest.mark.parametrize(
    "damage",
    [
        "one byte flipped in place at once",  # within the file system's timestamp granularity of the save
        "truncated",
        "deleted",
        "replaced by another model's file",
    ],
)
def test_an_artifact_damaged_after_it_was_loaded_is_refused_by_the_same_registry(registry, tmp_path, damage):
    registry.load(1)  # loaded and kept
    artifact = tmp_path / "v1" / ARTIFACT
    if damage.startswith("one byte"):
        _flip(artifact)
    elif damage == "truncated":
        artifact.write_bytes(artifact.read_bytes()[:1000])
    elif damage == "deleted":
        artifact.unlink()
    else:
        texts, labels = tiny_texts(10, seed=5)
        artifact.write_bytes(dumps(fit_pipeline(texts, labels).pipeline))
    with pytest.raises(ModelIntegrityError, match="v1"):
        registry.load(1)
    with pytest.raises(ModelIntegrityError, match="v1"):
        registry.artifact(1)


def test_a_file_changed_long_after_the_load_is_checked_again_even_with_its_old_mtime(registry, tmp_path):
    files = tmp_path / "v1" / ARTIFACT, tmp_path / "v1" / CARD
    _backdate(*files)
    fresh = Registry(tmp_path)
    fresh.load(1)  # settled: served from memory while the files stay as they are
    before = os.stat(files[0])
    _flip(files[0])
    os.utime(files[0], ns=(before.st_atime_ns, before.st_mtime_ns))  # the mtime put back; the ctime tells
    with pytest.raises(ModelIntegrityError, match="sha256"):
        fresh.load(1)


def test_a_card_altered_after_the_load_is_checked_again(registry, tmp_path):
    registry.load(1)
    card_path = tmp_path / "v1" / CARD
    card = json.loads(card_path.read_text())
    card["probe"]["probabilities"][0][0] += 0.5
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match="probe"):
        registry.load(1)


def test_a_repaired_file_serves_again(registry, tmp_path, fitted):
    artifact = tmp_path / "v1" / ARTIFACT
    good = artifact.read_bytes()
    registry.load(1)
    artifact.write_bytes(b"garbage")
    with pytest.raises(ModelIntegrityError):
        registry.load(1)
    with pytest.raises(ModelIntegrityError):  # the refusal is kept while the file stays damaged
        registry.load(1)
    artifact.write_bytes(good)  # restored from a backup
    again = registry.load(1)
    assert np.array_equal(again.predict_proba(["goal match"]), fitted.predict_proba(["goal match"]))


def test_a_stat_taken_just_after_a_write_is_not_trusted_until_the_timestamps_settle(tmp_path):
    path = tmp_path / "model.skops"
    path.write_bytes(b"written just now")
    stamp, checked_ns = stamp_of(path)
    just_written = Verified(stamp, checked_ns, pipeline=object())
    # a rewrite within the file system's timestamp granularity can leave the stat as it was: hash again
    assert not just_written.holds_for(stamp)
    settled = Verified(stamp, checked_ns + RECHECK_NS, pipeline=object())  # checked once the timestamps settled
    assert settled.holds_for(stamp)
    assert not settled.holds_for(stamp_of(path, path)[0])  # any other stamp: read and check again


def test_a_refused_version_is_not_checked_again_while_its_files_stay_as_they_are(tmp_path, fitted, monkeypatch):
    import copy

    import training.registry as registry_module
    from tests.training.test_integrity import _replace_artifact

    registry = Registry(tmp_path)
    registry.save(fitted, {})
    crafted = copy.deepcopy(fitted)
    crafted.named_steps["clf"].coef_ = crafted.named_steps["clf"].coef_ * 1.5  # loads, predicts other numbers
    _replace_artifact(tmp_path, 1, crafted)
    checks = []
    check = registry_module.verified_pipeline
    monkeypatch.setattr(registry_module, "verified_pipeline", lambda *args: checks.append(1) or check(*args))
    for _ in range(3):
        with pytest.raises(ModelIntegrityError, match="probe"):
            registry.load(1)
    assert len(checks) == 1
