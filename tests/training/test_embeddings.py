"""The embedding seam: wordllama offline, model2vec and sentence-transformers from a folder the test writes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hloop.core.errors import HLoopError, InvalidInputError
from tests.training.tiny_models import write_model2vec, write_sentence_transformer
from training.embeddings import EmbedderIdentity, EmbedderUnavailableError, make_embedder, parse_spec

ROOT = Path(__file__).resolve().parents[2]

TEXTS = ["the team scored a goal", "bank stock price", "", "cpu chip code robot", "x" * 5000]


def _check_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.dtype == np.float32 and vectors.shape == (n, dim)
    norms = np.linalg.norm(vectors, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-5) | (norms == 0))


def test_wordllama_loads_offline_with_its_bundled_files(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = make_embedder("wordllama")
    assert embedder is not None and embedder.dim == 256 and embedder.name == "wordllama"
    vectors = embedder.embed(TEXTS, batch=2)
    _check_rows(vectors, len(TEXTS), 256)
    assert np.linalg.norm(vectors[2]) == 0  # the empty text has no token
    one_by_one = np.vstack([embedder.embed([t]) for t in TEXTS[:2]])
    np.testing.assert_allclose(one_by_one, vectors[:2], atol=1e-6)  # batching and length order change nothing
    assert make_embedder("wordllama").identity == embedder.identity  # the sha256 is of the files: stable


def test_progress_reports_every_batch():
    embedder = make_embedder("wordllama")
    assert embedder is not None
    seen: list[tuple[int, int]] = []
    embedder.embed(TEXTS, batch=2, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_model2vec_from_a_folder(tmp_path):
    folder = write_model2vec(tmp_path / "m2v")
    embedder = make_embedder(f"model2vec:{folder}")
    assert embedder is not None and embedder.dim == 8
    vectors = embedder.embed(TEXTS)
    _check_rows(vectors, len(TEXTS), 8)
    assert np.linalg.norm(vectors[1] - vectors[3]) > 0.1  # different words, different vectors
    other = make_embedder(f"model2vec:{write_model2vec(tmp_path / 'other', seed=1)}")
    assert other is not None and other.identity.sha256 != embedder.identity.sha256  # other weights, other identity


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None, reason="sentence-transformers absent")
def test_sentence_transformers_from_a_folder(tmp_path):
    folder = write_sentence_transformer(tmp_path / "st")
    embedder = make_embedder(f"sentence-transformers:{folder}")
    assert embedder is not None and embedder.dim == 8
    _check_rows(embedder.embed(TEXTS), len(TEXTS), 8)


@pytest.mark.parametrize("backend", ["model2vec", "sentence-transformers"])
def test_a_folder_that_does_not_exist_is_one_clear_error(tmp_path, backend):
    if importlib.util.find_spec(backend.replace("-", "_")) is None:
        pytest.skip(f"{backend} is not installed (an optional extra): the missing package is the error then")
    with pytest.raises(EmbedderUnavailableError, match="no model folder"):
        make_embedder(f"{backend}:{tmp_path / 'nowhere'}")


def test_an_unreachable_hub_id_says_what_to_set(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderUnavailableError, match="set HLOOP_EMBEDDINGS"):
        make_embedder("model2vec:nobody-here/no-such-model-hloop")


def test_a_missing_backend_says_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_model2vec(name, *args, **kwargs):
        if name.startswith("model2vec"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_model2vec)
    with pytest.raises(EmbedderUnavailableError, match="pip install model2vec") as caught:
        make_embedder("model2vec:owner/name")
    assert isinstance(caught.value, HLoopError)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("wordllama", ("wordllama", "")),
        (" Model2Vec : minishlab/potion-base-8M ", ("model2vec", "minishlab/potion-base-8M")),
        ("none", ("none", "")),
    ],
)
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["glove", "model2vec", "model2vec:", "wordllama:big", "none:x"])
def test_bad_specs_name_the_valid_forms(spec):
    with pytest.raises(InvalidInputError):
        parse_spec(spec)


def test_none_means_no_embedder():
    assert make_embedder("none") is None


def test_identity_round_trips_and_refuses_other_shapes():
    identity = EmbedderIdentity("wordllama", 256, "ab" * 32)
    assert EmbedderIdentity.from_dict(identity.to_dict()) == identity
    with pytest.raises(InvalidInputError):
        EmbedderIdentity.from_dict({"name": "wordllama", "dim": "256", "sha256": "x"})


def test_loading_wordllama_leaves_the_process_logging_as_it_was():
    """wordllama's import calls logging.basicConfig(level=INFO); a fresh process must keep WARNING and no handler."""
    code = (
        "import logging; from training.embeddings import make_embedder; make_embedder('wordllama'); "
        "root = logging.getLogger(); print(root.level, len(root.handlers))"
    )
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["30", "0"], shown.stdout + shown.stderr
