"""The project's embeddings: one vector per stored text, computed once and kept beside the label store.

An embedding depends only on its text, so every version reuses it: ``ensure`` embeds the examples (every
origin) that have no stored vector yet, in a worker process (``HLOOP_SCORING_PROCESSES``; 0: a thread here), and
appends them to the store (``training.embedding_store``) in this process, one writer at a time (a lock here, a
file lock beside the folder for other processes). ``embedded`` gives the trainer, the gate and the pool scoring
stored vectors instead of embedding again; ``similar`` ranks stored texts by cosine similarity to a text.
The folder (``embeddings_folder``) is tied to its label store by a key kept in the store (``OWNER_KEY``): vectors
of another store, or of another embedder, are emptied and rebuilt, never mixed, never read against other ids.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from hloop.core.errors import EmbeddingMismatchError, InvalidInputError
from hloop.services.embedding_jobs import (
    OWNER_KEY,
    EmbedTask,
    StoredIndex,
    embed_rows,
    embed_task,
    embeddings_folder,
    model_inputs,
    stored_index,
    with_vectors,
)
from hloop.services.project import Progress, Project, no_progress
from hloop.services.similar import SimilarTexts
from labeling import example_queries, store
from labeling.tables import ORIGINS
from training.compute import background_processes
from training.embedding_store import EmbeddingStore
from training.embeddings import Embedder, EmbedderIdentity, shared_embedder
from training.families import EmbeddedTexts, embedding_steps
from training.workers import workers_were_ended

log = logging.getLogger("hloop.embeddings")
FLUSH_ROWS = 100_000  # vectors kept in memory before they are appended as one segment (a crash loses at most these)
ENABLE = "set HLOOP_EMBEDDINGS=wordllama"
TASK_ROWS = 5000  # texts per worker task: the progress moves at least this often


class Embeddings:
    """The embedding store of one project: filling it (in the background), reading it, similar texts."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.folder = embeddings_folder(project.settings.database_url, project.settings.models_dir)
        self._write_lock = threading.Lock()  # one filling at a time in this process (other processes: a file lock)
        self._lock = threading.Lock()  # guards the fields below while they are read or replaced
        self._index: tuple[tuple, StoredIndex] | None = None  # (manifest stat, rows) read last
        self._owner: str | None = None
        self._thread: threading.Thread | None = None
        self._progress = {"done": 0, "missing": 0}
        self._error: str | None = None
        self.similar_texts = SimilarTexts(project, self)

    @property
    def enabled(self) -> bool:
        """Whether the project has embeddings (HLOOP_EMBEDDINGS is not none)."""
        return self.project.settings.embeddings != "none"

    def embedder(self) -> Embedder:
        """The process-wide embedder of HLOOP_EMBEDDINGS (loaded on first use)."""
        embedder = shared_embedder(self.project.settings.embeddings)
        if embedder is None:
            raise InvalidInputError(f"This needs embeddings, and HLOOP_EMBEDDINGS is none: {ENABLE}.")
        return embedder

    # -- reading ------------------------------------------------------------------------------------------
    def owner(self, create: bool = True) -> str | None:
        """The key of this label store that its embeddings folder must carry, kept in the store; made by the first
        filling (``create``), so a reader writes nothing: without a key there is no vector of this store yet."""
        with self._lock:
            if self._owner is not None:
                return self._owner
        self.project.ensure_store()
        with self.project.session() as session:
            owner = store.get_info(session=session).get(OWNER_KEY)
            if owner is None and not create:
                return None
            if owner is None:
                owner = uuid.uuid4().hex
                store.set_info({OWNER_KEY: owner}, session=session)
                session.commit()
        with self._lock:
            self._owner = owner
        return owner

    def index(self) -> StoredIndex:
        """The stored rows, read again only when the manifest changed (another thread or process appended)."""
        identity = self.embedder().identity
        try:
            stat = (self.folder / "manifest.json").stat()
            key: tuple = (stat.st_ino, stat.st_mtime_ns, stat.st_size, identity)
        except FileNotFoundError:
            key = (None, identity)
        with self._lock:
            if self._index is not None and self._index[0] == key:
                return self._index[1]
        owner = self.owner(create=False)
        index = StoredIndex.of(None, identity.dim) if owner is None else stored_index(self.folder, identity, owner)
        with self._lock:
            self._index = (key, index)
        return index

    def index_for(self, identity: EmbedderIdentity) -> StoredIndex:
        """The stored rows when ``identity`` is this project's embedder's, else none (a model fitted on other
        embeddings embeds its texts itself)."""
        if not self.enabled or self.embedder().identity != identity:
            return StoredIndex.of(None, identity.dim)
        return self.index()

    def inputs_of(self, model: object, texts: Sequence[str], ids: Sequence[int] | None = None) -> Sequence[str]:
        """What ``model`` predicts ``texts`` from: with stored vectors when it has embedding steps made by this
        project's embedder, else the texts (``ids`` found by text when None)."""
        if not embedding_steps(model):
            return list(texts)
        return model_inputs(model, texts, self.ids_of(texts) if ids is None else ids, self.index_for)

    def embedded(self, texts: Sequence[str], ids: Sequence[int] | None = None) -> EmbeddedTexts | list[str]:
        """``texts`` with their vectors (stored ones where the example has one, the rest embedded now, not
        stored); ``ids`` are their example ids, found by text when None. The plain texts when embeddings are none."""
        if not self.enabled:
            return list(texts)
        texts = list(texts)
        if ids is None:
            ids = self.ids_of(texts)
        elif len(ids) != len(texts):
            raise InvalidInputError(f"{len(texts)} texts need as many ids, not {len(ids)}.")
        return with_vectors(texts, ids, self.index(), self.embedder())

    def ids_of(self, texts: Sequence[str]) -> list[int]:
        """The example id of each text (-1 for a text the store does not hold), by text hash, in batches."""
        hashes = [store.text_hash(t) for t in texts]
        with self.project.session() as session:
            found = example_queries.ids_of_hashes(hashes, session=session)
        return [found.get(h, -1) for h in hashes]

    # -- filling ------------------------------------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[EmbeddingStore]:
        """The store opened for writing, this process's only writer and (by a file lock) every process's."""
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        lock_file = self.folder.with_name(self.folder.name + ".lock")
        with self._write_lock, lock_file.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield self._open()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _open(self) -> EmbeddingStore:
        identity, owner = self.embedder().identity, self.owner()
        assert owner is not None  # made when missing
        try:
            return EmbeddingStore(self.folder, identity, owner=owner)
        except EmbeddingMismatchError as exc:
            log.warning("event=embeddings.rebuilt folder=%s reason=%s", self.folder, str(exc).split(";")[0])
            return EmbeddingStore(self.folder, identity, owner=owner, rebuild=True)

    def ensure(self, progress: Progress | None = None) -> int:
        """Embed every example without a stored vector and store them; returns how many were added."""
        if not self.enabled:
            return 0
        report = progress or no_progress
        with self._writing() as embedding_store:
            with self.project.session() as session:
                every = example_queries.all_example_ids(session=session)
            missing = embedding_store.missing(every)
            with self._lock:
                self._progress = {"done": 0, "missing": int(missing.size)}
            report(0.0, f"{missing.size:,} of {len(every):,} texts to embed")
            done, pending = 0, []
            for ids, vectors in self._embedded_batches(missing):
                pending.append((ids, vectors))
                done += int(ids.size)
                if sum(p[0].size for p in pending) >= FLUSH_ROWS:
                    self._append(embedding_store, pending)
                with self._lock:
                    self._progress["done"] = done
                report(done / max(missing.size, 1), f"{done:,} of {missing.size:,} texts embedded")
            self._append(embedding_store, pending)
        report(1.0, f"{done:,} texts embedded")
        return done

    @staticmethod
    def _append(embedding_store: EmbeddingStore, pending: list) -> None:
        if pending:
            embedding_store.add(np.concatenate([p[0] for p in pending]), np.vstack([p[1] for p in pending]))
            pending.clear()

    def _embedded_batches(self, missing: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, float16 vectors) of ``missing`` in batches, by worker processes when the settings allow."""
        batches = [tuple(int(i) for i in missing[s : s + TASK_ROWS]) for s in range(0, missing.size, TASK_ROWS)]
        s = self.project.settings
        if s.scoring_processes == 0 or s.database_url in ("sqlite://", "sqlite:///:memory:") or not batches:
            embedder = self.embedder()
            for ids in batches:
                yield embed_rows(ids, self._read_range, embedder)
            return
        identity = self.embedder().identity
        with background_processes(min(s.scoring_processes, len(batches))) as workers:
            tasks = [EmbedTask(s.database_url, s.embeddings, identity, ids) for ids in batches]
            futures = [workers.submit(embed_task, task) for task in tasks]
            for future in futures:
                yield future.result()

    def _read_range(self, first: int, last: int) -> list[tuple[int, str]]:
        with self.project.session() as session:
            return store.texts_in_id_range(ORIGINS, first, last, session=session)

    def start_background(self, if_kept: bool = False) -> None:
        """Fill the store in a background thread (no-op when embeddings are none or a filling runs); ``if_kept``:
        only when this store keeps embeddings already (the app started, or ``hloop embed`` ran, on it)."""
        if not self.enabled or (if_kept and self.owner(create=False) is None):
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, daemon=True, name="hloop-embeddings")
            self._thread.start()

    def _run(self) -> None:
        try:
            self.ensure()
            self._error = None
        except Exception as exc:  # the next start tries again; status() reports it meanwhile
            self._error = f"{type(exc).__name__}: {exc}"
            if workers_were_ended():  # the app is stopping: its workers were ended under the filling
                log.info("event=embeddings.stopped reason=%s", "the app stopped; the next start goes on")
                return
            log.warning("event=embeddings.failed error=%s", self._error)

    def wait(self) -> None:
        """Wait for a background filling to end (for the CLI and tests; requests never wait)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()

    def reset(self, refill: bool = True) -> None:
        """After a restore: the store's embeddings key is dropped (vectors beside it are never read against the
        restored ids; the next filling makes a new key and empties them), even with embeddings none; ``refill``:
        then fill it in the background, if the restored store kept embeddings."""
        self.wait()
        with self._lock:
            self._owner, self._index = None, None
        with self.project.session() as session:
            kept = OWNER_KEY in store.get_info(session=session)
            store.delete_info([OWNER_KEY], session=session)
            session.commit()
        if refill and kept:
            self.start_background()

    def status(self) -> dict:
        """How many texts have stored vectors, how many the store holds, whether a filling runs and how far it got,
        the embedder's identity and the last error."""
        if not self.enabled:
            return {"enabled": False, "stored": 0, "total": 0, "missing": 0, "running": False, "fraction": None,
                    "embedder": None, "error": None, "folder": None}  # fmt: skip
        with self.project.session() as session:
            total = example_queries.count_examples(session=session)
        stored = self.index().size
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
            progress, error = dict(self._progress), self._error
        fraction = progress["done"] / progress["missing"] if running and progress["missing"] else None
        return {
            "enabled": True,
            "stored": stored,
            "total": total,
            "missing": max(total - stored, 0),
            "running": running,
            "fraction": None if fraction is None else round(fraction, 3),
            "embedder": self.embedder().identity.to_dict(),
            "error": error,
            "folder": str(self.folder),
        }

    def neighbours(self, text: str, k: int) -> list[dict]:
        """The ``k`` labelled texts nearest to ``text`` (shown beside a prediction); none without embeddings."""
        if not self.enabled:
            return []
        return self.similar_texts.similar(text, None, k, "labelled")

    def similar(
        self, text: str | None = None, example_id: int | None = None, k: int = 10, among: str = "all"
    ) -> list[dict]:
        """The ``k`` stored pool or labelled texts nearest to ``text`` or to the example ``example_id``, best first
        (see ``SimilarTexts.similar``)."""
        return self.similar_texts.similar(text, example_id, k, among)
