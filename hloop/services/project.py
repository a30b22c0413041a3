"""The project every use-case receives: settings, dataset, label set, label store and model registry."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from sqlalchemy import event
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError, OperationalError
from sqlmodel import Session

from hloop.config import Settings
from hloop.core.errors import StoreBrokenError, StoreBusyError, StoreFillError, StoreMismatchError
from hloop.core.labels import LabelSet, held_out
from hloop.data.corpus import Corpus, load_corpus
from hloop.data.guidance import read_descriptions, read_guidelines
from hloop.data.hygiene import Hygiene, KeptRows
from hloop.data.splits import Split, carve_dev, split_train
from hloop.services.dataset import dataset_rows, dataset_spec, first_conflict, train_rows
from labeling import store
from labeling.db import make_engine
from labeling.faults import permanent_problem, store_error
from training.pipeline import document_key
from training.registry import Registry

Progress = Callable[[float, str], None]


def no_progress(_fraction: float, _desc: str) -> None:
    """A progress callback that shows nothing."""
    return None


def safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL: say nothing of it
        return "HLOOP_DATABASE_URL"


class Project:
    """What every use-case receives: the settings, the store (engine, sessions, its facts), the dataset with its
    label set and splits, and the model registry. It owns no use-case's state."""

    def __init__(self, settings: Settings, corpus: Corpus | None = None) -> None:
        self.settings = settings
        self.registry = Registry(settings.models_dir)
        self._corpus = corpus
        self._engine = None
        # the process-wide lock: held around this process's store writes and while shared state is read or
        # replaced, never around heavy work (a model load, an inference, a scoring, a training)
        self.lock = threading.RLock()
        self._guarded: dict[str, str] | None = None  # document key -> "eval" or "dev", for the guards
        self._kept: KeptRows | None = None  # the train rows the store keeps, computed once
        self._split: tuple[Split, np.ndarray] | None = None  # seed, pool and dev rows, computed once
        self._store_problem: str | None = None  # the last permanent store error, until a write succeeds again

    def reload_models(self) -> None:
        """Forget every loaded version (after a restore wrote another models folder)."""
        self.registry = Registry(self.settings.models_dir)

    @property
    def engine(self):
        """The store's engine, created on first use."""
        with self.lock:
            if self._engine is None:
                self._engine = self._make_engine()
            return self._engine

    def _make_engine(self):
        """The engine, or the HLoopError that says what is wrong with HLOOP_DATABASE_URL or the store it names."""
        url = self.settings.database_url
        try:
            return make_engine(url, self.settings.db_timeout)
        except DBAPIError as exc:
            if isinstance(exc, OperationalError) and permanent_problem(exc) is None:
                raise StoreBusyError(
                    f"The label store at {safe_url(url)} is unreachable "
                    f"({' '.join(str(exc.orig).split())[:160]}); check HLOOP_DATABASE_URL and that the database "
                    "runs."
                ) from exc
            raise self.broken(store_error(exc, safe_url(url), "nothing was opened")) from exc
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StoreBrokenError(
                f"HLOOP_DATABASE_URL is not a database URL this app can use ({' '.join(str(exc).split())[:160]}); "
                "write it as dialect+driver://user:password@host/database, e.g. sqlite:///data/hloop.db."
            ) from exc
        except ImportError as exc:
            raise StoreBrokenError(
                f"The database driver for {safe_url(url)} is not installed ({exc}); install it "
                "(e.g. `pip install psycopg[binary]` for postgresql+psycopg) or use another HLOOP_DATABASE_URL."
            ) from exc
        except OSError as exc:
            raise StoreBrokenError(
                f"The label store at {safe_url(url)} cannot be created ({exc.strerror or exc}: "
                f"{exc.filename or ''}); point HLOOP_DATABASE_URL at a file in a folder the app can write."
            ) from exc

    def broken(self, error):
        """``error``, remembered when it is permanent, so /health reports it."""
        if isinstance(error, StoreBrokenError):
            self._store_problem = str(error)
        return error

    def store_problem(self) -> str | None:
        """The last permanent store error (read-only, disk full, a missing column…), until a write succeeds."""
        return self._store_problem

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short-lived session; a database error becomes StoreBusyError (transient: locked, unreachable) or
        StoreBrokenError (permanent: read-only, full, damaged, a missing column), nothing written."""
        with Session(self.engine) as session:
            event.listen(session, "after_commit", self._committed)
            try:
                yield session
            except DBAPIError as exc:
                if isinstance(exc, IntegrityError):
                    raise
                session.rollback()
                raise self.broken(store_error(exc, safe_url(self.settings.database_url))) from exc

    def _committed(self, _session) -> None:
        self._store_problem = None

    def corpus(self) -> Corpus:
        """The dataset, loaded once."""
        with self.lock:
            if self._corpus is None:
                self._corpus = load_corpus(dataset_spec(self.settings))
            return self._corpus

    def kept_train(self) -> KeptRows:
        """The train rows the store keeps (each text once, no eval text) with their labels, computed once."""
        with self.lock:
            if self._kept is None:
                self._kept = train_rows(self.corpus())
            return self._kept

    def hygiene(self) -> Hygiene:
        """Everything loading and filling the store did to the dataset's rows (dropped, merged, cleaned)."""
        return self.corpus().hygiene + self.kept_train().hygiene

    @property
    def label_set(self) -> LabelSet:
        """The project's labels."""
        return self.corpus().label_set

    def held_out_by_humans(self) -> bool:
        """True when there are no gold eval labels, so a share of the human labels is the eval set."""
        return self.corpus().eval_origin == "human"

    def is_held_out(self, text: str) -> bool:
        """Whether a human label on ``text`` is never trained on (eval or dev): only without gold eval labels."""
        return self.held_out_by_humans() and held_out(text, self.settings.eval_share + self.settings.dev_share)

    def guidance(self) -> tuple[dict, str | None]:
        """(what each label means, the labelling guidelines): ``HLOOP_LABEL_DESCRIPTIONS`` as ``LabelGuide``s by
        label name and ``HLOOP_GUIDELINES`` as Markdown, read and checked (InvalidInputError saying what to fix);
        empty when unset."""
        s = self.settings
        guides = read_descriptions(s.label_descriptions, self.label_set.names) if s.label_descriptions else {}
        return guides, read_guidelines(s.guidelines) if s.guidelines else None

    def is_dev(self, text: str) -> bool:
        """Whether a held-out human label is a dev label: the texts whose hash lies just above the eval share
        (``HLOOP_EVAL_SHARE`` of the texts are eval, the next ``HLOOP_DEV_SHARE`` are dev)."""
        return self.is_held_out(text) and not held_out(text, self.settings.eval_share)

    def train_split(self, corpus: Corpus) -> tuple[Split, np.ndarray]:
        """(seed and pool, dev rows): the dataset's train rows as this project's store holds them."""
        with self.lock:
            if self._split is None:
                s = self.settings
                split = split_train(corpus.train_labels, s.seed_size, s.random_seed)
                if corpus.labelled and corpus.eval_origin != "human":
                    self._split = carve_dev(corpus.train_labels, split, s.dev_share, s.dev_max, s.random_seed)
                else:
                    self._split = (split, np.empty(0, dtype=np.int64))
            return self._split

    def gold_dev(self) -> tuple[list[str], list[int]] | None:
        """The dev texts and gold labels of a labelled dataset; None when the store was made without a dev split."""
        corpus = self.corpus()
        if self.ensure_store().get("dev_rows") is None:
            return None
        return self._gold_dev(corpus)

    def _gold_dev(self, corpus: Corpus) -> tuple[list[str], list[int]]:
        kept = self.kept_train()
        label_of = dict(zip(kept.rows.tolist(), kept.labels.tolist(), strict=True))
        dev = [int(i) for i in self.train_split(corpus)[1] if int(i) in label_of]
        return [corpus.train_texts[i].strip() for i in dev], [label_of[i] for i in dev]

    def guarded_split(self, text: str) -> str | None:
        """``"eval"`` or ``"dev"`` when the model would read ``text`` as one of that split's texts (the same
        tokens: other case, punctuation, spacing, invisible characters or HTML escaping), else None."""
        with self.lock:
            if self._guarded is None:
                dev = self.gold_dev()  # None for a store made before dev splits: it has no dev texts
                guarded = {document_key(t): "dev" for t in (dev[0] if dev else [])}
                guarded.update((document_key(t), "eval") for t in self.corpus().eval_texts)
                self._guarded = guarded
        return self._guarded.get(document_key(text))

    def is_eval_text(self, text: str) -> bool:
        """Whether the model would read ``text`` as an eval text (see ``guarded_split``)."""
        return self.guarded_split(text) == "eval"

    def _store_facts(self, corpus: Corpus) -> dict[str, str]:
        return {
            "data_fingerprint": corpus.fingerprint,
            "seed_size": str(self.settings.seed_size),
            "random_seed": str(self.settings.random_seed),
            "labels": json.dumps(corpus.label_set.to_list(), ensure_ascii=False),
            "dev_rows": str(self.train_split(corpus)[1].size),
        }

    def _check_facts(self, info: dict[str, str], facts: dict[str, str]) -> None:
        wrong = {k: (info.get(k), v) for k, v in facts.items() if k in info and info.get(k) != v}
        if "dev_rows" in wrong:  # say which settings make the dev split
            wrong["dev_rows (HLOOP_DEV_SHARE, HLOOP_DEV_MAX)"] = wrong.pop("dev_rows")
        if "labels" in wrong:
            there, now = (", ".join(json.loads(v)) for v in wrong["labels"])
            raise StoreMismatchError(
                f"The label store at {self.settings.database_url} was made for the labels [{there}], and this "
                f"project's labels are [{now}]. Use the HLOOP_DATASET/HLOOP_LABELS it was made with, or point "
                "HLOOP_DATABASE_URL at a new store."
            )
        if wrong:
            raise StoreMismatchError(
                f"The label store at {self.settings.database_url} was built with other settings "
                f"({', '.join(f'{k}: {a} there, {b} now' for k, (a, b) in wrong.items())}). "
                "Use the settings it was built with, or point HLOOP_DATABASE_URL at a new store."
            )

    def ensure_store(self, retried: bool = False) -> dict[str, str]:
        """Fill an empty store with the dataset's seed, pool and eval texts; check a filled one matches."""
        corpus = self.corpus()
        facts = self._store_facts(corpus)
        with self.lock, self.session() as session:
            info = store.get_info(session=session)
            if info:
                self._check_facts(info, facts)
                if "labels" not in info:  # a store made before label sets were recorded: record it now
                    store.set_info({"labels": facts["labels"]}, session=session)
                    session.commit()
                known = {k: v for k, v in facts.items() if k != "dev_rows"}  # a store made before dev splits: none
                return {**info, **known}
            split, dev = self.train_split(corpus)
            rows, seed_labels = dataset_rows(corpus, split, dev, self.kept_train())
            hygiene = json.dumps(self.hygiene().to_dict(), ensure_ascii=False)
            try:
                store.bulk_add_examples(rows, session=session)
                store.bulk_add_seed_labels(seed_labels, session=session)
                store.set_info({**facts, "hygiene": hygiene}, session=session)
                session.commit()
                return facts
            except IntegrityError as exc:
                session.rollback()
                if retried or not store.get_info(session=session):  # not another process filling it: our rows
                    raise StoreFillError(
                        f"The label store at {safe_url(self.settings.database_url)} could not be filled: "
                        f"{' '.join(str(exc.orig).split())[:120]} ({first_conflict(rows)}). Nothing was stored; "
                        "point HLOOP_DATABASE_URL at a new, empty store."
                    ) from exc
        return self.ensure_store(retried=True)  # another process filled the store at the same moment: use its rows
