"""The embedding store: appended once per id, atomic, memory-mapped, never mixed across embedders."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hloop.core.errors import StorageError, StoreMismatchError
from training.embedding_store import MAX_SEGMENTS, EmbeddingMismatchError, EmbeddingStore, folder_beside
from training.embeddings import Embedder, EmbedderIdentity

IDENTITY = EmbedderIdentity("fake", 4, "0" * 64)
REPO = Path(__file__).resolve().parents[2]


def counting_embedder(identity: EmbedderIdentity = IDENTITY) -> tuple[Embedder, list[int]]:
    """An embedder whose vector is a function of the text's length; it records how many texts it embedded."""
    calls: list[int] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return np.array([[len(t), 1.0, 0.0, 2.0] for t in texts], dtype=np.float32)

    return Embedder(identity, encode), calls


def test_folder_beside_the_sqlite_file():
    assert folder_beside("data/hloop.db") == Path("data/hloop.embeddings")


def test_only_new_ids_are_embedded_and_rows_come_back_by_id(tmp_path):
    embedder, calls = counting_embedder()
    store = EmbeddingStore(tmp_path / "e", IDENTITY)
    assert store.ensure([1, 2, 3], ["a", "bb", "ccc"], embedder) == 3
    assert store.ensure([2, 3, 4, 4], ["bb", "ccc", "dddd", "dddd"], embedder) == 1
    assert sum(calls) == 4
    reopened = EmbeddingStore(tmp_path / "e", IDENTITY).load()
    assert sorted(reopened.ids.tolist()) == [1, 2, 3, 4]
    assert reopened.vectors.dtype == np.float16
    got = reopened.lookup([4, 1])
    np.testing.assert_allclose(got, embedder.embed(["dddd", "a"]), atol=1e-3)
    with pytest.raises(KeyError, match="99"):
        reopened.lookup([1, 99])


def test_another_embedder_is_refused_or_rebuilt_never_mixed(tmp_path):
    embedder, _ = counting_embedder()
    EmbeddingStore(tmp_path / "e", IDENTITY).ensure([1], ["a"], embedder)
    other = EmbedderIdentity("fake", 4, "1" * 64)
    with pytest.raises(EmbeddingMismatchError, match="not used") as caught:
        EmbeddingStore(tmp_path / "e", other)
    assert isinstance(caught.value, StoreMismatchError)
    rebuilt = EmbeddingStore(tmp_path / "e", other, rebuild=True)
    assert rebuilt.load().ids.size == 0
    with pytest.raises(EmbeddingMismatchError):
        rebuilt.ensure([1], ["a"], embedder)  # vectors of the old embedder cannot go in
    assert sorted(p.name for p in (tmp_path / "e").iterdir()) == ["manifest.json"]


def test_many_appends_are_merged_into_one_memory_mapped_file(tmp_path):
    embedder, _ = counting_embedder()
    store = EmbeddingStore(tmp_path / "e", IDENTITY)
    for i in range(MAX_SEGMENTS + 1):  # the last append merges every segment into one
        store.ensure([i], ["x" * i], embedder)
    loaded = EmbeddingStore(tmp_path / "e", IDENTITY).load()
    assert isinstance(loaded.vectors, np.memmap) or isinstance(loaded.vectors.base, np.memmap)
    assert loaded.ids.tolist() == list(range(MAX_SEGMENTS + 1))
    np.testing.assert_allclose(loaded.lookup([7]), embedder.embed(["x" * 7]), atol=1e-3)
    assert len(list((tmp_path / "e").glob("vectors-*.npy"))) == 1


def test_rows_come_from_several_segments_without_joining_them(tmp_path):
    store = EmbeddingStore(tmp_path / "e", IDENTITY)
    store.add([5, 6], np.eye(4)[:2])
    store.add([7], np.eye(4)[2:3])
    loaded = store.load()
    assert len(loaded.segments) == 2 and loaded.vectors.shape == (3, 4)
    np.testing.assert_array_equal(loaded.lookup([7, 5]), np.eye(4)[[2, 0]])
    np.testing.assert_allclose(loaded.similarities(np.array([0, 0, 1, 0])), [0, 0, 1])


def test_a_failed_write_keeps_the_old_rows_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    embedder, _ = counting_embedder()
    store = EmbeddingStore(tmp_path / "e", IDENTITY)
    store.ensure([1, 2], ["a", "bb"], embedder)
    before = sorted(p.name for p in (tmp_path / "e").iterdir())

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(StorageError, match="nothing half-written"):
        store.ensure([3], ["ccc"], embedder)
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / "e").iterdir()) == before
    assert sorted(EmbeddingStore(tmp_path / "e", IDENTITY).load().ids.tolist()) == [1, 2]


def test_a_crash_mid_write_leaves_the_old_store_intact(tmp_path):
    """A process that dies while replacing the manifest (the segment is written, the manifest not yet)."""
    embedder, _ = counting_embedder()
    EmbeddingStore(tmp_path / "e", IDENTITY).ensure([1, 2], ["a", "bb"], embedder)
    script = textwrap.dedent(
        f"""
        import os, sys
        import numpy as np
        sys.path.insert(0, {str(REPO)!r})
        from training.embedding_store import EmbeddingStore
        from training.embeddings import EmbedderIdentity
        real = os.replace
        def crash(src, dst):
            if str(dst).endswith("manifest.json"):
                os._exit(9)  # killed between the segment and the manifest
            real(src, dst)
        os.replace = crash
        store = EmbeddingStore({str(tmp_path / "e")!r}, EmbedderIdentity("fake", 4, "0" * 64))
        store.add([3, 4], np.ones((2, 4), dtype=np.float32))
        """
    )
    assert subprocess.run([sys.executable, "-c", script], check=False).returncode == 9
    store = EmbeddingStore(tmp_path / "e", IDENTITY)
    assert sorted(store.load().ids.tolist()) == [1, 2]
    store.ensure([3], ["ccc"], embedder)  # the next write works and sweeps what the crash left
    assert sorted(store.load().ids.tolist()) == [1, 2, 3]
    assert not [p for p in (tmp_path / "e").iterdir() if p.name.startswith(".tmp-")]


def test_a_damaged_manifest_is_a_storage_error(tmp_path):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "manifest.json").write_text("{not json")
    with pytest.raises(StorageError, match="cannot be read"):
        EmbeddingStore(tmp_path / "e", IDENTITY)


def test_adding_an_id_twice_or_wrong_shapes_is_refused(tmp_path):
    store = EmbeddingStore(tmp_path / "e", IDENTITY)
    store.add([1], np.ones((1, 4)))
    with pytest.raises(ValueError, match="already"):
        store.add([1], np.ones((1, 4)))
    with pytest.raises(ValueError, match="need distinct ids"):
        store.add([2], np.ones((1, 3)))
