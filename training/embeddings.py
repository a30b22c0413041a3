"""Text embeddings behind one seam: ``make_embedder(spec)`` for a backend named by a spec string.

Specs: ``wordllama`` (the default; its 256-dimension weights and tokenizer ship inside the wheel, so it works
with no network), ``model2vec:<hub id or folder>``, ``sentence-transformers:<hub id or folder>``, ``none``.
Every embedder returns float32 rows of unit L2 norm (a text with no known token gives a row of zeros). Its
``identity`` (spec, dimension, sha256 of the files that make its vectors) names what its vectors mean: stored
embeddings and fitted models compare identities, never mix them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import numpy as np

from hloop.core.errors import EmbedderUnavailableError, InvalidInputError
from hloop.core.models import DEFAULT_EMBEDDINGS, parse_spec

DEFAULT_SPEC = DEFAULT_EMBEDDINGS
MAX_TOKENS = 512  # longer texts are cut: one huge text must not pad a whole batch to its length
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".npy", ".pt", ".onnx")
_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "modules.json", "config.json")
Progress = Callable[[int, int], None]  # (texts done, texts in all)


@dataclass(frozen=True)
class EmbedderIdentity:
    """What an embedding means: the spec that made it, its dimension and the sha256 of the model's files."""

    name: str
    dim: int
    sha256: str

    def to_dict(self) -> dict[str, str | int]:
        return {"name": self.name, "dim": self.dim, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: object) -> EmbedderIdentity:
        """The identity in ``data`` (a ``to_dict``); InvalidInputError for anything else."""
        if not isinstance(data, dict) or set(data) != {"name", "dim", "sha256"}:
            raise InvalidInputError(f"Not an embedder identity: {data!r}"[:200])
        name, dim, sha = data["name"], data["dim"], data["sha256"]
        if not (isinstance(name, str) and type(dim) is int and isinstance(sha, str)):
            raise InvalidInputError(f"Not an embedder identity: {data!r}"[:200])
        return cls(name, dim, sha)


