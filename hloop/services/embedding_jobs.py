"""The pieces of the embeddings that run anywhere: where a project's vectors live, a worker's task (embed the
texts of some example ids, read from the store by id range), a read-only index over the stored rows, and the
inputs of a fitted model with stored vectors in place of embedding again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from training import linear_parts
from training.embedding_store import StoredEmbeddings, folder_beside, read_stored
from training.embeddings import Embedder, EmbedderIdentity, shared_embedder
from training.families import EmbeddedTexts, embedding_steps

OWNER_KEY = "embeddings_owner"  # the StoreInfo fact that names the label store the vectors belong to

ReadRange = Callable[[int, int], list[tuple[int, str]]]  # (first id, last id) -> (id, text) of every origin


def embeddings_folder(database_url: str, models_dir: Path) -> Path:
    """``data/hloop.embeddings`` beside a SQLite file ``data/hloop.db``; for any other store (PostgreSQL, an
    in-memory SQLite) ``<models_dir>.embeddings`` beside the models folder (each machine keeps its own copy)."""
    try:
        url = make_url(database_url)
    except ArgumentError:  # not a URL: opening the store says so; the folder is never used
        url = None
    database = "" if url is None else url.database or ""
    if url is not None and url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        if not database.startswith("file:"):
            return folder_beside(Path(database).expanduser())
    models = Path(models_dir)
    return models.with_name(models.name + ".embeddings")


@dataclass(frozen=True)
class StoredIndex:
    """Stored rows with their ids sorted once, so looking up 10,000 ids is one ``searchsorted``."""

    stored: StoredEmbeddings
    order: np.ndarray  # positions of ``stored.ids`` in ascending id order
    sorted_ids: np.ndarray

    @classmethod
    def of(cls, stored: StoredEmbeddings | None, dim: int) -> StoredIndex:
        if stored is None:
            stored = StoredEmbeddings(np.zeros(0, np.int64), (), dim)
        order = np.argsort(stored.ids, kind="stable")
        return cls(stored, order, stored.ids[order])

    @property
    def size(self) -> int:
        return int(self.stored.ids.size)

    def positions(self, ids: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, positions into ``stored`` of the found ids) for ``ids`` (-1 or unknown: not found)."""
        wanted = np.asarray(ids, dtype=np.int64)
        if not self.size:
            return np.zeros(wanted.size, dtype=bool), np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.sorted_ids, wanted), self.size - 1)
        found = self.sorted_ids[at] == wanted
        return found, self.order[at[found]]


def with_vectors(texts: Sequence[str], ids: Sequence[int], index: StoredIndex, embedder: Embedder) -> EmbeddedTexts:
    """``texts`` with their vectors: stored ones for the ids that have them, the rest embedded now."""
    texts = list(texts)
    vectors = np.empty((len(texts), embedder.dim), dtype=np.float32)
    found, positions = index.positions(ids)
    vectors[found] = index.stored.rows(positions)
    if not found.all():
        vectors[~found] = embedder.embed([t for t, f in zip(texts, found, strict=True) if not f])
    return EmbeddedTexts(texts, vectors, embedder.identity)


def model_inputs(
    model: object, texts: Sequence[str], ids: Sequence[int], index_for: Callable[[EmbedderIdentity], StoredIndex]
) -> Sequence[str]:
    """What ``model`` predicts from: ``texts`` with stored vectors when it has embedding steps whose embedder is
    this process's (so a rescoring embeds only texts not stored yet); the plain texts otherwise."""
    steps = embedding_steps(model)
    if not steps or any(step.identity_ != steps[0].identity_ for step in steps):
        return list(texts)
    identity = EmbedderIdentity.from_dict(steps[0].identity_)
    embedder = shared_embedder(identity.name)
    if embedder is None or embedder.identity != identity:
        return list(texts)  # the model's own step says what is wrong when it runs
    return with_vectors(texts, ids, index_for(identity), embedder)


def probabilities(model, inputs: Sequence[str], n_labels: int) -> np.ndarray:
    """predict_proba with one column per project label, for texts or ``EmbeddedTexts`` (kept as they are)."""
    out = np.zeros((len(inputs), n_labels))
    if len(inputs):
        out[:, model.classes_] = linear_parts.predict_proba(model, inputs)
    return out


def embed_rows(ids: Sequence[int], read: ReadRange, embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """(ids found, float16 vectors) of the examples ``ids`` (ascending), their texts read by one id range."""
    if not len(ids):
        return np.zeros(0, np.int64), np.zeros((0, embedder.dim), np.float16)
    wanted = set(int(i) for i in ids)
    rows = [(i, t) for i, t in read(int(ids[0]), int(ids[-1])) if i in wanted]
    vectors = embedder.embed([t for _, t in rows]).astype(np.float16)
    return np.fromiter((i for i, _ in rows), dtype=np.int64, count=len(rows)), vectors


@dataclass(frozen=True)
class EmbedTask:
    """What a worker process needs to embed some examples: the store, the embedder (with the identity it must
    have) and the ids, ascending."""

    database_url: str
    spec: str
    identity: EmbedderIdentity
    ids: tuple[int, ...]


_WORKER: dict = {}  # per worker process: its engine, made on first use


def embed_task(task: EmbedTask) -> tuple[np.ndarray, np.ndarray]:
    """(ids, float16 vectors) of the task's examples; runs in a worker process."""
    from sqlmodel import Session

    from hloop.core.errors import EmbeddingMismatchError
    from labeling import store
    from labeling.db import make_engine
    from labeling.tables import ORIGINS

    if _WORKER.get("url") != task.database_url:
        _WORKER.update(url=task.database_url, engine=make_engine(task.database_url))
    embedder = shared_embedder(task.spec)
    if embedder is None or embedder.identity != task.identity:
        raise EmbeddingMismatchError(f"The worker's embedder is not {task.identity}; nothing was embedded.")

    def read(first: int, last: int) -> list[tuple[int, str]]:
        with Session(_WORKER["engine"]) as session:
            return store.texts_in_id_range(ORIGINS, first, last, session=session)

    return embed_rows(task.ids, read, embedder)


_LAST_INDEX: list = []  # this process's last (key, StoredIndex): a pool scoring reads one index per chunk


def stored_index(folder: Path, identity: EmbedderIdentity, owner: str | None) -> StoredIndex:
    """The rows stored in ``folder`` (none when it belongs to another embedder or store), read once, retried if a
    writer replaced a segment while it was read; the last one is kept until the manifest changes."""
    try:
        stat = (Path(folder) / "manifest.json").stat()
        key: tuple | None = (str(folder), identity, owner, stat.st_ino, stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        key = None
    last = _LAST_INDEX[0] if _LAST_INDEX else None
    if key is not None and last is not None and last[0] == key:
        return last[1]
    try:
        index = StoredIndex.of(read_stored(folder, identity, owner), identity.dim)
    except FileNotFoundError:
        index = StoredIndex.of(read_stored(folder, identity, owner), identity.dim)
    if key is not None:
        _LAST_INDEX[:] = [(key, index)]
    return index