class Embedder:
    """One loaded embedding model: ``embed(texts)`` -> float32 (n, dim), rows L2-normalised."""

    def __init__(self, identity: EmbedderIdentity, encode: Callable[[list[str]], np.ndarray]) -> None:
        self.identity = identity
        self._encode = encode

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def dim(self) -> int:
        return self.identity.dim

    def embed(self, texts: Sequence[str], batch: int = 256, progress: Progress | None = None) -> np.ndarray:
        """(len(texts), dim) float32, unit rows; texts are batched by length (less padding), order kept."""
        items = [str(t) for t in texts]
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in items], kind="stable")
        step = max(1, int(batch))
        for start in range(0, len(items), step):
            rows = order[start : start + step]
            out[rows] = self._encode([items[i] for i in rows])
            if progress is not None:
                progress(min(start + step, len(items)), len(items))
        return normalise(out)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, in place where possible; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def files_sha256(files: Sequence[Path], root: Path) -> str:
    """sha256 over each file's path relative to ``root`` and its bytes, in sorted path order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def model_files(folder: Path) -> list[Path]:
    """The files of a model folder that decide its vectors: weights and tokenizer/config files."""
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and (p.suffix in _WEIGHT_SUFFIXES or p.name in _TOKENIZER_FILES) and ".cache" not in p.parts
    ]


def _missing(package: str, spec: str) -> EmbedderUnavailableError:
    return EmbedderUnavailableError(
        f"Embeddings {spec!r} need the Python package {package!r}, which is not installed: "
        f"pip install {package} (or set HLOOP_EMBEDDINGS=wordllama, or none)."
    )


def resolve_folder(ref: str, spec: str) -> Path:
    """The local folder of a model reference: the folder itself, or the hub snapshot (cached or downloaded)."""
    path = Path(ref).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.exists() or ref.count("/") != 1 or ref.startswith((".", "/", "~")):
        raise EmbedderUnavailableError(
            f"Embeddings {spec!r}: no model folder at {ref!r} (and it is not a hub id like owner/name); "
            "set HLOOP_EMBEDDINGS to an existing folder or a hub id."
        )
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise _missing("huggingface_hub", spec) from exc
    try:
        return Path(snapshot_download(ref, repo_type="model"))
    except Exception as exc:  # no network, unknown repository, refused: all one answer for the user
        raise EmbedderUnavailableError(
            f"Embeddings {spec!r}: the model {ref!r} could not be fetched from the hub ({type(exc).__name__}); "
            "download it where there is a network and set HLOOP_EMBEDDINGS to that folder, or use wordllama."
        ) from exc


def _wordllama(spec: str) -> Embedder:
    root_logger = logging.getLogger()
    level, handlers = root_logger.level, list(root_logger.handlers)
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:
        raise _missing("wordllama", spec) from exc
    finally:  # its import calls logging.basicConfig(level=INFO): that would switch on INFO for the whole process
        root_logger.setLevel(level)
        for handler in [h for h in root_logger.handlers if h not in handlers]:
            root_logger.removeHandler(handler)
    root = Path(wordllama.__file__).parent
    # the loader looks for the bundled tokenizer in the wrong folder; as cache_dir, its own folder has both files
    try:
        model = WordLlama.load(cache_dir=root, disable_download=True)
    except (FileNotFoundError, ValueError) as exc:
        raise EmbedderUnavailableError(f"Embeddings 'wordllama': its bundled files are missing ({exc}).") from exc
    model.tokenizer.enable_truncation(MAX_TOKENS)
    files = [*(root / "weights").glob("*.safetensors"), *(root / "tokenizers").glob("*.json")]
    identity = EmbedderIdentity(spec, int(model.embedding.shape[1]), files_sha256(files, root))
    return Embedder(identity, lambda texts: model.embed(texts, batch_size=len(texts)))


def _model2vec(spec: str, ref: str) -> Embedder:
    try:
        from model2vec import StaticModel
    except ImportError as exc:
        raise _missing("model2vec", spec) from exc
    folder = resolve_folder(ref, spec)
    try:
        model = StaticModel.from_pretrained(folder, force_download=False)
    except (ValueError, OSError) as exc:
        raise EmbedderUnavailableError(f"Embeddings {spec!r}: {folder} is not a model2vec model ({exc}).") from exc
    identity = EmbedderIdentity(spec, int(model.dim), files_sha256(model_files(folder), folder))

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, max_length=MAX_TOKENS, use_multiprocessing=False), dtype=np.float32)

    return Embedder(identity, encode)


def _sentence_transformers(spec: str, ref: str) -> Embedder:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise _missing("sentence-transformers", spec) from exc
    folder = resolve_folder(ref, spec)
    try:
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    except (ValueError, OSError) as exc:
        raise EmbedderUnavailableError(
            f"Embeddings {spec!r}: {folder} is not a sentence-transformers model ({exc})"
        ) from exc
    dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = int(dimension() or model.encode(["x"]).shape[1])  # renamed in sentence-transformers 6
    identity = EmbedderIdentity(spec, dim, files_sha256(model_files(folder), folder))

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=len(texts), convert_to_numpy=True), dtype=np.float32)

    return Embedder(identity, encode)


def make_embedder(spec: str = DEFAULT_SPEC) -> Embedder | None:
    """A freshly loaded embedder for ``spec``; None for ``none``; EmbedderUnavailableError if it cannot load."""
    backend, ref = parse_spec(spec)
    canonical = backend if not ref else f"{backend}:{ref}"
    if backend == "none":
        return None
    if backend == "wordllama":
        return _wordllama(canonical)
    if backend == "model2vec":
        return _model2vec(canonical, ref)
    return _sentence_transformers(canonical, ref)


_SHARED: dict[str, Embedder | None] = {}
_SHARED_LOCK = threading.Lock()


def shared_embedder(spec: str) -> Embedder | None:
    """The process-wide embedder for ``spec``, loaded on first use: models on disk refer to it by spec, so no
    version carries its weights."""
    with _SHARED_LOCK:  # loading takes a fraction of a second; two threads must not load it twice
        if spec not in _SHARED:
            _SHARED[spec] = make_embedder(spec)
        return _SHARED[spec]


def forget_shared_embedders() -> None:
    """Drop every process-wide embedder: the next use loads it again from its files (after a setting changed, or
    a model folder was replaced)."""
    with _SHARED_LOCK:
        _SHARED.clear()


class EmbeddedTexts(Sequence[str]):
    """Texts with their precomputed embeddings (float32/16, n x dim) and the identity of the embedder."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray, identity: EmbedderIdentity) -> None:
        if len(texts) != vectors.shape[0] or vectors.ndim != 2 or vectors.shape[1] != identity.dim:
            raise InvalidInputError(f"{len(texts)} texts need ({len(texts)}, {identity.dim}) vectors: {vectors.shape}")
        self.texts, self.vectors, self.identity = list(texts), vectors, identity

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> EmbeddedTexts: ...
    def __getitem__(self, index: int | slice) -> str | EmbeddedTexts:
        if isinstance(index, slice):
            return EmbeddedTexts(self.texts[index], self.vectors[index], self.identity)
        return self.texts[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def subset(self, rows: np.ndarray) -> EmbeddedTexts:
        """The rows ``rows`` (indices or a boolean mask)."""
        picked = np.arange(len(self))[rows]
        return EmbeddedTexts([self.texts[i] for i in picked], self.vectors[picked], self.identity)


def as_input(texts: Sequence[str]) -> list[str] | EmbeddedTexts:
    """What a pipeline is given: ``EmbeddedTexts`` as they are (their vectors go with them), else a list."""
    return texts if isinstance(texts, EmbeddedTexts) else list(texts)
